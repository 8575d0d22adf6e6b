/**
 * Running a projection: fold the events of a subject filter, in order, from
 * the checkpoint it stored last time, so a restart replays only the tail.
 * An in-memory projection may store its state beside the checkpoint (one KV
 * value, so the two can never disagree).
 *
 * Every event is validated before the fold sees it (protocol's
 * `decodeStoredEvent`: envelope, type and version, data, subject). One that
 * does not validate is quarantined: never applied, counted, reported once to
 * `onQuarantine` with its subject and sequence, where the fold advances only
 * the version it keeps for that subject, so the aggregate stays writable.
 */
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import { EnvelopeDecodeError, InvalidEventError, decodeStoredEvent, pack, unpack, type EventRegistry } from '@leasehold/protocol';
import { ProjectionStalledError } from './errors.js';
import type { Journal, StoredEvent } from './journal.js';

export interface ProjectionOptions {
  /** Checkpoint key; one per projection instance (KV key characters only). */
  readonly name: string;
  /** Subject filter, e.g. `lh.evt.lease.>` (one filter: nats-server 2.9 has no filter lists). */
  readonly filter: string;
  readonly apply: (stored: StoredEvent) => void | Promise<void>;
  /**
   * Whether the fold already holds the event at `seq` on `subject` (a writer that folds its own
   * appends once acknowledged meets them again here): such an event counts as applied and is not
   * decoded. Asked before every event, so it must be cheap; true only for an event `apply` would
   * ignore.
   */
  readonly alreadyFolded?: (subject: string, seq: number) => boolean;
  /** State to store with the checkpoint; taken right after the event at the checkpoint's sequence. */
  readonly saveState?: () => unknown;
  /** Receives the state stored with the checkpoint, before the first event is applied. */
  readonly restoreState?: (state: unknown) => void;
  /** Store a checkpoint after this many events or this much time, whichever comes first. */
  readonly checkpointEvery?: { readonly events?: number; readonly ms?: number };
  /**
   * Each quarantined event, once: one that does not validate, or that `apply` threw on. The
   * fold advances the version it keeps for `subject` to `seq` here (not its state), so the next
   * write's expected sequence is the server's; and the process logs it. Never stops the projection.
   */
  readonly onQuarantine?: (event: QuarantinedEvent) => void;
  /** Also told of each quarantined event (its sequence and error only). */
  readonly onBadEvent?: (seq: number, error: unknown) => void;
  /** Reports trouble the projection recovers from by itself (a lost consumer, a checkpoint not stored). */
  readonly onError?: (error: unknown) => void;
  /** Ignore any stored checkpoint and fold from the start. */
  readonly fromStart?: boolean;
  /** Fold from the event after this sequence (a restored snapshot's), ignoring any stored checkpoint. */
  readonly startAfter?: number;
  /** Progress reports while catching up, and how long it may make no progress. */
  readonly catchUp?: CatchUpOptions;
}

/** Where a projection is in catching up with the journal. */
export interface CatchUpProgress {
  readonly name: string;
  readonly filter: string;
  /** Sequence of the last event applied (or skipped). */
  readonly position: number;
  /** The stream's last sequence when the projection started: it has caught up once it gets there. */
  readonly target: number;
  /** Events applied or skipped since the start. */
  readonly events: number;
  /** How long the position has not moved (0 while it moves, and once caught up). */
  readonly stalledMs: number;
  readonly caughtUp: boolean;
}

export interface CatchUpOptions {
  /** Called every `reportEveryMs` while catching up, and once when caught up. */
  readonly onProgress?: (progress: CatchUpProgress) => void;
  /** Default 5 s. */
  readonly reportEveryMs?: number;
  /**
   * After this long with no event applied before catching up, `caughtUp` rejects
   * with a `ProjectionStalledError` naming the event it waits for, and the
   * projection stops. Default 120 s; 0 waits for ever.
   */
  readonly stallLimitMs?: number;
}

