/**
 * The event store over JetStream. One subject per aggregate; an aggregate's
 * version is the stream sequence of its last event. Appends carry
 * `Nats-Expected-Last-Subject-Sequence` (optimistic concurrency) and
 * `Nats-Msg-Id` = event id (a retried publish is stored once). Appends go
 * out through a `PipelinedPublisher` (pipelined-publisher.ts).
 */
import { jetstreamManagerAfterReloads } from './jetstream-manager.js';
import {
  DeliverPolicy,
  JetStreamApiError,
  jetstream,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type PubAck,
} from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { PermissionViolationError, type NatsConnection } from '@nats-io/transport-node';
import { decodeEvent, encodeEvent, pack, unpack, type EventEnvelope, type EventRegistry } from '@leasehold/protocol';
import { NotPermittedError, VersionConflictError } from './errors.js';
import { PipelinedPublisher } from './pipelined-publisher.js';
import { defaultLayout, provisionJournal, type JournalLayout } from './provision.js';
import { copyLegacySnapshots, type LegacyCopy } from './snapshots/legacy-object-store.js';

/** An event as stored: its stream sequence and subject beside the envelope. */
export interface StoredEvent<E extends EventEnvelope = EventEnvelope> {
  readonly seq: number;
  readonly subject: string;
  readonly event: E;
}

export interface AppendResult {
  /** The aggregate's version after the append (sequence of the last event). */
  readonly version: number;
  readonly sequences: readonly number[];
  /** How many events the server had already stored under the same id (a retry). */
  readonly duplicates: number;
}

/** Aggregate snapshot as kept in KV. `v` is the schema version of `state`. */
export interface Snapshot<S> {
  readonly v: number;
  /** The stream sequence of the last event folded into `state`. */
  readonly seq: number;
  readonly state: S;
}

/** A fold that rebuilds an aggregate. `v` versions the state's shape for snapshots. */
export interface Fold<S, E extends EventEnvelope = EventEnvelope> {
  readonly v: number;
  readonly initial: () => S;
  readonly apply: (state: S, event: E, seq: number) => S;
}

export interface OpenJournalOptions {
  readonly layout?: Partial<JournalLayout>;
  /** When given, reads reject events of unknown types or versions with a typed error. */
  readonly registry?: EventRegistry;
  /** Told what was copied from the older projection-snapshot object store, when this open created the KV bucket and found one. */
  readonly onLegacySnapshots?: (copy: LegacyCopy) => void;
}

export interface ReplayOptions {
  readonly fromSeq?: number;
  readonly toSeq?: number;
  /** Takes events that cannot be decoded; without it they throw. */
  readonly onBadEvent?: (seq: number, error: unknown) => void;
}

/** Expected version: a sequence (0 = the aggregate must not exist yet), or 'any' for no check. */
export type ExpectedVersion = number | 'any';

const WRONG_LAST_SEQUENCE = 10071;

