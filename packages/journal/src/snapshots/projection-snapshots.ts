/**
 * Projection snapshots: a process's whole fold state, stored with the stream
 * sequence of the last event folded into it, so a restart restores the state
 * and folds only the tail instead of all of history.
 *
 * Kept in a JetStream object store, not KV: an agent's lease tables for
 * 50,000 leases are several MB, over the 1 MB message limit, and the object
 * store chunks them. Its write order is what makes a crash harmless: the
 * chunks go first under a fresh id, then the object's metadata in one
 * publish (a subject rollup), then the old chunks are purged. A crash before
 * the metadata leaves the previous snapshot whole and readable (and some
 * orphan chunks, which `sweepOrphans` removes); the metadata carries a
 * SHA-256 of the content, checked on every read.
 *
 * The schema version `v` and a fingerprint of the settings the fold depends
 * on travel in the metadata, so a snapshot of another shape or taken under
 * other settings is recognised without reading it, and ignored (the caller
 * then folds everything retained), never misread.
 */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Objm, type ObjectInfo, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { pack, unpack } from '@leasehold/protocol';
import type { Journal } from '../journal.js';
import { defaultLayout, type JournalLayout } from '../provision.js';

/** What a snapshot says about itself (read without downloading it). */
export interface SnapshotInfo {
  readonly name: string;
  /** Schema version of the state's shape. */
  readonly v: number;
  /** The settings the fold depended on, e.g. "agentDownTime=75000". */
  readonly fingerprint: string;
  /** Stream sequence of the last event folded into the state. */
  readonly seq: number;
  /** When it was taken (ms since the epoch). */
  readonly at: number;
  /** Packed size in bytes. */
  readonly bytes: number;
}

export interface LoadedSnapshot<S = unknown> {
  readonly info: SnapshotInfo;
  readonly state: S;
}

/** Why a stored snapshot was not used. */
export type SnapshotRefusal =
  | { readonly reason: 'version'; readonly info: SnapshotInfo }
  | { readonly reason: 'fingerprint'; readonly info: SnapshotInfo }
  | { readonly reason: 'unreadable'; readonly error: unknown };

export type SnapshotLoad<S> = { readonly ok: true; readonly snapshot: LoadedSnapshot<S> } | { readonly ok: false; readonly refusal?: SnapshotRefusal };

export interface SnapshotWanted {
  readonly v: number;
  readonly fingerprint?: string;
}

const META_V = 'lh-v';
const META_FINGERPRINT = 'lh-fingerprint';
const META_SEQ = 'lh-seq';
const META_AT = 'lh-at';

export class ProjectionSnapshots {
  private constructor(
    readonly bucket: string,
    private readonly store: ObjectStore,
    private readonly jsm: JetStreamManager,
  ) {}

  /** Opens (creating if missing) the journal's projection-snapshot bucket. */
  static async open(journal: Journal): Promise<ProjectionSnapshots> {
    const bucket = journal.layout.projectionBucket;
    // Journal.open provisioned the bucket (only an admin may create it in a locked-down system).
    const store = await new Objm(journal.nc).open(bucket);
    return new ProjectionSnapshots(bucket, store, journal.jsm);
  }

  /**
   * Opens an existing bucket without provisioning anything (the journal tools
   * only read: opening the journal would create or reconfigure the stream).
   * Undefined when the bucket does not exist (a system from before snapshots).
   */
  static async openReadOnly(nc: NatsConnection, layout: Pick<JournalLayout, 'projectionBucket'> = defaultLayout): Promise<ProjectionSnapshots | undefined> {
    const bucket = layout.projectionBucket;
    try {
      const store = await new Objm(nc).open(bucket);
      return new ProjectionSnapshots(bucket, store, await jetstreamManager(nc));
    } catch (error) {
      if (error instanceof Error && /stream not found|not found/i.test(error.message)) return undefined;
      throw error;
    }
  }

  /**
   * Stores `state` (packed here, synchronously, so the caller may go on
   * changing its live state as soon as this returns its promise) as the
   * snapshot of projection `name` at stream sequence `seq`.
   */
  save(name: string, wanted: SnapshotWanted, seq: number, state: unknown): Promise<SnapshotInfo> {
    const bytes = pack(state);
    const at = Date.now();
    const info: SnapshotInfo = { name, v: wanted.v, fingerprint: wanted.fingerprint ?? '', seq, at, bytes: bytes.length };
    const metadata = { [META_V]: String(info.v), [META_FINGERPRINT]: info.fingerprint, [META_SEQ]: String(seq), [META_AT]: String(at) };
    return this.store.putBlob({ name, metadata }, bytes).then(() => info);
  }

