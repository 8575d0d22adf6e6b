/**
 * The access keeper: on a nats-server whose configuration this process owns
 * (the embedded server of `leasehold start`, the cluster harness's nodes),
 * each agent user may write the leases of the networks bound to it and no
 * others. NATS permissions are static subject allow-lists, so whenever the
 * bindings change the keeper renders the users again and has the server
 * reload its file.
 *
 * Where the bindings come from: the scheduler's folded state, which the
 * process that owns the server runs anyway (`onBindingEvent` says when to
 * look again): no fold or replay of its own. The scheduler's bindings are
 * the agents' (both add on NetworkScheduled and remove on
 * NetworkUnscheduled), except that the scheduler ignores a decision about an
 * agent or network it no longer knows (deleted): there the agent may serve a
 * network whose leases it is refused, which is the scheduler's view winning.
 *
 * Reloads apply to open connections: on nats-server 2.9.10 (this machine's,
 * checked by packages/journal/src/access/lease-access.test.ts and the tests
 * beside this file) a connected agent that loses a network gets
 * "Permissions Violation for Publish" on its next lease write, and one that
 * gains it may publish at once, without reconnecting. The reload itself takes
 * 1-3 ms; the keeper waits `settleMs` after the first change of a burst so
 * one scheduling pass (many decisions appended at once) is one reload.
 *
 * A reload used to cut the API's answers in flight: nats-server 2.9.10
 * rebuilds every connection's permissions on a reload and forgets the reply
 * subjects an `allow_responses` user was granted by the requests it received
 * (fixed upstream much later, PR 8620), and the reloads come exactly when an
 * agent that was just bound asks the API for its DHCP port. So the API role
 * no longer answers through allow_responses: it may publish to `_INBOX.>`
 * (journal's roles.ts), which no reload takes away (tested beside this file).
 * The keeper still waits, up to a bound, until the API of this process has
 * no request in flight (`quiet`), and leaves at least `minIntervalMs`
 * between reloads so a storm of decisions (a failover of many networks) is a
 * few reloads. A reload also refuses a connection whose handshake is under
 * way (or leaves it without an answer): journal's `connectNats` tries a first
 * connection three times for that.
 *
 * Before the first sync nothing is granted: `leasehold start` renders agents
 * with no lease networks until the scheduler has caught up, rather than the
 * file of the last run, which a crash between a binding and its reload could
 * have left granting a network that has moved since. The start path syncs
 * before it starts the agent, so the agent's first lease write finds its
 * networks granted; an agent elsewhere that writes during those seconds is
 * refused, and its client retries.
 */
import { leaseNetworksOf, sameLeaseNetworks, type LeaseNetworks } from '@leasehold/journal';
import type { NatsConnection } from '@nats-io/transport-node';

/** Where the lease permissions go: a server (or servers) whose configuration this process writes. */
export interface LeaseAccessTarget {
  /** What to call it in log lines (the config file). */
  readonly describe: string;
  /**
   * Renders the configuration with these lease networks (undefined: every
   * agent every network's, the static configuration) and resolves once the
   * server runs on it; rejects when it refused or could not be told.
   */
  apply(leaseNetworks: LeaseNetworks | undefined): Promise<void>;
}

export interface AccessKeeperOptions {
  /** The bindings now: network id → the agents bound to it. */
  readonly bindings: () => Iterable<readonly [string, Iterable<string>]>;
  readonly target: LeaseAccessTarget;
  /** The wait after the first change of a burst (default 20 ms, the scheduler's own settle time). */
  readonly settleMs?: number;
  /** The least time between the end of one reload and the next one (default 500 ms). */
  readonly minIntervalMs?: number;
  /** The wait before trying again after a failed reload (default 1 s). */
  readonly retryMs?: number;
  /** Resolves when a reload would cut no answer in flight, or when it has waited long enough (`untilIdle`). */
  readonly quiet?: () => Promise<void>;
  /** Lines for the operator (a failure says "failed", which the part log raises to a warning). */
  readonly log: (line: string) => void;
}

export interface AccessKeeper {
  /** The bindings may have changed: apply them after the settle time (the scheduler's onBindingEvent). */
  changed(): void;
  /** Applies the bindings now when they grant anything else; resolves once the server runs on them, rejects when it did not. */
  sync(): Promise<void>;
  /** What the server runs on now (undefined before the first apply). */
  applied(): LeaseNetworks | undefined;
  readonly stats: {
    reloads: number;
    failures: number;
    /** From the first change of a burst to the server running on it, of the last reload (ms). */
    lastLatencyMs: number | undefined;
  };
  stop(): Promise<void>;
}