/** How long a catching-up projection may make no progress before it gives up (see `CatchUpOptions.stallLimitMs`). */
export const DEFAULT_STALL_LIMIT_MS = 120_000;

export interface RunningProjection {
  /**
   * Resolves once every event that existed at start-up has been applied;
   * rejects with `ProjectionStalledError` (and the projection stops) when
   * catching up makes no progress for the stall limit.
   */
  readonly caughtUp: Promise<void>;
  /** Sequence of the last event applied (or skipped). */
  position(): number;
  /** Where catching up stands (`caughtUp: true` once done). */
  progress(): CatchUpProgress;
  /** `skipped` and `quarantined` count the same events: those never applied. */
  readonly stats: { applied: number; skipped: number; quarantined: number; checkpoints: number; restarts: number };
  /** Stores the checkpoint now. */
  checkpoint(): Promise<void>;
  /** Stops consuming, waits for the event in hand, and stores a final checkpoint. */
  stop(): Promise<void>;
}

/** A stored message no fold may apply. */
export interface QuarantinedEvent {
  readonly seq: number;
  readonly subject: string;
  /** The envelope's type and schema version, when it decoded that far. */
  readonly type?: string;
  readonly v?: number;
  /** What is wrong with it, for the log. */
  readonly reason: string;
  readonly error: unknown;
}

/** What a projection does with a stored message: apply its event, or quarantine it. */
export type ReadMessage = { readonly ok: true; readonly stored: StoredEvent } | { readonly ok: false; readonly quarantined: QuarantinedEvent };

/**
 * Decodes and validates one stored message as every projection does (also
 * against `registry`, when given). Pure: the runner's step, for tests that
 * fold messages without a server.
 */
export function readMessage(msg: { readonly seq: number; readonly subject: string; readonly data: Uint8Array }, registry?: EventRegistry): ReadMessage {
  try {
    return { ok: true, stored: { seq: msg.seq, subject: msg.subject, event: decodeStoredEvent(msg.subject, msg.data, registry) } };
  } catch (error) {
    return { ok: false, quarantined: quarantined(msg.seq, msg.subject, error) };
  }
}

/** The log line for a quarantined event: its sequence, subject, type and what is wrong. Pure. */
export function quarantineLine(projection: string, q: QuarantinedEvent): string {
  const what = q.type === undefined ? '' : ` (${q.type}${q.v === undefined ? '' : ` v${q.v}`})`;
  return `projection ${projection} quarantined event ${q.seq} on ${q.subject}${what}: ${q.reason}; skipped (its aggregate stays writable)`;
}

function quarantined(seq: number, subject: string, error: unknown, type?: string, v?: number): QuarantinedEvent {
  const known = error instanceof InvalidEventError ? { type: error.type, v: error.version } : type !== undefined ? { type, ...(v !== undefined ? { v } : {}) } : {};
  const reason =
    error instanceof InvalidEventError ? error.problem : error instanceof EnvelopeDecodeError ? error.message : `the fold failed on it: ${error instanceof Error ? error.message : String(error)}`;
  return { seq, subject, ...known, reason, error };
}

interface StoredCheckpoint {
  readonly seq: number;
  readonly state?: unknown;
}

