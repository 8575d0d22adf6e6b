/**
 * The scheduler as a running process: it folds the journal into the pure
 * scheduler state, decides when something relevant happened (and just after
 * the next agent deadline), and appends its decisions to each binding subject
 * with that subject's expected sequence. Two instances may run at once: they
 * fold the same log into the same state and make the same decisions, and the
 * expected sequence lets exactly one of them write each one.
 */
import { randomUUID } from 'node:crypto';
import {
  ProjectionSnapshots,
  VersionConflictError,
  projectionStartOptions,
  quarantineLine,
  startSnapshottedProjection,
  type Journal,
  type ProjectionStartOptions,
  type RunningSnapshottedProjection,
} from '@leasehold/journal';
import { bindingNetworkIdOf, bindingSubject, toBindingEnvelope } from '@leasehold/resources';
import type { SchedulerConfig } from './config.js';
import { decide } from './decide.js';
import type { DecisionEvent } from './events.js';
import { SchedulerFold } from './fold.js';
import { SCHEDULER_SNAPSHOT_V, readSchedulerSnapshot, schedulerFingerprint, takeSchedulerSnapshot } from './snapshot.js';
import { unreachableNetworks } from './reachability.js';
import { nextDeadline, type SchedulerState } from './state.js';

export interface RunningScheduler {
  readonly config: SchedulerConfig;
  /** The folded state (live: do not change it). */
  state(): SchedulerState;
  /** Sequence of the last journal event folded (for lag metrics). */
  position(): number;
  /** Decides and appends now; resolves with the decisions this instance wrote. */
  schedule(): Promise<DecisionEvent[]>;
  readonly stats: { passes: number; written: number; conflicts: number; errors: number };
  /** The projection (its start facts: the snapshot it restored, the events replayed). */
  readonly projection: RunningSnapshottedProjection;
  stop(): Promise<void>;
}

export interface SchedulerDeps extends ProjectionStartOptions {
  readonly journal: Journal;
  readonly log?: (line: string) => void;
  /** Name of this instance's projection (default "scheduler"). */
  readonly name?: string;
  /**
   * Called after the fold applied an event on a binding subject, so the
   * bindings in `state()` may have changed (also during the start-up
   * replay). For whoever keeps something equal to the bindings without a
   * fold of its own (the NATS permissions of `leasehold start`); it must
   * return at once and not throw.
   */
  readonly onBindingEvent?: () => void;
}

/** Waits this long after an event before deciding, so a burst is decided once. */
const SETTLE_MS = 20;
/**
 * How long a pass waits for the projection to fold what it wrote. A stalled
 * projection (its consumer being recreated after a node died) must not stop
 * the scheduler: after this the next pass decides on what it has, and the
 * expected sequences refuse any write based on a stale view.
 */
const FOLD_WAIT_MS = 5_000;

