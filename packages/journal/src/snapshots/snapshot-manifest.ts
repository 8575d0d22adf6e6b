/**
 * A projection snapshot's manifest: the one KV value that says which chunk
 * set holds the snapshot, how many chunks, and their SHA-256; and, while a
 * save is in progress, which writer claimed the other set. Written as JSON
 * (a few hundred bytes; `leasehold history` and `nats kv get` can read it).
 */
import type { SnapshotSlot } from './snapshot-keys.js';

/** The manifest's own format; a reader refuses any other. */
const MANIFEST_FORMAT = 1;

/** The snapshot a manifest points at. */
export interface StoredSnapshot {
  /** Schema version of the state's shape. */
  readonly v: number;
  readonly fingerprint: string;
  /** Stream sequence of the last event folded into the state. */
  readonly seq: number;
  /** When it was taken (ms since the epoch). */
  readonly at: number;
  /** Packed size. */
  readonly bytes: number;
  readonly slot: SnapshotSlot;
  readonly chunks: number;
  /** SHA-256 of the packed state, hex. */
  readonly sha256: string;
}

/** A save in progress: its writer writes `slot` and nobody else may until `at` is stale. */
export interface WritingClaim {
  readonly slot: SnapshotSlot;
  /** The writer (a random id per ProjectionSnapshots instance). */
  readonly by: string;
  /** When it claimed the slot (ms since the epoch, the writer's clock). */
  readonly at: number;
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  /** The snapshot's name (its key is an encoding of it). */
  readonly name: string;
  /** Absent until a first save completes. */
  readonly snapshot?: StoredSnapshot;
  readonly writing?: WritingClaim;
}

/** The manifest's bytes. Pure. */
export function encodeManifest(manifest: Manifest): Uint8Array {
  return Buffer.from(JSON.stringify(manifest), 'utf8');
}

/** Reads a manifest; throws an Error that says what is wrong with it. Pure. */
export function decodeManifest(bytes: Uint8Array): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new Error('snapshot manifest is not JSON', { cause: error });
  }
  const m = record(raw, 'manifest');
  if (m.format !== MANIFEST_FORMAT) throw new Error(`snapshot manifest has format ${String(m.format)}, expected ${MANIFEST_FORMAT}`);
  const name = string(m.name, 'name');
  const snapshot = m.snapshot === undefined ? undefined : storedSnapshot(record(m.snapshot, 'snapshot'));
  const writing = m.writing === undefined ? undefined : writingClaim(record(m.writing, 'writing'));
  return { format: MANIFEST_FORMAT, name, ...(snapshot ? { snapshot } : {}), ...(writing ? { writing } : {}) };
}

function storedSnapshot(s: Record<string, unknown>): StoredSnapshot {
  const sha256 = string(s.sha256, 'snapshot.sha256');
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('snapshot manifest: snapshot.sha256 is not a SHA-256 in hex');
  return {
    v: integer(s.v, 'snapshot.v'),
    fingerprint: string(s.fingerprint, 'snapshot.fingerprint'),
    seq: integer(s.seq, 'snapshot.seq'),
    at: integer(s.at, 'snapshot.at'),
    bytes: integer(s.bytes, 'snapshot.bytes'),
    slot: slot(s.slot, 'snapshot.slot'),
    chunks: integer(s.chunks, 'snapshot.chunks'),
    sha256,
  };
}

function writingClaim(w: Record<string, unknown>): WritingClaim {
  return { slot: slot(w.slot, 'writing.slot'), by: string(w.by, 'writing.by'), at: integer(w.at, 'writing.at') };
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`snapshot manifest: ${what} is not an object`);
  return value as Record<string, unknown>;
}

function string(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`snapshot manifest: ${what} is not a string`);
  return value;
}

function integer(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new Error(`snapshot manifest: ${what} is not an integer`);
  return value;
}

function slot(value: unknown, what: string): SnapshotSlot {
  if (value !== 'a' && value !== 'b') throw new Error(`snapshot manifest: ${what} is not "a" or "b"`);
  return value;
}