export async function startProjection(journal: Journal, options: ProjectionOptions): Promise<RunningProjection> {
  const saved: StoredCheckpoint | undefined =
    options.startAfter !== undefined ? { seq: options.startAfter } : options.fromStart ? undefined : await readCheckpoint(journal, options.name);
  if (saved && saved.state !== undefined) options.restoreState?.(saved.state);
  let position = saved?.seq ?? 0;
  const everyEvents = options.checkpointEvery?.events ?? 1000;
  const everyMs = options.checkpointEvery?.ms ?? 1000;
  const stats = { applied: 0, skipped: 0, quarantined: 0, checkpoints: 0, restarts: 0 };
  const quarantine = (q: QuarantinedEvent) => {
    stats.skipped++;
    stats.quarantined++;
    try {
      options.onBadEvent?.(q.seq, q.error);
      options.onQuarantine?.(q);
    } catch (error) {
      options.onError?.(error);
    }
  };
  let sinceCheckpoint = 0;
  let lastCheckpointAt = Date.now();
  let checkpointedAt = position;

  const checkpoint = async () => {
    if (checkpointedAt === position) return;
    const seq = position;
    const value: StoredCheckpoint = options.saveState ? { seq, state: options.saveState() } : { seq };
    await journal.checkpoints.put(options.name, pack(value));
    checkpointedAt = seq;
    sinceCheckpoint = 0;
    lastCheckpointAt = Date.now();
    stats.checkpoints++;
  };

  const open = async (): Promise<{ messages: ConsumerMessages; pending: number }> => {
    const consumer = await journal.js.consumers.get(journal.layout.stream, {
      filter_subjects: options.filter,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: position + 1,
    });
    const pending = (await consumer.info(true)).num_pending;
    // Short pulls (heartbeat every 2.5 s): after a node dies, a lost consumer is noticed and
    // recreated within seconds, not after the client's default 30 s pulls (~80 s seen in the fault tests).
    return { messages: await consumer.consume({ max_messages: 10_000, expires: 5_000 }), pending };
  };
  const first = await open();
  let stopped = false;
  let messages: ConsumerMessages | undefined = first.messages;
  // Read after the consumer counted its pending events, so every event it counted is at or below it.
  const target = (await journal.jsm.streams.info(journal.layout.stream)).state.last_seq;
  const catchUp = watchCatchUp(journal, options, {
    target,
    pendingAtStart: first.pending,
    position: () => position,
    events: () => stats.applied + stats.skipped,
    // A stalled replay stops the projection: nothing will fold what it cannot read.
    stop: () => {
      stopped = true;
      messages?.stop();
    },
  });

  const loop = (async () => {
    let current: ConsumerMessages | undefined = first.messages;
    while (!stopped) {
      try {
        if (!current) {
          current = (await open()).messages;
          messages = current;
          if (stopped) current.stop();
        }
        for await (const msg of current) {
          const read: ReadMessage | undefined = options.alreadyFolded?.(msg.subject, msg.seq) ? undefined : readMessage(msg, journal.registry);
          if (read === undefined) stats.applied++;
          else if (read.ok) {
            // A fold that cannot take a valid event (a bug) skips it too: one event must never stop
            // a projection, and with it a whole process.
            try {
              const pending = options.apply(read.stored);
              if (pending) await pending;
              stats.applied++;
            } catch (error) {
              quarantine(quarantined(msg.seq, msg.subject, error, read.stored.event.type, read.stored.event.v));
            }
          } else quarantine(read.quarantined);
          position = msg.seq;
          sinceCheckpoint++;
          if (!catchUp.done && (msg.info.pending === 0 || msg.seq >= target)) catchUp.reached();
          if (sinceCheckpoint >= everyEvents || Date.now() - lastCheckpointAt >= everyMs) {
            // A checkpoint that cannot be stored now (the KV leader is being elected) is stored later.
            await checkpoint().catch((error: unknown) => options.onError?.(error));
          }
        }
      } catch (error) {
        options.onError?.(error);
      }
      // The consumer ended without a stop (its server died, the client gave up recreating it):
      // start a new one after the last event applied, so a projection outlives any fault.
      current = undefined;
      if (!stopped) {
        stats.restarts++;
        options.onError?.(new Error(`projection ${options.name}: consumer ended after event ${position}; starting a new one`));
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  })();

  return {
    caughtUp: catchUp.caughtUp,
    position: () => position,
    progress: catchUp.progress,
    stats,
    checkpoint,
    async stop() {
      catchUp.cancel();
      stopped = true;
      messages?.stop();
      await loop;
      await checkpoint().catch((error: unknown) => options.onError?.(error));
    },
  };
}

async function readCheckpoint(journal: Journal, name: string): Promise<StoredCheckpoint | undefined> {
  const entry = await journal.checkpoints.get(name);
  if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return undefined;
  const value = unpack(entry.value) as StoredCheckpoint;
  return Number.isSafeInteger(value?.seq) ? value : undefined;
}

interface CatchUpWatch {
  readonly caughtUp: Promise<void>;
  /** Caught up (or given up): the loop no longer needs to check. */
  readonly done: boolean;
  reached(): void;
  progress(): CatchUpProgress;
  cancel(): void;
}

/**
 * The `caughtUp` promise of a projection and the watchdog beside it: reports
 * progress every few seconds, and gives up after the stall limit with no
 * event applied, naming the event it waits for.
 */
function watchCatchUp(
  journal: Journal,
  options: ProjectionOptions,
  run: { target: number; pendingAtStart: number; position: () => number; events: () => number; stop: () => void },
): CatchUpWatch {
  const reportEveryMs = options.catchUp?.reportEveryMs ?? 5_000;
  const stallLimitMs = options.catchUp?.stallLimitMs ?? DEFAULT_STALL_LIMIT_MS;
  let done = false;
  let gaveUp = false;
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const caughtUp = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  // The caller's await sees a rejection; a caller that never awaits must not crash the process.
  caughtUp.catch(() => {});
  let seen = run.position();
  let movedAt = Date.now();
  let reportedAt = Date.now();
  const progress = (): CatchUpProgress => ({
    name: options.name,
    filter: options.filter,
    position: run.position(),
    target: run.target,
    events: run.events(),
    stalledMs: done && !gaveUp ? 0 : Date.now() - movedAt,
    caughtUp: done && !gaveUp,
  });
  let timer: NodeJS.Timeout | undefined;
  const finish = () => {
    done = true;
    clearInterval(timer);
  };
  const watch: CatchUpWatch = {
    caughtUp,
    get done() {
      return done;
    },
    reached() {
      if (done) return;
      finish();
      // The server counted events it did not deliver: it skipped messages it cannot read (a damaged store).
      const missing = run.pendingAtStart - run.events();
      if (missing > 0) {
        options.onError?.(new Error(`projection ${options.name}: the stream counted ${run.pendingAtStart} events up to ${run.target} on ${options.filter} but delivered ${run.events()}: ${missing} could not be read`));
      }
      options.catchUp?.onProgress?.(progress());
      resolve();
    },
    progress,
    cancel: finish,
  };
  if (run.pendingAtStart === 0) {
    watch.reached();
    return watch;
  }
  const tickMs = Math.max(10, Math.min(1_000, reportEveryMs, stallLimitMs > 0 ? stallLimitMs / 4 : Infinity));
  timer = setInterval(() => {
    const now = Date.now();
    const position = run.position();
    if (position !== seen) {
      seen = position;
      movedAt = now;
    }
    if (stallLimitMs > 0 && now - movedAt >= stallLimitMs) {
      gaveUp = true;
      const stalled = progress();
      finish();
      run.stop();
      void nextEvent(journal, options.filter, stalled.position).then((next) => reject(new ProjectionStalledError({ ...stalled, next })));
      return;
    }
    if (now - reportedAt >= reportEveryMs) {
      reportedAt = now;
      options.catchUp?.onProgress?.(progress());
    }
  }, tickMs);
  return watch;
}

/** The event after `after` on `filter`, as far as the server can say. */
async function nextEvent(journal: Journal, filter: string, after: number): Promise<{ seq: number; subject?: string; problem?: string }> {
  try {
    const msg = await journal.jsm.direct.getMessage(journal.layout.stream, { seq: after + 1, next_by_subj: filter });
    if (msg) return { seq: msg.seq, subject: msg.subject };
    return { seq: after + 1, problem: 'the server returns no message there' };
  } catch (error) {
    return { seq: after + 1, problem: (error as Error).message };
  }
}
