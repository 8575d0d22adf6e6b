/**
 * One replay: read the aggregate's events from a source, step them through
 * its machine, then check the stored snapshot and (on NATS) the running
 * API's projection against the states it went through.
 *
 * On a compacted journal (or a bundle that starts after event 1) the
 * aggregate's earlier events may be gone. The API read model's snapshot at
 * seq M holds its state then, so the replay decides where to start:
 * - its retained events alone, stepped from the initial state, reach the
 *   state the snapshot holds at M, and none is refused: nothing of it is
 *   missing, and every retained event is stepped (`retained`);
 * - otherwise its history began before what is retained: the replay starts
 *   from its state in the snapshot and steps the events after M; the
 *   retained ones up to M are listed as already in it (`snapshot`);
 * - no snapshot can be used: the retained events from the initial state,
 *   said to be partial (`partial`).
 */
import { isDeepStrictEqual } from 'node:util';
import type { ApiClient } from '@leasehold/api/client';
import type { StoredEvent } from '@leasehold/journal';
import { RequestError, TimeoutError } from '@nats-io/transport-node';
import { replayer, type AggregateRef, type AggregateState, type ReplayStep } from './aggregate.js';
import { checkSnapshot, locateDivergence, type CheckResult } from './check.js';
import type { HistoryStart, SnapshotRef } from './history-start.js';
import { fetchLive, replayedLive } from './live.js';
import type { EventSource } from './source.js';

/** Where an aggregate's replay starts (see the module comment). */
export type Origin =
  | { readonly kind: 'whole' }
  | { readonly kind: 'retained'; readonly snapshot: SnapshotRef }
  | {
      readonly kind: 'snapshot';
      readonly snapshot: SnapshotRef;
      /** Its retained events up to the snapshot's seq: already in the start state. */
      readonly folded: readonly StoredEvent[];
      /** Fields of the start state the read model does not keep. */
      readonly unknown: readonly string[];
    }
  | { readonly kind: 'partial'; readonly problem: string };

export interface ReplayReport {
  readonly ref: AggregateRef;
  readonly source: string;
  readonly history: HistoryStart;
  readonly origin: Origin;
  readonly initial: AggregateState;
  /** The time of the last event in `initial`, if known. */
  readonly initialAt: number | undefined;
  /** The sequence `initial` is the state after: 0, or the snapshot's. */
  readonly initialSeq: number;
  readonly steps: readonly ReplayStep[];
  /** Events that could not be decoded (skipped): sequence and why. */
  readonly bad: readonly { readonly seq: number; readonly error: string }[];
  /** Whether the source knows the aggregate at all (events, or a state in the snapshot). */
  readonly found: boolean;
  readonly snapshot: CheckResult;
  readonly live: CheckResult & { readonly asked?: string };
  readonly ms: number;
}

export interface ReplayOptions {
  /** The API to check against; none: the live check is skipped. */
  readonly client?: ApiClient;
  readonly agentDownTime?: number;
  readonly onPending?: (pending: number) => void;
  readonly onStep?: () => void;
  /** The instant the API judges lease ends by (defaults to now). */
  readonly now?: number;
}

export interface AggregateWalk {
  readonly origin: Origin;
  readonly initial: AggregateState;
  /** Time of the last event in `initial`, if any. */
  readonly initialAt: number | undefined;
  readonly initialSeq: number;
  readonly steps: readonly ReplayStep[];
}

/**
 * Steps an aggregate's retained events from where its history can be known
 * whole (see the module comment). `now` judges lease ends when the retained
 * events are compared with the snapshot. Pure.
 */
