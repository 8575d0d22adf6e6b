/**
 * Creating (or updating) the stream and KV buckets the journal needs.
 * Idempotent: run at every start. File storage; replicas configurable for a
 * cluster (R3).
 */
import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { EVENT_SUBJECT_PREFIX } from '@leasehold/protocol';

export interface JournalLayout {
  /** The events stream; captures every aggregate subject. */
  readonly stream: string;
  readonly subjects: readonly string[];
  /** Aggregate snapshots: key = aggregate subject, value = {v, seq, state}. */
  readonly snapshotBucket: string;
  /** Projection checkpoints: key = projection name, value = {seq, state?}. */
  readonly checkpointBucket: string;
  readonly replicas: number;
  /** How long JetStream remembers publish ids for de-duplication. */
  readonly duplicateWindowMs: number;
}

export const defaultLayout: JournalLayout = {
  stream: 'LH_EVENTS',
  subjects: [`${EVENT_SUBJECT_PREFIX}.>`],
  snapshotBucket: 'lh_snapshots',
  checkpointBucket: 'lh_checkpoints',
  replicas: 1,
  duplicateWindowMs: 120_000,
};

export interface Provisioned {
  readonly snapshots: KV;
  readonly checkpoints: KV;
}

/** Ensures the stream and buckets exist with the layout's settings. */
export async function provisionJournal(nc: NatsConnection, jsm: JetStreamManager, layout: JournalLayout): Promise<Provisioned> {
  const config: Partial<StreamConfig> & { name: string } = {
    name: layout.stream,
    subjects: [...layout.subjects],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: layout.replicas,
    duplicate_window: layout.duplicateWindowMs * 1_000_000,
    allow_direct: true,
    max_msgs: -1,
    max_bytes: -1,
    max_age: 0,
  };
  try {
    const info = await jsm.streams.info(layout.stream);
    const cur = info.config;
    const same =
      cur.subjects?.join() === config.subjects?.join() &&
      cur.num_replicas === config.num_replicas &&
      cur.duplicate_window === config.duplicate_window &&
      cur.allow_direct === true;
    if (!same) await jsm.streams.update(layout.stream, { ...cur, ...config } as StreamConfig);
  } catch (error) {
    if (!isStreamNotFound(error)) throw error;
    await jsm.streams.add(config);
  }
  const kvm = new Kvm(nc);
  const bucket = (name: string) =>
    kvm.create(name, { storage: StorageType.File, replicas: layout.replicas, history: 1 });
  const [snapshots, checkpoints] = await Promise.all([bucket(layout.snapshotBucket), bucket(layout.checkpointBucket)]);
  return { snapshots, checkpoints };
}

function isStreamNotFound(error: unknown): boolean {
  return error instanceof Error && (error.name === 'StreamNotFoundError' || /stream not found/i.test(error.message));
}
