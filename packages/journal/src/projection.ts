/**
 * Running a projection: fold the events of a subject filter, in order, from
 * the checkpoint it stored last time, so a restart replays only the tail.
 * An in-memory projection may store its state beside the checkpoint (one KV
 * value, so the two can never disagree).
 */
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import { decodeEvent, pack, unpack } from '@leasehold/protocol';
import type { Journal, StoredEvent } from './journal.js';

export interface ProjectionOptions {
  /** Checkpoint key; one per projection instance (KV key characters only). */
  readonly name: string;
  /** Subject filter, e.g. `lh.evt.lease.>` (one filter: nats-server 2.9 has no filter lists). */
  readonly filter: string;
  readonly apply: (stored: StoredEvent) => void | Promise<void>;
  /** State to store with the checkpoint; taken right after the event at the checkpoint's sequence. */
  readonly saveState?: () => unknown;
  /** Receives the state stored with the checkpoint, before the first event is applied. */
  readonly restoreState?: (state: unknown) => void;
  /** Store a checkpoint after this many events or this much time, whichever comes first. */
  readonly checkpointEvery?: { readonly events?: number; readonly ms?: number };
  /** An event that cannot be decoded, or that `apply` throws on, is skipped and reported here (never stops the projection). */
  readonly onBadEvent?: (seq: number, error: unknown) => void;
  /** Reports trouble the projection recovers from by itself (a lost consumer, a checkpoint not stored). */
  readonly onError?: (error: unknown) => void;
  /** Ignore any stored checkpoint and fold from the start. */
  readonly fromStart?: boolean;
}

export interface RunningProjection {
  /** Resolves once every event that existed at start-up has been applied. */
  readonly caughtUp: Promise<void>;
  /** Sequence of the last event applied (or skipped). */
  position(): number;
  readonly stats: { applied: number; skipped: number; checkpoints: number; restarts: number };
  /** Stores the checkpoint now. */
  checkpoint(): Promise<void>;
  /** Stops consuming, waits for the event in hand, and stores a final checkpoint. */
  stop(): Promise<void>;
}

interface StoredCheckpoint {
  readonly seq: number;
  readonly state?: unknown;
}

export async function startProjection(journal: Journal, options: ProjectionOptions): Promise<RunningProjection> {
  const saved = options.fromStart ? undefined : await readCheckpoint(journal, options.name);
  if (saved && saved.state !== undefined) options.restoreState?.(saved.state);
  let position = saved?.seq ?? 0;
  const everyEvents = options.checkpointEvery?.events ?? 1000;
  const everyMs = options.checkpointEvery?.ms ?? 1000;
  const stats = { applied: 0, skipped: 0, checkpoints: 0, restarts: 0 };
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
  let markCaughtUp!: () => void;
  const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));
  if (first.pending === 0) markCaughtUp();

  let stopped = false;
  let messages: ConsumerMessages | undefined = first.messages;
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
          let stored: StoredEvent | undefined;
          try {
            stored = { seq: msg.seq, subject: msg.subject, event: decodeEvent(msg.data, journal.registry) };
          } catch (error) {
            stats.skipped++;
            options.onBadEvent?.(msg.seq, error);
          }
          if (stored) {
            // A fold that cannot take an event (a shape its reader does not know) skips it: one
            // bad event must never stop a projection, and with it a whole process.
            try {
              await options.apply(stored);
              stats.applied++;
            } catch (error) {
              stats.skipped++;
              options.onBadEvent?.(msg.seq, error);
            }
          }
          position = msg.seq;
          sinceCheckpoint++;
          if (msg.info.pending === 0) markCaughtUp();
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
    caughtUp,
    position: () => position,
    stats,
    checkpoint,
    async stop() {
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