export async function startScheduler(config: SchedulerConfig, deps: SchedulerDeps): Promise<RunningScheduler> {
  const { journal } = deps;
  const log = deps.log ?? (() => {});
  let fold = new SchedulerFold(config);
  let position = 0;
  const waiters: { seq: number; resolve: () => void }[] = [];
  const stats = { passes: 0, written: 0, conflicts: 0, errors: 0 };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  /** Something relevant was folded since the current pass decided. */
  let dirty = false;
  let passing: Promise<DecisionEvent[]> | undefined;
  /**
   * False while the projection replays what the journal held at start: no pass is
   * armed before then (a decision on a half-folded history is wrong, and a timer
   * set during the replay used to fire into functions not yet declared).
   */
  let live = false;

  /** Resolves true once the projection has folded `seq`, false after `timeoutMs`. */
  const reached = (seq: number, timeoutMs: number): Promise<boolean> => {
    if (seq <= position) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiter = { seq, resolve: () => (clearTimeout(timeout), resolve(true)) };
      const timeout = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        resolve(false);
      }, timeoutMs);
      waiters.push(waiter);
    });
  };

  const schedule = (): Promise<DecisionEvent[]> => {
    // One pass at a time: a pass must see its own writes before the next decides.
    passing ??= pass().finally(() => {
      passing = undefined;
      if (dirty) soon();
      else arm();
    });
    return passing;
  };

  /** Network id → physical network, of the networks the last pass found no live agent reaches. */
  let unreachable = new Map<string, string>();
  /** Says once when a network becomes unreachable (it stays unbound) and when that ends. */
  const reportUnreachable = (now: number): void => {
    const next = new Map(unreachableNetworks(fold.state, now).map((n) => [n.networkId, n.physicalNetwork]));
    for (const [id, physicalNetwork] of next) {
      if (!unreachable.has(id)) log(`scheduler: network ${id} is bound to no agent: no live agent maps its physical network ${physicalNetwork}`);
    }
    for (const id of unreachable.keys()) if (!next.has(id)) log(`scheduler: network ${id} is no longer unreachable`);
    unreachable = next;
  };

  const pass = async (): Promise<DecisionEvent[]> => {
    stats.passes++;
    dirty = false;
    const now = Date.now();
    const decisions = decide(fold.state, now, config);
    reportUnreachable(now);
    if (decisions.length === 0) return [];
    // Each binding subject's events go in one append, in order, after that subject's version.
    const bySubject = new Map<string, DecisionEvent[]>();
    for (const event of decisions) {
      const subject = bindingSubject(event.networkId);
      bySubject.set(subject, [...(bySubject.get(subject) ?? []), event]);
    }
    const written: DecisionEvent[] = [];
    let last = 0;
    await Promise.all(
      [...bySubject].map(async ([subject, events]) => {
        try {
          const result = await journal.append(
            subject,
            events.map((event) => toBindingEnvelope(event, { id: randomUUID() })),
            fold.bindingVersions.get(subject) ?? 0,
          );
          written.push(...events);
          last = Math.max(last, result.version);
        } catch (error) {
          if (error instanceof VersionConflictError) {
            // Another instance (or the API) wrote first: fold its write and decide again.
            stats.conflicts++;
            if (error.actualVersion !== undefined) last = Math.max(last, error.actualVersion);
            return;
          }
          stats.errors++;
          log(`scheduler: cannot write to ${subject}: ${(error as Error).message}`);
        }
      }),
    );
    stats.written += written.length;
    for (const event of written) {
      log(`scheduler: ${event.type === 'NetworkScheduled' ? 'scheduled' : 'unscheduled'} network ${event.networkId} ${event.type === 'NetworkScheduled' ? 'on' : 'from'} agent ${event.agentId} (${event.reason})`);
    }
    if (!(await reached(last, FOLD_WAIT_MS))) {
      log(`scheduler: the journal has not delivered event ${last} within ${FOLD_WAIT_MS} ms (folded up to ${position}); deciding again`);
      dirty = true;
    }
    return written;
  };

  /** The projection has folded up to `seq`: wake the passes waiting for it. */
  function folded(seq: number): void {
    position = seq;
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.seq <= position) waiters.splice(i, 1)[0]!.resolve();
    }
  }

  /** Decide again shortly after an event, or just after the next agent deadline. */
  function soon(): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void schedule().catch((e: Error) => log(`scheduler: pass failed: ${e.message}`)), SETTLE_MS);
  }
  function arm(): void {
    if (stopped) return;
    const deadline = nextDeadline(fold.state);
    const wait = deadline === null ? config.reportInterval : Math.min(deadline - Date.now() + 5, config.reportInterval);
    clearTimeout(timer);
    timer = setTimeout(() => void schedule().catch((e: Error) => log(`scheduler: pass failed: ${e.message}`)), Math.max(SETTLE_MS, wait));
  }

  const running = await startSnapshottedProjection(journal, {
    name: deps.name ?? 'scheduler',
    filter: 'lh.evt.>',
    snapshots: await ProjectionSnapshots.open(journal),
    fold: {
      v: SCHEDULER_SNAPSHOT_V,
      fingerprint: schedulerFingerprint(config),
      take: () => takeSchedulerSnapshot(fold.state, fold.bindingVersions),
      restore: (raw) => {
        // Checked whole before anything changes: a refused snapshot leaves the empty state.
        fold = new SchedulerFold(config, readSchedulerSnapshot(raw));
      },
    },
    ...projectionStartOptions(deps),
    apply: (stored) => {
      if (fold.apply(stored)) {
        // Every event may change a decision: the API's manual bindings and other instances' too.
        dirty = true;
        if (live && !passing) soon();
        if (bindingNetworkIdOf(stored.subject) !== undefined) deps.onBindingEvent?.();
      }
      folded(stored.seq);
    },
    // An event no fold may apply: skipped, the binding it sits on still writable, said once at error level.
    onQuarantine: (event) => {
      fold.quarantine(event.subject, event.seq);
      folded(event.seq);
      log(`scheduler: ${quarantineLine(deps.name ?? 'scheduler', event)}`);
    },
    onError: (error) => log(`scheduler: journal: ${(error as Error).message}`),
  });
  // Rejects (the projection stopped) when the replay makes no progress for the stall limit.
  await running.caughtUp;
  position = Math.max(position, running.position());
  live = true;

  await schedule();
  return {
    config,
    state: () => fold.state,
    position: () => position,
    schedule,
    stats,
    projection: running,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await passing?.catch(() => {});
      await running.stop();
    },
  };
}
