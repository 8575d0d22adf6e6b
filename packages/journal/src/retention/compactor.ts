/**
 * Bounded history: the stream keeps a retention window of full history and
 * everything below the compaction floor is purged (`purge {seq}`, which
 * nats-server 2.9 honours and which frees whole blocks on disk).
 *
 * The floor never passes
 * - the start of the retention window (the first event younger than it),
 * - the event after any projection snapshot taken within the window (a
 *   running process snapshots every few minutes: it never loses its tail),
 * - the event after the newest snapshot of each kind of fold (agent model,
 *   API read model, scheduler state), so a process with no snapshot of its
 *   own can always start exactly from one of its kind plus what is retained.
 *
 * What a purge removes is still in those snapshots, and the last event of
 * every live aggregate is in every fold that holds it; writers whose
 * aggregate's last event was purged send their version as the server sees
 * it (`Journal.publish`). See docs/design/history.md.
 *
 * A replicated stream is never purged: nats-server before 2.9.18 (Debian's
 * is 2.9.10) replays a purge still in a restarting node's raft log as
 * "remove everything up to the stream's last sequence at the time of the
 * purge" (nats-io/nats-server#4196), so a node restarted within about two
 * minutes of a compaction (before its next raft snapshot) would lose the
 * retained window. There the events below the floor are deleted one by one
 * (a delete replayed at recovery removes nothing more), a bounded number per run.
 */
import { firstRetainedOf, type Journal } from '../journal.js';
import { snapshotKind, type ProjectionSnapshots, type SnapshotInfo } from '../snapshots/projection-snapshots.js';

export { snapshotKind };

export interface RetentionOptions {
  /** How much full history to keep (ms). 0 keeps only what the snapshots need. */
  readonly windowMs: number;
  /** The clock (tests). */
  readonly now?: number;
  /** Kinds of fold that must each have a snapshot before anything is purged (default SYSTEM_KINDS: api, scheduler, agent). */
  readonly requiredKinds?: readonly string[];
  /** How events go: by default `purge` on a single-replica stream, `delete` on a replicated one (see the module comment). */
  readonly method?: CompactionMethod;
  /** Most events one `delete` run removes (the rest goes in the next runs; default 1,000,000: about 3 min on an R3 cluster here). */
  readonly maxDeletes?: number;
}

/** `purge`: one request removes every event below the floor. `delete`: one request per event, replay-safe on a replicated stream. */
export type CompactionMethod = 'purge' | 'delete';

/** Delete requests in flight at once: enough to keep a 3-node raft group busy, few enough not to crowd out the DHCP path's appends. */
const DELETE_CONCURRENCY = 32;
const DEFAULT_MAX_DELETES = 1_000_000;

export interface CompactionPlan {
  /** The first sequence retained now. */
  readonly firstRetained: number;
  readonly lastSeq: number;
  /** The first event inside the retention window (lastSeq + 1 when none is). */
  readonly windowStart: number;
  /** Everything below this may go. */
  readonly floor: number;
  /** The snapshot that holds the floor back, when one does. */
  readonly pinnedBy: SnapshotInfo | undefined;
  /** Required kinds with no snapshot yet: while there is one, nothing is purged. */
  readonly missing: readonly string[];
  /** Events the purge would remove. */
  readonly removable: number;
}

export interface CompactionResult extends CompactionPlan {
  readonly method: CompactionMethod;
  /** Events removed by this run (purged, or deleted one by one). */
  readonly purged: number;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
}

/**
 * The floor from the window start and the snapshots (see the module
 * comment). Pure: `snapshots` as listed, `windowStart` as found on the stream.
 */
export function compactionFloor(
  windowStart: number,
  snapshots: readonly SnapshotInfo[],
  windowFrom: number,
  requiredKinds: readonly string[] = [],
): { floor: number; pinnedBy: SnapshotInfo | undefined; missing: string[] } {
  let floor = windowStart;
  let pinnedBy: SnapshotInfo | undefined;
  const pin = (info: SnapshotInfo) => {
    if (info.seq + 1 < floor) {
      floor = info.seq + 1;
      pinnedBy = info;
    }
  };
  const newestOfKind = new Map<string, SnapshotInfo>();
  for (const info of snapshots) {
    if (info.seq < 0) continue;
    if (info.at >= windowFrom) pin(info);
    const kind = snapshotKind(info.name);
    const newest = newestOfKind.get(kind);
    if (!newest || info.seq > newest.seq) newestOfKind.set(kind, info);
  }
  for (const info of newestOfKind.values()) pin(info);
  // A kind with no snapshot at all (its processes could not store one yet) would have nothing to start from.
  const missing = requiredKinds.filter((kind) => !newestOfKind.has(kind));
  return missing.length > 0 ? { floor: 0, pinnedBy: undefined, missing } : { floor, pinnedBy, missing };
}

/** The kinds of fold a system runs: none of them may lose history no snapshot of its kind holds. */
export const SYSTEM_KINDS: readonly string[] = ['api', 'scheduler', 'agent'];