export class Journal {
  /** Every append goes out through it (js.publish's per-request machinery cost the DHCP hot path a tenth of its CPU). */
  private readonly publisher: PipelinedPublisher;

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly layout: JournalLayout,
    readonly snapshots: KV,
    readonly checkpoints: KV,
    readonly registry: EventRegistry | undefined,
  ) {
    this.publisher = new PipelinedPublisher(nc);
  }

  /** Provisions the stream and buckets (idempotent) and returns a journal on them. */
  static async open(nc: NatsConnection, options: OpenJournalOptions = {}): Promise<Journal> {
    const layout = { ...defaultLayout, ...options.layout };
    const jsm = await jetstreamManagerAfterReloads(nc);
    const { snapshots, checkpoints, createdProjectionBucket } = await provisionJournal(nc, jsm, layout);
    if (createdProjectionBucket) {
      const copy = await copyLegacySnapshots(nc, jsm, layout);
      if (copy.copied.length + copy.skipped.length > 0) options.onLegacySnapshots?.(copy);
    }
    return new Journal(nc, jetstream(nc), jsm, layout, snapshots, checkpoints, options.registry);
  }

  /**
   * Appends events to one aggregate subject. With a numeric `expectedVersion`
   * the first event is accepted only if the subject's last sequence equals it,
   * and each further event only if it directly follows the previous one, so a
   * concurrent writer can never interleave. Throws `VersionConflictError`.
   * (JetStream 2.9 has no atomic batch: a crash mid-way leaves a prefix, which
   * a retry with the same event ids completes without duplicates.)
   */
  async append(subject: string, events: readonly EventEnvelope[], expectedVersion: ExpectedVersion = 'any'): Promise<AppendResult> {
    let expected = expectedVersion;
    const sequences: number[] = [];
    let duplicates = 0;
    for (const event of events) {
      const ack = await this.publish(subject, event, expected);
      sequences.push(ack.seq);
      if (ack.duplicate) duplicates++;
      expected = expectedVersion === 'any' ? 'any' : ack.seq;
    }
    const version = sequences.at(-1) ?? (typeof expectedVersion === 'number' ? expectedVersion : await this.version(subject));
    return { version, sequences, duplicates };
  }

  /**
   * Publishes one event and resolves with the server's ack. Many may be in
   * flight at once (pipelining); the ack is the durability point.
   */
  async publish(subject: string, event: EventEnvelope, expectedVersion: ExpectedVersion = 'any'): Promise<PubAck> {
    try {
      return await this.publisher.publish(subject, encodeEvent(event), {
        msgId: event.id,
        ...(expectedVersion === 'any' ? {} : { lastSubjectSequence: expectedVersion }),
      });
    } catch (error) {
      const translated = this.translate(error, subject, expectedVersion);
      if (
        translated instanceof VersionConflictError &&
        translated.actualVersion === 0 &&
        typeof expectedVersion === 'number' &&
        expectedVersion > 0 &&
        expectedVersion < (await this.firstRetained())
      ) {
        // The aggregate's last event was compacted away with the history below the first
        // retained sequence, so the server knows no version for it (0). The writer's fold knew
        // that event; a later write would have been retained (or folded by the writer, whose
        // fold is never a retention window behind), so nobody wrote since: 0 is the version
        // the writer meant, and the server still lets exactly one writer win from it.
        return this.publish(subject, event, 0);
      }
      throw translated;
    }
  }

  /** The first sequence still in the stream (history below it was compacted); last + 1 when empty. */
  async firstRetained(): Promise<number> {
    return firstRetainedOf((await this.jsm.streams.info(this.layout.stream)).state);
  }

  /** The aggregate's version: the sequence of its last event, 0 when it has none. */
  async version(subject: string): Promise<number> {
    const last = await this.jsm.direct.getMessage(this.layout.stream, { last_by_subj: subject });
    return last?.seq ?? 0;
  }

  /** Reads an aggregate's events (or any filter's), in order, from `fromSeq` to the end as it is now. */
  async read(subject: string, fromSeq = 1): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    await this.replay(subject, (stored) => void out.push(stored), { fromSeq });
    return out;
  }

  /**
   * Calls `onEvent` for each stored event matching `filter`, in order, from
   * `fromSeq` up to the end of the stream at the time of the call (or
   * `toSeq`); resolves with the count. The fast path of every replay: no
   * per-event promise. Undecodable events throw the protocol's typed
   * `EnvelopeDecodeError` unless `onBadEvent` takes them.
   */
  async replay(filter: string, onEvent: (stored: StoredEvent) => void, options: ReplayOptions = {}): Promise<number> {
    let count = 0;
    await this.replayRaw(
      filter,
      (msg) => {
        let event: EventEnvelope;
        try {
          event = decodeEvent(msg.data, this.registry);
        } catch (error) {
          if (!options.onBadEvent) throw error;
          options.onBadEvent(msg.seq, error);
          return;
        }
        onEvent({ seq: msg.seq, subject: msg.subject, event });
        count++;
      },
      options,
    );
    return count;
  }

  /** Calls `onMessage` with the raw, undecoded messages of a range (for tools and benchmarks). */
  async replayRaw(filter: string, onMessage: (msg: JsMsg) => void, options: Pick<ReplayOptions, 'fromSeq' | 'toSeq'> = {}): Promise<void> {
    const consumer = await this.js.consumers.get(this.layout.stream, {
      filter_subjects: filter,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, options.fromSeq ?? 1),
    });
    const info = await consumer.info(true);
    if (info.num_pending === 0) return;
    const end = options.toSeq ?? Number.POSITIVE_INFINITY;
    const messages = await consumer.consume({ max_messages: 10_000 });
    try {
      for await (const msg of messages) {
        if (msg.seq > end) break;
        onMessage(msg);
        if (msg.info.pending === 0 || msg.seq >= end) break;
      }
    } finally {
      messages.stop();
    }
  }

  /**
   * Rebuilds an aggregate: its snapshot (when one of the fold's schema
   * version exists) plus the events after it. Equal to a full replay.
   */
  async load<S>(subject: string, fold: Fold<S>): Promise<{ state: S; version: number }> {
    const snapshot = await this.readSnapshot<S>(subject, fold.v);
    let state = snapshot ? snapshot.state : fold.initial();
    let version = snapshot ? snapshot.seq : 0;
    await this.replay(
      subject,
      (stored) => {
        state = fold.apply(state, stored.event, stored.seq);
        version = stored.seq;
      },
      { fromSeq: version + 1 },
    );
    return { state, version };
  }

  /** Stores an aggregate's snapshot covering events up to `seq`. */
  async saveSnapshot<S>(subject: string, snapshot: Snapshot<S>): Promise<void> {
    await this.snapshots.put(snapshotKey(subject), pack(snapshot));
  }

  /** The stored snapshot if it has schema version `v`; a snapshot of another version is ignored. */
  async readSnapshot<S>(subject: string, v: number): Promise<Snapshot<S> | undefined> {
    const entry = await this.snapshots.get(snapshotKey(subject));
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return undefined;
    const snapshot = unpack(entry.value) as Snapshot<S>;
    return snapshot && snapshot.v === v && Number.isSafeInteger(snapshot.seq) ? snapshot : undefined;
  }

  private translate(error: unknown, subject: string, expected: ExpectedVersion): unknown {
    if (error instanceof JetStreamApiError && error.code === WRONG_LAST_SEQUENCE && typeof expected === 'number') {
      // The server's description is "wrong last sequence: N", N being the subject's actual last sequence.
      const actual = /(\d+)\s*$/.exec(error.message)?.[1];
      return new VersionConflictError(subject, expected, actual === undefined ? undefined : Number(actual), { cause: error });
    }
    // nats.js rejects the publish's request with the server's -ERR as the cause (the
    // muxed requests are matched by subject), at once rather than after a timeout.
    const cause = error instanceof Error ? error.cause : undefined;
    const refused = [error, cause].find((e) => e instanceof PermissionViolationError);
    if (refused && refused.operation === 'publish') return new NotPermittedError(subject, refused.message, { cause: error });
    return error;
  }
}

/** The first sequence a stream's state still holds (history below it was purged); last + 1 when it is empty. Pure. */
export function firstRetainedOf(state: { readonly messages: number; readonly first_seq: number; readonly last_seq: number }): number {
  return state.messages === 0 ? state.last_seq + 1 : state.first_seq;
}

/** KV keys allow dots but not wildcards; aggregate subjects never hold wildcards. */
function snapshotKey(subject: string): string {
  return subject;
}
