/**
 * A projection that starts from its latest snapshot and keeps taking new
 * ones, so a process's start costs its live state plus the events since the
 * last snapshot, not all of history.
 *
 * The snapshot is taken right after an event is folded, synchronously
 * (take + pack in one turn of the event loop), so its state is exactly the
 * fold of every event up to that event's sequence; storing it happens in the
 * background and never holds up the fold. A snapshot that cannot be used
 * (another schema version, other settings, unreadable) is reported and
 * ignored: the projection then folds everything retained, as before.
 */
import { HistoryCompactedError } from '../errors.js';
import { startProjection, type CatchUpOptions, type ProjectionOptions, type RunningProjection } from '../projection.js';
import type { Journal } from '../journal.js';
import { snapshotKind, type ProjectionSnapshots, type SnapshotInfo, type SnapshotRefusal } from './projection-snapshots.js';

/** How a fold is saved and restored. */
export interface SnapshotFold {
  /** Schema version of what `take` returns. */
  readonly v: number;
  /** The settings the fold depends on (a snapshot taken under others is not used). */
  readonly fingerprint?: string;
  /** The whole fold state now, as plain data (Map, Set and typed arrays survive packing). */
  readonly take: () => unknown;
  /** Replaces the fold state with a stored one. Must either succeed wholly or throw leaving the state untouched. */
  readonly restore: (state: unknown) => void;
}

export type SnapshotNotice =
  | { readonly kind: 'loading'; readonly info: SnapshotInfo }
  | { readonly kind: 'restored'; readonly info: SnapshotInfo; readonly ms: number }
  | { readonly kind: 'refused'; readonly refusal: SnapshotRefusal }
  | { readonly kind: 'restore-failed'; readonly info: SnapshotInfo; readonly error: unknown }
  | { readonly kind: 'none' }
  | { readonly kind: 'history-gap'; readonly after: number; readonly firstRetained: number }
  | { readonly kind: 'saved'; readonly info: SnapshotInfo; readonly ms: number }
  | { readonly kind: 'save-failed'; readonly error: unknown };

export interface SnapshottedProjectionOptions
  extends Omit<ProjectionOptions, 'fromStart' | 'startAfter' | 'saveState' | 'restoreState' | 'checkpointEvery'> {
  readonly snapshots: ProjectionSnapshots;
  readonly fold: SnapshotFold;
  /**
   * A snapshot after this many events, or this long after the last one if any event came since
   * (defaults: 50,000 events, 5 minutes); never sooner than 100 times what the last one cost.
   */
  readonly every?: { readonly events?: number; readonly ms?: number };
  /** Ignore any stored snapshot and fold everything retained (snapshots are still taken). */
  readonly ignoreSnapshot?: boolean;
  /** On a compacted stream, how long to keep trying to read a snapshot before refusing to start (default 60 s). */
  readonly snapshotWaitMs?: number;
  readonly onSnapshot?: (notice: SnapshotNotice) => void;
}

/** What a process's part (API, scheduler, agent) passes through to its snapshotted projection. */
export interface ProjectionStartOptions {
  /** Progress reports and the stall limit of the start-up replay. */
  readonly catchUp?: CatchUpOptions;
  /** How often to store the snapshot (defaults: 50,000 events or 5 minutes). */
  readonly snapshotEvery?: { readonly events?: number; readonly ms?: number };
  /** Ignore a stored snapshot and fold everything retained. */
  readonly ignoreSnapshot?: boolean;
  /** Snapshot events (restored, refused, saved), for the log. */
  readonly onSnapshot?: (notice: SnapshotNotice) => void;
}

/** A part's start options as the snapshotted projection's. Pure. */
export function projectionStartOptions(o: ProjectionStartOptions): Pick<SnapshottedProjectionOptions, 'catchUp' | 'every' | 'ignoreSnapshot' | 'onSnapshot'> {
  return { catchUp: o.catchUp, every: o.snapshotEvery, ignoreSnapshot: o.ignoreSnapshot, onSnapshot: o.onSnapshot };
}

export interface StartFacts {
  /** The snapshot the projection started from, if one was used. */
  readonly restoredFrom: SnapshotInfo | undefined;
  /** How long restoring it took. */
  readonly restoreMs: number;
  /** Events folded between the start and `caughtUp`. */
  replayedAtStart: number;
  /** From the start of the projection to `caughtUp`. */
  startMs: number;
}