/** What a compaction would do now. */
export async function planCompaction(journal: Journal, snapshots: ProjectionSnapshots, options: RetentionOptions): Promise<CompactionPlan> {
  const now = options.now ?? Date.now();
  const windowFrom = now - options.windowMs;
  const { state } = await journal.jsm.streams.info(journal.layout.stream);
  const firstRetained = firstRetainedOf(state);
  const windowStart = await firstAtOrAfter(journal, firstRetained, state.last_seq, windowFrom);
  const found = compactionFloor(windowStart, await snapshots.list(), windowFrom, options.requiredKinds ?? SYSTEM_KINDS);
  const floor = found.missing.length > 0 ? firstRetained : found.floor;
  return { firstRetained, lastSeq: state.last_seq, windowStart, floor, pinnedBy: found.pinnedBy, missing: found.missing, removable: Math.max(0, floor - firstRetained) };
}

/**
 * Removes the stream's events below the floor. Safe to run from several
 * processes at once (a purge below a sequence, or a delete of a sequence,
 * is idempotent).
 */
export async function compactJournal(journal: Journal, snapshots: ProjectionSnapshots, options: RetentionOptions): Promise<CompactionResult> {
  const plan = await planCompaction(journal, snapshots, options);
  const { state, config } = await journal.jsm.streams.info(journal.layout.stream);
  const method = options.method ?? ((config.num_replicas ?? 1) > 1 ? 'delete' : 'purge');
  const bytesBefore = state.bytes;
  if (plan.removable === 0) return { ...plan, method, purged: 0, bytesBefore, bytesAfter: bytesBefore };
  const purged =
    method === 'purge'
      ? (await journal.jsm.streams.purge(journal.layout.stream, { seq: plan.floor })).purged
      : await deleteBelow(journal, plan.firstRetained, Math.min(plan.floor, plan.firstRetained + (options.maxDeletes ?? DEFAULT_MAX_DELETES)));
  const bytesAfter = (await journal.jsm.streams.info(journal.layout.stream)).state.bytes;
  return { ...plan, method, purged, bytesBefore, bytesAfter };
}

/**
 * Deletes the events [from, to) one request each, oldest first, a few in
 * flight. A sequence already gone (another compactor, an earlier run cut
 * short) is no error. Returns how many this run removed.
 */
async function deleteBelow(journal: Journal, from: number, to: number): Promise<number> {
  let next = from;
  let deleted = 0;
  const worker = async () => {
    while (next < to) {
      const seq = next++;
      // erase=false: the message is dropped, not overwritten first (nothing secret in it, and half the disk writes).
      const removed = await journal.jsm.streams.deleteMessage(journal.layout.stream, seq, false).catch((error: unknown) => {
        if (isNoMessage(error)) return false;
        throw error;
      });
      if (removed) deleted++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, Math.max(0, to - from)) }, worker));
  return deleted;
}

/** JetStream's "no message found" (10037): the sequence is already gone. */
function isNoMessage(error: unknown): boolean {
  const api = (error as { api_error?: { err_code?: number } }).api_error;
  return api?.err_code === 10037 || /no message found/i.test((error as Error).message ?? '');
}

/**
 * The first sequence in [first, last] whose message was stored at or after
 * `from` (last + 1 when none): a binary search on the stream's own
 * timestamps (nats-server 2.9 has no get-by-time), ~23 reads for 5 M events.
 */
async function firstAtOrAfter(journal: Journal, first: number, last: number, from: number): Promise<number> {
  let lo = first;
  let hi = last + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const msg = await journal.jsm.streams.getMessage(journal.layout.stream, { seq: mid }).catch(() => null);
    // A sequence with no message (none is deleted but by a purge of the prefix) counts as old.
    if (msg && msg.time.getTime() >= from) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export interface RunningCompactor {
  /** Compacts now (also done every `everyMs`). */
  runNow(): Promise<CompactionResult | undefined>;
  /** The result of the last run. */
  last(): CompactionResult | undefined;
  stop(): Promise<void>;
}

/** Runs `compactJournal` every `everyMs` (and once soon after start). Errors are reported, never thrown. */
export function startCompactor(
  journal: Journal,
  snapshots: ProjectionSnapshots,
  options: RetentionOptions & { readonly everyMs: number; readonly onResult?: (result: CompactionResult) => void; readonly onError?: (error: unknown) => void },
): RunningCompactor {
  let last: CompactionResult | undefined;
  let running: Promise<CompactionResult | undefined> | undefined;
  const run = (): Promise<CompactionResult | undefined> => {
    running ??= compactJournal(journal, snapshots, {
      windowMs: options.windowMs,
      ...(options.requiredKinds ? { requiredKinds: options.requiredKinds } : {}),
      ...(options.method ? { method: options.method } : {}),
      ...(options.maxDeletes ? { maxDeletes: options.maxDeletes } : {}),
    })
      .then((result) => {
        last = result;
        options.onResult?.(result);
        return result;
      })
      .catch((error: unknown) => {
        options.onError?.(error);
        return undefined;
      })
      .finally(() => (running = undefined));
    return running;
  };
  const first = setTimeout(() => void run(), Math.min(options.everyMs, 60_000));
  const timer = setInterval(() => void run(), options.everyMs);
  first.unref();
  timer.unref();
  return {
    runNow: async () => {
      await running;
      return run();
    },
    last: () => last,
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
