/**
 * Where a projection snapshot lives in its KV bucket: the manifest under the
 * key `<token>`, the packed state in chunks under `<token>.<slot>.<i>`, with
 * `<token>` the snapshot's name made into one KV key token. So everything of
 * one snapshot is `$KV.<bucket>.<token>` or below `$KV.<bucket>.<token>.>`:
 * two subjects a role's permissions can grant for its own snapshot alone.
 */

/** The two chunk sets of a snapshot: a save writes the one the manifest does not point at. */
export type SnapshotSlot = 'a' | 'b';

/** Largest chunk value: well under nats-server's default 1 MB max payload, headers included. */
export const SNAPSHOT_CHUNK_BYTES = 256 * 1024;

const plain = /^[A-Za-z0-9_-]$/;

/**
 * The snapshot name as one KV key token: letters, digits, `_` and `-` stay
 * (so `agent-a1`, `scheduler`, `api` read as themselves); every other UTF-8
 * byte, `=` included, becomes `=XX` (upper-case hex). Injective, never
 * empty, never a `.` or a wildcard, so one name's keys are never another's.
 * Throws a RangeError for the empty name. Pure.
 */
export function snapshotKeyToken(name: string): string {
  if (name === '') throw new RangeError('a projection snapshot needs a name');
  let token = '';
  for (const char of name) {
    if (plain.test(char)) token += char;
    else for (const byte of Buffer.from(char, 'utf8')) token += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return token;
}

/** The manifest's key of snapshot `name`. Pure. */
export function manifestKey(name: string): string {
  return snapshotKeyToken(name);
}

/** The key of chunk `index` of `slot` of snapshot `name`. Pure. */
export function chunkKey(name: string, slot: SnapshotSlot, index: number): string {
  return `${snapshotKeyToken(name)}.${slot}.${index}`;
}

/** The other slot. Pure. */
export function otherSlot(slot: SnapshotSlot | undefined): SnapshotSlot {
  return slot === 'a' ? 'b' : 'a';
}

/**
 * The subjects a writer of snapshot `name` publishes on (a KV put or delete
 * is a publish on `$KV.<bucket>.<key>`): its manifest and its chunks. Pure.
 */
export function snapshotSubjects(bucket: string, name: string): [manifest: string, chunks: string] {
  const token = snapshotKeyToken(name);
  return [`$KV.${bucket}.${token}`, `$KV.${bucket}.${token}.>`];
}