export interface RunningSnapshottedProjection extends RunningProjection {
  readonly start: StartFacts;
  /** The newest snapshot stored (or restored) by this projection. */
  lastSnapshot(): SnapshotInfo | undefined;
  /** Takes and stores a snapshot now (nothing when no event came since the last one). */
  snapshotNow(): Promise<SnapshotInfo | undefined>;
}

const DEFAULT_EVERY_EVENTS = 50_000;
const DEFAULT_EVERY_MS = 5 * 60_000;
const COST_FACTOR = 100;

export async function startSnapshottedProjection(journal: Journal, options: SnapshottedProjectionOptions): Promise<RunningSnapshottedProjection> {
  const { snapshots, fold, onSnapshot = () => {} } = options;
  const wanted = { v: fold.v, ...(fold.fingerprint !== undefined ? { fingerprint: fold.fingerprint } : {}) };
  const began = performance.now();
  let restoredFrom: SnapshotInfo | undefined;
  let restoreMs = 0;
  // History below this was compacted: a snapshot older than it cannot be completed by the stream.
  let firstRetained = await journal.firstRetained();
  const complete = (info: SnapshotInfo) => info.seq + 1 >= firstRetained;
  /** Loads and restores one snapshot; true when the fold took it. */
  const tryRestore = async (name: string): Promise<boolean> => {
    const loaded = await snapshots.load(name, wanted);
    if (!loaded.ok) {
      onSnapshot(loaded.refusal ? { kind: 'refused', refusal: loaded.refusal } : { kind: 'none' });
      return false;
    }
    if (!complete(loaded.snapshot.info)) {
      onSnapshot({ kind: 'history-gap', after: loaded.snapshot.info.seq, firstRetained });
      return false;
    }
    try {
      const t = performance.now();
      fold.restore(loaded.snapshot.state);
      restoreMs = performance.now() - t;
      restoredFrom = loaded.snapshot.info;
      onSnapshot({ kind: 'restored', info: restoredFrom, ms: restoreMs });
      return true;
    } catch (error) {
      onSnapshot({ kind: 'restore-failed', info: loaded.snapshot.info, error });
      return false;
    }
  };
  const restoreAny = async (): Promise<void> => {
    const own = await snapshots.info(options.name).catch(() => undefined);
    if (own) onSnapshot({ kind: 'loading', info: own });
    if (await tryRestore(options.name)) return;
    // A new process, or one down for longer than the retention window: the newest snapshot of
    // the same kind of fold, version and settings is the same state, and the stream completes it.
    const kind = snapshotKind(options.name);
    const others = (await snapshots.list().catch(() => []))
      .filter((i) => i.name !== options.name && snapshotKind(i.name) === kind && i.v === wanted.v && i.fingerprint === (wanted.fingerprint ?? '') && complete(i))
      .sort((a, b) => b.seq - a.seq);
    for (const other of others.slice(0, 3)) {
      onSnapshot({ kind: 'loading', info: other });
      if (await tryRestore(other.name)) return;
    }
  };
  if (!options.ignoreSnapshot) {
    // On a compacted stream a snapshot must hold what was purged (the compactor never passes the
    // newest of each kind), so not finding one means the store cannot be read yet (a cluster
    // electing its leaders after a restart): try again for a while, then refuse to start rather
    // than fold only part of history.
    const deadline = Date.now() + (options.snapshotWaitMs ?? 60_000);
    for (let attempt = 1; ; attempt++) {
      await restoreAny();
      if (restoredFrom || firstRetained <= 1) break;
      if (attempt === 1) onSnapshot({ kind: 'history-gap', after: 0, firstRetained });
      if (Date.now() > deadline) throw new HistoryCompactedError(options.name, firstRetained);
      await new Promise((r) => setTimeout(r, Math.min(2_000, 250 * attempt)));
      firstRetained = await journal.firstRetained();
    }
  } else if (firstRetained > 1) {
    onSnapshot({ kind: 'history-gap', after: 0, firstRetained });
  }
  const startAfter = restoredFrom?.seq ?? 0;

  const everyEvents = options.every?.events ?? DEFAULT_EVERY_EVENTS;
  const everyMs = options.every?.ms ?? DEFAULT_EVERY_MS;
  let last: SnapshotInfo | undefined = restoredFrom;
  let folded = startAfter;
  let sinceSnapshot = 0;
  let lastAt = Date.now();
  /** How long the last snapshot held up the fold (take + pack, synchronous). */
  let lastCostMs = 0;
  let saving: Promise<SnapshotInfo | undefined> | undefined;
  /**
   * Due after `everyEvents` events or `everyMs`, but never sooner than
   * COST_FACTOR times what the last one cost: a big state under a heavy event
   * rate (an agent's 50,000 leases cost ~0.25 s to take) then spends at most
   * 1% of its time snapshotting, and the tail at a start stays short.
   */
  const due = () =>
    sinceSnapshot > 0 && (sinceSnapshot >= everyEvents || Date.now() - lastAt >= everyMs) && Date.now() - lastAt >= lastCostMs * COST_FACTOR;

  /** Takes the state now (it is the fold up to `folded`) and stores it in the background. */
  const snapshot = (): Promise<SnapshotInfo | undefined> => {
    if (saving) return saving;
    if (last && last.seq >= folded) return Promise.resolve(undefined);
    const t = performance.now();
    let pending: Promise<SnapshotInfo>;
    try {
      pending = snapshots.save(options.name, wanted, folded, fold.take());
      lastCostMs = performance.now() - t;
    } catch (error) {
      onSnapshot({ kind: 'save-failed', error });
      return Promise.resolve(undefined);
    }
    sinceSnapshot = 0;
    lastAt = Date.now();
    saving = pending.then(
      (info) => {
        last = info;
        onSnapshot({ kind: 'saved', info, ms: performance.now() - t });
        return info;
      },
      (error: unknown) => {
        onSnapshot({ kind: 'save-failed', error });
        return undefined;
      },
    ).finally(() => (saving = undefined));
    return saving;
  };

  const start: StartFacts = { restoredFrom, restoreMs, replayedAtStart: 0, startMs: 0 };
  let caughtUpYet = false;
  const afterFold = (seq: number) => {
    folded = seq;
    sinceSnapshot++;
    if (!caughtUpYet) start.replayedAtStart++;
    if (due()) void snapshot();
  };
  const running = await startProjection(journal, {
    ...options,
    startAfter,
    checkpointEvery: { events: Number.MAX_SAFE_INTEGER, ms: Number.MAX_SAFE_INTEGER },
    // Synchronous folds (all of ours) stay synchronous: no promise per event on the start-up replay.
    apply: (stored) => {
      const pending = options.apply(stored);
      if (pending) return pending.then(() => afterFold(stored.seq));
      afterFold(stored.seq);
    },
    // An event the fold already holds moves the snapshot's sequence as a folded one does.
    ...(options.alreadyFolded
      ? {
          alreadyFolded: (subject: string, seq: number) => {
            if (!options.alreadyFolded!(subject, seq)) return false;
            afterFold(seq);
            return true;
          },
        }
      : {}),
    // A quarantined event moved the version the fold keeps for its subject: the fold's state is
    // now that of this sequence, so a snapshot covers it and a restart does not quarantine it again.
    onQuarantine: (event) => {
      options.onQuarantine?.(event);
      folded = event.seq;
      sinceSnapshot++;
      if (!caughtUpYet) start.replayedAtStart++;
    },
  });
  // A replay that stalls rejects caughtUp: the caller's await reports it, this bookkeeping must not crash the process.
  running.caughtUp.then(
    () => {
      caughtUpYet = true;
      start.startMs = performance.now() - began;
    },
    () => {},
  );
  // A quiet system still gets its time-based snapshot.
  const timer = setInterval(() => {
    if (due()) void snapshot();
  }, Math.min(everyMs, 60_000));
  timer.unref();

  return {
    ...running,
    start,
    lastSnapshot: () => last,
    snapshotNow: async () => {
      await saving;
      return snapshot();
    },
    async stop() {
      clearInterval(timer);
      await running.stop();
      await saving;
      // The final snapshot makes the next start fold (almost) nothing.
      await snapshot();
    },
  };
}