export function walkAggregate(ref: AggregateRef, history: HistoryStart, events: readonly StoredEvent[], options: { agentDownTime?: number; now: number }): AggregateWalk {
  const settings = options.agentDownTime !== undefined ? { agentDownTime: options.agentDownTime } : {};
  const fresh = replayer(ref, settings);
  const initial = fresh.state;
  const steps = events.map((e) => fresh.step(e));
  const whole = { initial, initialAt: undefined, initialSeq: 0, steps };
  if (history.firstRetained <= 1) return { origin: { kind: 'whole' }, ...whole };
  if (ref.kind === 'lease6') return { origin: { kind: 'partial', problem: "an IPv6 lease's replay does not start from the API snapshot's row yet: the retained events are stepped from a free address" }, ...whole };
  if (!history.model || !history.snapshot) return { origin: { kind: 'partial', problem: history.problem ?? 'no snapshot' }, ...whole };
  const snapshot = history.snapshot;
  const base = replayer(ref, { ...settings, from: history.model });
  const upto = steps.filter((s) => s.seq <= snapshot.seq);
  const last = upto.at(-1);
  const explained =
    upto.every((s) => !s.refused) &&
    isDeepStrictEqual(replayedLive(ref, last ?? initial, last?.event.at, options.now), replayedLive(ref, base.state, base.at, options.now));
  if (explained) return { origin: { kind: 'retained', snapshot }, ...whole };
  const start = { initial: base.state, initialAt: base.at, initialSeq: snapshot.seq };
  const after = events.filter((e) => e.seq > snapshot.seq).map((e) => base.step(e));
  return { origin: { kind: 'snapshot', snapshot, folded: events.filter((e) => e.seq <= snapshot.seq), unknown: base.unknown }, ...start, steps: after };
}

/** Replays one aggregate and checks it; never throws for a divergence (the report says). */
export async function runReplay(source: EventSource, ref: AggregateRef, options: ReplayOptions = {}): Promise<ReplayReport> {
  const started = performance.now();
  const now = options.now ?? Date.now();
  const history = await source.history();
  const events: StoredEvent[] = [];
  const bad: { seq: number; error: string }[] = [];
  await source.replay(
    ref.subject,
    (stored) => {
      events.push(stored);
      options.onStep?.();
    },
    {
      onBadEvent: (seq, _subject, error) => bad.push({ seq, error: error instanceof Error ? error.message : String(error) }),
      ...(options.onPending ? { onPending: options.onPending } : {}),
    },
  );
  const walk = walkAggregate(ref, history, events, { ...(options.agentDownTime !== undefined ? { agentDownTime: options.agentDownTime } : {}), now });
  const { origin, initial, initialAt, initialSeq, steps } = walk;
  const found = events.length > 0 || bad.length > 0 || (origin.kind === 'snapshot' && !isDeepStrictEqual(initial, replayer(ref).state));
  const snapshot = checkSnapshot(await source.snapshot(ref.subject), initial, steps, initialSeq);
  const live = options.client
    ? await checkLive(options.client, ref, walk, now)
    : { kind: 'skipped' as const, reason: source.live ? 'not asked (--no-live)' : `no API behind ${source.name}` };
  return { ref, source: source.name, history, origin, initial, initialAt, initialSeq, steps, bad, found, snapshot, live, ms: performance.now() - started };
}

/** The state a replay ends in, and the API's view of it (leases judged at `now`). Pure. */
export function finalView(report: ReplayReport, now: number): { readonly state: AggregateState; readonly view: unknown } {
  const last = report.steps.at(-1);
  const state = last ? { value: last.value, context: last.context } : report.initial;
  return { state, view: replayedLive(report.ref, state, last ? last.event.at : report.initialAt, now) };
}

async function checkLive(client: ApiClient, ref: AggregateRef, walk: AggregateWalk, now: number): Promise<CheckResult & { asked?: string }> {
  let live;
  try {
    live = await fetchLive(client, ref);
  } catch (error) {
    if (error instanceof RequestError || error instanceof TimeoutError) return { kind: 'skipped', reason: `no API answered (${error.message})` };
    throw error;
  }
  const views = walk.steps.map((s) => ({ seq: s.seq, view: replayedLive(ref, s, s.event.at, now) }));
  return { ...locateDivergence(replayedLive(ref, walk.initial, walk.initialAt, now), views, live.view, live.position, walk.initialSeq), asked: live.asked };
}

/** True when a check found the two sides disagree. Pure. */
export function diverged(report: ReplayReport): boolean {
  return report.snapshot.kind === 'diverged' || report.live.kind === 'diverged';
}