export const DEFAULT_SETTLE_MS = 20;
export const DEFAULT_MIN_INTERVAL_MS = 500;

/** Starts keeping the target's lease permissions equal to the bindings; call `sync()` once to apply them the first time. */
export function startAccessKeeper(options: AccessKeeperOptions): AccessKeeper {
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const retryMs = options.retryMs ?? 1_000;
  const minIntervalMs = options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
  /** When the last reload ended (0: none yet). */
  let lastReloadAt = 0;
  const stats: AccessKeeper['stats'] = { reloads: 0, failures: 0, lastLatencyMs: undefined };
  let applied: LeaseNetworks | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  /** When the oldest change not applied yet came. */
  let changedAt: number | undefined;
  // One apply at a time: two reloads racing could leave the older file in force.
  let queue: Promise<void> = Promise.resolve();

  const applyOnce = async (): Promise<void> => {
    if (stopped) return;
    if (applied !== undefined && sameLeaseNetworks(applied, leaseNetworksOf(options.bindings()))) {
      changedAt = undefined;
      return;
    }
    await options.quiet?.();
    const since = changedAt;
    changedAt = undefined;
    // Read after the wait: what changed meanwhile goes in this reload.
    const wanted = leaseNetworksOf(options.bindings());
    try {
      await options.target.apply(wanted);
    } catch (error) {
      // Still to do: the next sync compares with what was applied before.
      changedAt ??= since ?? Date.now();
      stats.failures++;
      throw error;
    } finally {
      lastReloadAt = Date.now();
    }
    const before = applied;
    applied = wanted;
    stats.reloads++;
    stats.lastLatencyMs = since === undefined ? undefined : Date.now() - since;
    options.log(`nats: lease permissions reloaded (${describeChange(before, wanted)})${stats.lastLatencyMs === undefined ? '' : ` ${stats.lastLatencyMs} ms after the binding`}`);
  };

  const sync = (): Promise<void> => {
    const next = queue.then(applyOnce);
    queue = next.catch(() => {});
    return next;
  };

  const arm = (ms: number) => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      sync().catch((error: unknown) => {
        options.log(`nats: reloading lease permissions failed (${(error as Error).message}); agents keep the previous ones; trying again in ${retryMs / 1000} s`);
        arm(retryMs);
      });
    }, ms);
  };

  return {
    changed() {
      changedAt ??= Date.now();
      // From the first change, not the last: a steady stream of decisions must not hold the reload back.
      arm(Math.max(settleMs, lastReloadAt + minIntervalMs - Date.now()));
    },
    sync,
    applied: () => applied,
    stats,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await queue;
    },
  };
}

/** What changed, for the log: each agent's networks gained (+) and lost (-), a few agents at most. Pure. */
export function describeChange(before: LeaseNetworks | undefined, after: LeaseNetworks): string {
  if (before === undefined) {
    const networks = [...after.values()].reduce((n, list) => n + list.length, 0);
    return `${after.size} agent(s) bound, ${networks} grant(s) in all`;
  }
  const changes: string[] = [];
  for (const agentId of new Set([...before.keys(), ...after.keys()])) {
    const was = new Set(before.get(agentId) ?? []);
    const now = new Set(after.get(agentId) ?? []);
    const diff = [...[...now].filter((n) => !was.has(n)).map((n) => `+${n}`), ...[...was].filter((n) => !now.has(n)).map((n) => `-${n}`)];
    if (diff.length > 0) changes.push(`${agentId} ${diff.join(' ')}`);
  }
  const shown = changes.slice(0, 3).join('; ');
  return changes.length > 3 ? `${shown}; and ${changes.length - 3} more agent(s)` : shown || 'no change';
}

/**
 * Resolves once the API served on `nc` has no request in flight, or after
 * `maxWaitMs`. Each check follows a flush: the server answers its PING after
 * delivering what it had for the connection, and nats.js hands a request to
 * the API's handler (which counts it) as it reads it, so every request the
 * server delivered before is counted by then. A request delivered between
 * the check and the reload is still cut; that window is a few milliseconds.
 */
export async function untilIdle(inFlight: () => number, nc: NatsConnection, maxWaitMs: number): Promise<void> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    await nc.flush().catch(() => {});
    if (inFlight() === 0 || Date.now() >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
