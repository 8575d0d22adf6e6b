/**
 * Projection snapshots: a process's whole fold state, stored with the stream
 * sequence of the last event folded into it, so a restart restores the state
 * and folds only the tail instead of all of history.
 *
 * Kept in a KV bucket (history 1), in chunks: an agent's lease tables for
 * 50,000 leases are several MB, over the 1 MB message limit. Not in an object
 * store, which we used before: replacing or deleting an object purges its old
 * chunks with a stream purge request, and nats-server 2.9.10 (before 2.9.18,
 * nats-io/nats-server#4196) re-applies a purge that a restarting clustered
 * node replays from its raft log as "remove everything up to the stream's last
 * sequence at the time": on an R3 journal a restart within minutes of a
 * snapshot write wiped every snapshot in the bucket. Here nothing is ever
 * purged: a chunk is replaced by a put on its key (the bucket's one message
 * per key removes the old one, a limit the server applies as it stores) and
 * removed by a KV delete marker, which is stored like any message.
 *
 * Layout (snapshot-keys.ts): chunks under `<name>.<slot>.<i>`, then the
 * manifest `<name>` (snapshot-manifest.ts) that names the slot, the chunk
 * count and the SHA-256 of the content. A save writes the slot the manifest
 * does not point at (double buffering) and switches the manifest last, so a
 * crash mid-way leaves the previous snapshot whole; the SHA-256 is checked on
 * every read. Two writers of one name (two schedulers both named
 * "scheduler") would write the same slot, so a save first claims the slot in
 * the manifest with a compare-and-set on its revision, and switches it with
 * another: a second writer meanwhile gets a SnapshotBusyError and skips.
 *
 * The schema version `v` and a fingerprint of the settings the fold depends
 * on travel in the manifest, so a snapshot of another shape or taken under
 * other settings is recognised without reading it, and ignored (the caller
 * then folds everything retained), never misread.
 */
