/**
 * Creating (or updating) the stream and KV buckets the journal needs.
 * Idempotent: run at every start. File storage; replicas configurable for a
 * cluster (R3).
 *
 * Replicas are only ever raised: every process opens the journal with the
 * default layout (R1), so provisioning must not scale down a stream an
 * operator provisioned at R3 (do that on purpose with the nats CLI). And a
 * process that finds everything as it should be writes nothing, so a role
 * without JetStream admin rights can open the journal.
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
  /**
   * Projection snapshots (a KV bucket, history 1: a process's whole fold, chunked under its name;
   * see snapshots/projection-snapshots.ts for why not an object store).
   */
  readonly projectionBucket: string;
  /** Replicas of the stream and buckets when created; an existing one with fewer is raised to this. */
  readonly replicas: number;
  /** How long JetStream remembers publish ids for de-duplication. */
  readonly duplicateWindowMs: number;
  /**
   * Most consumers the events stream may have at once (every projection,
   * replay and tool reading it holds one). Set when the stream is created:
   * nats-server 2.9 refuses to change it on an existing stream.
   */
  readonly maxConsumers: number;
}

export const defaultLayout: JournalLayout = {
  stream: 'LH_EVENTS',
  subjects: [`${EVENT_SUBJECT_PREFIX}.>`],
  snapshotBucket: 'lh_snapshots',
  checkpointBucket: 'lh_checkpoints',
  projectionBucket: 'lh_projection_snapshots',
  replicas: 1,
  duplicateWindowMs: 120_000,
  // A process holds one or two (its projection, a short read); 4,096 is room for a
  // thousand agents and their tools, and a bound on what a role may pile up.
  maxConsumers: 4096,
};

export interface Provisioned {
  readonly snapshots: KV;
  readonly checkpoints: KV;
  /** This call created the projection-snapshot bucket (so snapshots of the older object store are copied into it). */
  readonly createdProjectionBucket: boolean;
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
    max_consumers: layout.maxConsumers,
  };
  const current = await streamConfig(jsm, layout.stream);
  if (!current) {
    await jsm.streams.add(config);
  } else {
    const replicas = Math.max(current.num_replicas ?? 1, layout.replicas);
    const same =
      current.subjects?.join() === config.subjects?.join() &&
      current.num_replicas === replicas &&
      current.duplicate_window === config.duplicate_window &&
      current.allow_direct === true;
    // max_consumers stays as created: nats-server 2.9 refuses any change to it (see journalConsumerLimit).
    if (!same) await jsm.streams.update(layout.stream, { ...current, ...config, num_replicas: replicas, max_consumers: current.max_consumers } as StreamConfig);
  }
  const kvm = new Kvm(nc);
  const bucket = async (name: string) => {
    const kv = await kvm.create(name, { storage: StorageType.File, replicas: layout.replicas, history: 1 });
    // kvm.create leaves an existing bucket as it is: raise its replicas here.
    const stream = `KV_${name}`;
    const cur = await streamConfig(jsm, stream);
    if (cur && (cur.num_replicas ?? 1) < layout.replicas) await jsm.streams.update(stream, { ...cur, num_replicas: layout.replicas });
    return kv;
  };
  const createdProjectionBucket = (await streamConfig(jsm, `KV_${layout.projectionBucket}`)) === undefined;
  const [snapshots, checkpoints] = await Promise.all([bucket(layout.snapshotBucket), bucket(layout.checkpointBucket), bucket(layout.projectionBucket)]);
  return { snapshots, checkpoints, createdProjectionBucket };
}

async function streamConfig(jsm: JetStreamManager, name: string): Promise<StreamConfig | undefined> {
  try {
    return (await jsm.streams.info(name)).config;
  } catch (error) {
    if (isStreamNotFound(error)) return undefined;
    throw error;
  }
}

function isStreamNotFound(error: unknown): boolean {
  return error instanceof Error && (error.name === 'StreamNotFoundError' || /stream not found/i.test(error.message));
}