  /** What the stored snapshot of `name` says about itself, if there is one. */
  async info(name: string): Promise<SnapshotInfo | undefined> {
    const info = await this.store.info(name);
    return info && !info.deleted ? toSnapshotInfo(info) : undefined;
  }

  /**
   * The snapshot of `name` if it has schema version `v` and the same
   * fingerprint; otherwise why it was not taken (nothing stored: no refusal).
   */
  async load<S>(name: string, wanted: SnapshotWanted): Promise<SnapshotLoad<S>> {
    let info: SnapshotInfo | undefined;
    try {
      info = await this.info(name);
      if (!info) return { ok: false };
      if (info.v !== wanted.v) return { ok: false, refusal: { reason: 'version', info } };
      if (info.fingerprint !== (wanted.fingerprint ?? '')) return { ok: false, refusal: { reason: 'fingerprint', info } };
      // getBlob checks the SHA-256 of what it read against the metadata's.
      const bytes = await this.store.getBlob(name);
      if (!bytes) return { ok: false };
      return { ok: true, snapshot: { info, state: unpack(bytes) as S } };
    } catch (error) {
      return { ok: false, refusal: { reason: 'unreadable', error } };
    }
  }

  /**
   * The snapshot of `name` as stored (packed, its SHA-256 checked), whatever
   * its version, with what it says about itself: for a tool that carries it
   * elsewhere (an export bundle). Undefined when none is stored.
   */
  async read(name: string): Promise<{ readonly info: SnapshotInfo; readonly bytes: Uint8Array } | undefined> {
    const info = await this.info(name);
    if (!info) return undefined;
    const bytes = await this.store.getBlob(name);
    return bytes ? { info, bytes } : undefined;
  }

  /** Every stored snapshot's description. */
  async list(): Promise<SnapshotInfo[]> {
    const out: SnapshotInfo[] = [];
    for (const info of await this.store.list()) if (!info.deleted) out.push(toSnapshotInfo(info));
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async delete(name: string): Promise<void> {
    await this.store.delete(name);
  }

  /**
   * Purges chunks no snapshot refers to (left by a process that died while
   * writing one). Safe while others write: a chunk set younger than
   * `minAgeMs` may belong to a put in progress and is left alone.
   */
  async sweepOrphans(minAgeMs = 10 * 60_000): Promise<number> {
    const stream = `OBJ_${this.bucket}`;
    const live = new Set((await this.store.list()).map((info) => info.nuid));
    const prefix = `$O.${this.bucket}.C.`;
    const { state } = await this.jsm.streams.info(stream, { subjects_filter: `${prefix}>` });
    let purged = 0;
    for (const subject of Object.keys(state.subjects ?? {})) {
      const nuid = subject.slice(prefix.length);
      if (live.has(nuid)) continue;
      // The newest chunk of a put still in progress is young; a dead writer's stops ageing.
      const newest = await this.jsm.streams.getMessage(stream, { last_by_subj: subject }).catch(() => null);
      if (newest && Date.now() - newest.time.getTime() < minAgeMs) continue;
      await this.jsm.streams.purge(stream, { filter: subject });
      purged++;
    }
    return purged;
  }
}

/**
 * The kind of fold a projection snapshot holds, from its name: every
 * `agent-<id>` is one kind (an agent's model does not depend on its id), as
 * are `scheduler*` and `api*`. A process with no usable snapshot of its own
 * may start from the newest of its kind. Pure.
 */
export function snapshotKind(name: string): string {
  if (name.startsWith('agent-')) return 'agent';
  if (name.startsWith('scheduler')) return 'scheduler';
  if (name.startsWith('api')) return 'api';
  return name;
}

function toSnapshotInfo(info: ObjectInfo): SnapshotInfo {
  const meta = info.metadata ?? {};
  const number = (key: string) => {
    const n = Number(meta[key]);
    return Number.isSafeInteger(n) ? n : -1;
  };
  return { name: info.name, v: number(META_V), fingerprint: meta[META_FINGERPRINT] ?? '', seq: number(META_SEQ), at: number(META_AT), bytes: info.size };
}