import { createHash, randomUUID } from 'node:crypto';
import { JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { pack, unpack } from '@leasehold/protocol';
import { SnapshotBusyError } from '../errors.js';
import type { Journal } from '../journal.js';
import { jetstreamManagerAfterReloads } from '../jetstream-manager.js';
import { defaultLayout, type JournalLayout } from '../provision.js';
import { chunkKey, manifestKey, otherSlot, SNAPSHOT_CHUNK_BYTES, snapshotKeyToken, type SnapshotSlot } from './snapshot-keys.js';
import { decodeManifest, encodeManifest, type Manifest, type StoredSnapshot } from './snapshot-manifest.js';

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

export interface ProjectionSnapshotsOptions {
  /**
   * How long a save's claim on its slot keeps other writers of the same name
   * off (default 60 s, far above a save of several MB): after that, a writer
   * that died mid-save no longer blocks the next.
   */
  readonly claimTimeoutMs?: number;
}

const WRONG_LAST_SEQUENCE = 10071;
/** Chunk puts (or gets) in flight at once. */
const IN_FLIGHT = 4;
/** Reads that meet a slot being rewritten under them follow the manifest this many times. */
const READ_ATTEMPTS = 3;

interface ManifestRead {
  /** The manifest key's last revision (0: never written). */
  readonly revision: number;
  readonly manifest?: Manifest;
  /** Why a stored manifest could not be read. */
  readonly problem?: Error;
}

export class ProjectionSnapshots {
  /** This instance's id in the claims it writes. */
  private readonly writer = randomUUID();
  /** The save in progress per name: saves of one name through one instance run one after another. */
  private readonly saving = new Map<string, Promise<unknown>>();

  private constructor(
    readonly bucket: string,
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    private readonly claimTimeoutMs: number,
  ) {}

  /** Opens the journal's projection-snapshot bucket (Journal.open provisioned it). */
  static async open(journal: Journal, options: ProjectionSnapshotsOptions = {}): Promise<ProjectionSnapshots> {
    const found = await ProjectionSnapshots.bind(journal.nc, journal.jsm, journal.layout.projectionBucket, options);
    if (!found) throw new Error(`the projection-snapshot bucket ${journal.layout.projectionBucket} does not exist (the journal provisions it)`);
    return found;
  }

  /**
   * Opens an existing bucket without provisioning anything (the journal tools
   * only read: opening the journal would create or reconfigure the stream).
   * Undefined when the bucket does not exist (a system from before snapshots).
   */
  static async openReadOnly(nc: NatsConnection, layout: Pick<JournalLayout, 'projectionBucket'> = defaultLayout): Promise<ProjectionSnapshots | undefined> {
    return ProjectionSnapshots.bind(nc, await jetstreamManagerAfterReloads(nc), layout.projectionBucket, {});
  }

  private static async bind(nc: NatsConnection, jsm: JetStreamManager, bucket: string, options: ProjectionSnapshotsOptions): Promise<ProjectionSnapshots | undefined> {
    let allowDirect: boolean;
    try {
      allowDirect = (await jsm.streams.info(`KV_${bucket}`)).config.allow_direct === true;
    } catch (error) {
      if (error instanceof Error && /stream not found/i.test(error.message)) return undefined;
      throw error;
    }
    // Bound, not created: only an admin may create streams in a locked-down system. Direct gets
    // when the stream allows them (Kvm.open alone would read with stream message gets).
    const kv = await new Kvm(nc).open(bucket, { allow_direct: allowDirect });
    return new ProjectionSnapshots(bucket, kv, jsm, options.claimTimeoutMs ?? 60_000);
  }

  /**
   * Stores `state` (packed here, synchronously, so the caller may go on
   * changing its live state as soon as this returns its promise) as the
   * snapshot of projection `name` at stream sequence `seq`. Rejects with a
   * SnapshotBusyError when another writer is saving the same name.
   */
  save(name: string, wanted: SnapshotWanted, seq: number, state: unknown): Promise<SnapshotInfo> {
    const bytes = pack(state);
    return this.copy({ name, v: wanted.v, fingerprint: wanted.fingerprint ?? '', seq, at: Date.now() }, bytes);
  }

  /**
   * Stores a snapshot already packed, as `described` says (its time kept):
   * a copy from another store. Rejects like `save`.
   */
  copy(described: Omit<SnapshotInfo, 'bytes'>, bytes: Uint8Array): Promise<SnapshotInfo> {
    const info: SnapshotInfo = { ...described, bytes: bytes.length };
    const { name } = info;
    const previous = this.saving.get(name) ?? Promise.resolve();
    const done = previous.then(() => this.write(info, bytes));
    const tail: Promise<unknown> = done.then(
      () => this.saving.get(name) === tail && this.saving.delete(name),
      () => this.saving.get(name) === tail && this.saving.delete(name),
    );
    this.saving.set(name, tail);
    return done;
  }

  private async write(info: SnapshotInfo, bytes: Uint8Array): Promise<SnapshotInfo> {
    const { name } = info;
    const key = manifestKey(name);
    const current = await this.readManifest(key);
    const claim = current.manifest?.writing;
    if (claim && claim.by !== this.writer && Date.now() - claim.at < this.claimTimeoutMs) throw new SnapshotBusyError(name, claim.at);
    const previous = current.manifest?.snapshot;
    const slot = otherSlot(previous?.slot);
    const claimed: Manifest = { format: 1, name, ...(previous ? { snapshot: previous } : {}), writing: { slot, by: this.writer, at: Date.now() } };
    const claimedAt = await this.swapManifest(name, claimed, current.revision);

    const chunks = Math.max(1, Math.ceil(bytes.length / SNAPSHOT_CHUNK_BYTES));
    await inFlight(chunks, (i) => this.kv.put(chunkKey(name, slot, i), bytes.subarray(i * SNAPSHOT_CHUNK_BYTES, (i + 1) * SNAPSHOT_CHUNK_BYTES)));
    const snapshot: StoredSnapshot = { v: info.v, fingerprint: info.fingerprint, seq: info.seq, at: info.at, bytes: bytes.length, slot, chunks, sha256: sha256(bytes) };
    await this.swapManifest(name, { format: 1, name, snapshot }, claimedAt);

    // Chunks of this slot past the new count: from a bigger state, or from a save that died
    // mid-way. The other slot keeps the previous snapshot whole for readers still on it.
    // The snapshot is stored either way; what is left here goes at this slot's next save.
    await this.dropChunks(name, (s, i) => s !== slot || i < chunks).catch(() => undefined);
    return info;
  }

  /** Writes the manifest if its key is still at `revision`; else another writer got there first. */
  private async swapManifest(name: string, manifest: Manifest, revision: number): Promise<number> {
    const key = manifestKey(name);
    try {
      // create() also takes over a key whose last entry is a delete marker.
      return revision === 0 ? await this.kv.create(key, encodeManifest(manifest)) : await this.kv.update(key, encodeManifest(manifest), revision);
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === WRONG_LAST_SEQUENCE) throw new SnapshotBusyError(name, undefined, { cause: error });
      throw error;
    }
  }

  /** What the stored snapshot of `name` says about itself, if there is one. */
  async info(name: string): Promise<SnapshotInfo | undefined> {
    const { manifest } = await this.readManifest(manifestKey(name));
    return manifest?.snapshot ? toSnapshotInfo(manifest.name, manifest.snapshot) : undefined;
  }

  /**
   * The snapshot of `name` if it has schema version `v` and the same
   * fingerprint; otherwise why it was not taken (nothing stored: no refusal).
   */
  async load<S>(name: string, wanted: SnapshotWanted): Promise<SnapshotLoad<S>> {
    try {
      const { manifest, problem } = await this.readManifest(manifestKey(name));
      if (problem) return { ok: false, refusal: { reason: 'unreadable', error: problem } };
      if (!manifest?.snapshot) return { ok: false };
      const info = toSnapshotInfo(manifest.name, manifest.snapshot);
      if (info.v !== wanted.v) return { ok: false, refusal: { reason: 'version', info } };
      if (info.fingerprint !== (wanted.fingerprint ?? '')) return { ok: false, refusal: { reason: 'fingerprint', info } };
      const stored = await this.read(name);
      if (!stored) return { ok: false };
      if (stored.info.v !== wanted.v || stored.info.fingerprint !== info.fingerprint) return { ok: false, refusal: { reason: stored.info.v !== wanted.v ? 'version' : 'fingerprint', info: stored.info } };
      return { ok: true, snapshot: { info: stored.info, state: unpack(stored.bytes) as S } };
    } catch (error) {
      return { ok: false, refusal: { reason: 'unreadable', error } };
    }
  }

  /**
   * The snapshot of `name` as stored (packed, its SHA-256 checked), whatever
   * its version, with what it says about itself: for a tool that carries it
   * elsewhere (an export bundle). Undefined when none is stored; throws when
   * its chunks are missing or do not match its digest.
   */
  async read(name: string): Promise<{ readonly info: SnapshotInfo; readonly bytes: Uint8Array } | undefined> {
    const key = manifestKey(name);
    let failure: unknown;
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const { manifest, problem } = await this.readManifest(key);
      if (problem) throw problem;
      const snapshot = manifest?.snapshot;
      if (!snapshot) return undefined;
      try {
        return { info: toSnapshotInfo(manifest.name, snapshot), bytes: await this.readChunks(name, snapshot) };
      } catch (error) {
        failure = error;
      }
      // Two saves since the manifest was read rewrite the slot it named: follow the new one.
      const now = (await this.readManifest(key)).manifest?.snapshot;
      if (!now || now.sha256 === snapshot.sha256) break;
    }
    throw failure;
  }

  /** Every stored snapshot's description, by name. */
  async list(): Promise<SnapshotInfo[]> {
    const keys = Object.keys(await this.subjects(`$KV.${this.bucket}.*`)).map((subject) => subject.slice(`$KV.${this.bucket}.`.length));
    const out: SnapshotInfo[] = [];
    await inFlight(keys.length, async (i) => {
      const { manifest } = await this.readManifest(keys[i]!);
      if (manifest?.snapshot) out.push(toSnapshotInfo(manifest.name, manifest.snapshot));
    });
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Removes the snapshot of `name` and all its chunks (delete markers; a save in progress then fails busy). */
  async delete(name: string): Promise<void> {
    const key = manifestKey(name);
    const { revision, manifest, problem } = await this.readManifest(key);
    if (revision > 0 && (manifest || problem)) await this.kv.delete(key);
    await this.dropChunks(name, () => false);
  }

  /** Deletes the chunks of `name` that hold data and that `keep` does not want; returns how many. */
  private async dropChunks(name: string, keep: (slot: SnapshotSlot, index: number) => boolean): Promise<number> {
    const prefix = `$KV.${this.bucket}.${snapshotKeyToken(name)}.`;
    const doomed = Object.keys(await this.subjects(`${prefix}>`))
      .map((subject) => /^([ab])\.(\d+)$/.exec(subject.slice(prefix.length)))
      .filter((m): m is RegExpExecArray => m !== null && !keep(m[1] as SnapshotSlot, Number(m[2])))
      .map((m) => chunkKey(name, m[1] as SnapshotSlot, Number(m[2])));
    let dropped = 0;
    await inFlight(doomed.length, async (i) => {
      // A key deleted before keeps its marker (one message per key): not deleted again.
      const entry = await this.kv.get(doomed[i]!);
      if (entry?.operation !== 'PUT') return;
      await this.kv.delete(doomed[i]!);
      dropped++;
    });
    return dropped;
  }

  /** The bucket's subjects under `filter` with their message counts (stream info; no consumer). */
  private async subjects(filter: string): Promise<Record<string, number>> {
    const { state } = await this.jsm.streams.info(`KV_${this.bucket}`, { subjects_filter: filter });
    return state.subjects ?? {};
  }

  private async readManifest(key: string): Promise<ManifestRead> {
    const entry = await this.kv.get(key);
    if (!entry) return { revision: 0 };
    if (entry.operation !== 'PUT') return { revision: entry.revision };
    try {
      return { revision: entry.revision, manifest: decodeManifest(entry.value) };
    } catch (error) {
      return { revision: entry.revision, problem: error as Error };
    }
  }

  /** The packed state a manifest points at, its length and SHA-256 checked. */
  private async readChunks(name: string, snapshot: StoredSnapshot): Promise<Uint8Array> {
    const parts: Uint8Array[] = new Array<Uint8Array>(snapshot.chunks);
    await inFlight(snapshot.chunks, async (i) => {
      const entry = await this.kv.get(chunkKey(name, snapshot.slot, i));
      if (entry?.operation !== 'PUT') throw new Error(`snapshot ${name}: chunk ${i} of ${snapshot.chunks} (slot ${snapshot.slot}) is missing`);
      parts[i] = entry.value;
    });
    const bytes = Buffer.concat(parts);
    if (bytes.length !== snapshot.bytes) throw new Error(`snapshot ${name}: ${bytes.length} bytes stored, the manifest says ${snapshot.bytes}`);
    if (sha256(bytes) !== snapshot.sha256) throw new Error(`snapshot ${name}: the content does not match its SHA-256 (a torn or tampered write)`);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
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

function toSnapshotInfo(name: string, s: StoredSnapshot): SnapshotInfo {
  return { name, v: s.v, fingerprint: s.fingerprint, seq: s.seq, at: s.at, bytes: s.bytes };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Runs `task(0..count-1)`, at most IN_FLIGHT at once; rejects with the first failure. */
async function inFlight(count: number, task: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, count) }, worker));
}
