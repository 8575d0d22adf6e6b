/**
 * Authenticated denial of existence: what validated NSEC (RFC 4034 4, RFC
 * 4035 5.4) and NSEC3 (RFC 5155 8) records prove about a name. The caller
 * passes only records whose signatures it has checked. Pure.
 */
import { createHash } from 'node:crypto';
import { ancestor, compareNames, concat, isWireAtOrBelow, labelCount, lowerName, nameKey, readName, TYPE_CNAME, TYPE_DS, TYPE_NS, TYPE_SOA, WireError, type WireRecord } from './records.js';

/** RFC 9276 3.2: a validator may refuse NSEC3 records with many iterations; more than this proves nothing here. */
const MAX_NSEC3_ITERATIONS = 150;

/** Types in an NSEC/NSEC3 type bitmap (RFC 4034 4.1.2). */
function readTypes(b: Uint8Array, from: number): Set<number> {
  const types = new Set<number>();
  for (let o = from; o + 2 <= b.length; ) {
    const window = b[o]!;
    const len = b[o + 1]!;
    if (len < 1 || len > 32 || o + 2 + len > b.length) throw new WireError('bad type bitmap');
    for (let i = 0; i < len; i++) for (let bit = 0; bit < 8; bit++) if (b[o + 2 + i]! & (0x80 >> bit)) types.add(window * 256 + i * 8 + bit);
    o += 2 + len;
  }
  return types;
}

export interface Nsec {
  readonly owner: Uint8Array;
  readonly next: Uint8Array;
  readonly types: ReadonlySet<number>;
}

export function parseNsec(record: WireRecord): Nsec {
  const { name, end } = readName(record.rdata, 0);
  return { owner: record.owner, next: name, types: readTypes(record.rdata, end) };
}

export interface Nsec3 {
  /** The zone the record belongs to: its owner less the hash label. */
  readonly zone: Uint8Array;
  readonly hash: Uint8Array;
  readonly next: Uint8Array;
  readonly optOut: boolean;
  readonly iterations: number;
  readonly salt: Uint8Array;
  readonly hashAlgorithm: number;
  readonly types: ReadonlySet<number>;
}

const BASE32HEX = '0123456789abcdefghijklmnopqrstuv';

function fromBase32hex(text: string): Uint8Array | undefined {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const c of text.toLowerCase()) {
    const v = BASE32HEX.indexOf(c);
    if (v < 0) return undefined;
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

export function parseNsec3(record: WireRecord): Nsec3 | undefined {
  const r = record.rdata;
  if (r.length < 5) throw new WireError('NSEC3 too short');
  const saltLen = r[4]!;
  const hashLen = r[5 + saltLen];
  if (hashLen === undefined) throw new WireError('NSEC3 too short');
  const nextEnd = 6 + saltLen + hashLen;
  if (nextEnd > r.length) throw new WireError('NSEC3 too short');
  const label = Buffer.from(record.owner.subarray(1, 1 + record.owner[0]!)).toString('latin1');
  const hash = fromBase32hex(label);
  if (hash === undefined || record.owner[0] === 0) return undefined;
  return {
    zone: ancestor(record.owner, 1),
    hash,
    next: r.subarray(6 + saltLen, nextEnd),
    optOut: (r[1]! & 1) !== 0,
    iterations: (r[2]! << 8) | r[3]!,
    salt: r.subarray(5, 5 + saltLen),
    hashAlgorithm: r[0]!,
    types: readTypes(r, nextEnd),
  };
}

/** RFC 5155 5: SHA-1 over the lowercased wire name and the salt, iterated. */
export function nsec3Hash(name: Uint8Array, salt: Uint8Array, iterations: number): Uint8Array {
  let h: Uint8Array = createHash('sha1').update(lowerName(name)).update(salt).digest();
  for (let i = 0; i < iterations; i++) h = createHash('sha1').update(h).update(salt).digest();
  return h;
}

/** Whether owner < name < next in canonical order, the last NSEC of a zone wrapping to its apex. */
function nsecCovers(nsec: Nsec, name: Uint8Array): boolean {
  if (compareNames(nsec.owner, name) >= 0) return false;
  return compareNames(nsec.next, nsec.owner) <= 0 || compareNames(name, nsec.next) < 0;
}

function nsec3Usable(n: Nsec3, name: Uint8Array): boolean {
  return n.hashAlgorithm === 1 && n.iterations <= MAX_NSEC3_ITERATIONS && isWireAtOrBelow(name, n.zone);
}

function nsec3Matches(n: Nsec3, name: Uint8Array): boolean {
  return nsec3Usable(n, name) && Buffer.compare(nsec3Hash(name, n.salt, n.iterations), n.hash) === 0;
}

function nsec3Covers(n: Nsec3, name: Uint8Array): boolean {
  if (!nsec3Usable(n, name)) return false;
  const h = nsec3Hash(name, n.salt, n.iterations);
  const afterOwner = Buffer.compare(n.hash, h) < 0;
  const beforeNext = Buffer.compare(h, n.next) < 0;
  return Buffer.compare(n.next, n.hash) <= 0 ? afterOwner || beforeNext : afterOwner && beforeNext;
}

/** The deepest name both are at or below. */
function commonAncestor(a: Uint8Array, b: Uint8Array): Uint8Array {
  let x = ancestor(a, Math.max(0, labelCount(a) - labelCount(b)));
  let y = ancestor(b, Math.max(0, labelCount(b) - labelCount(a)));
  while (nameKey(x) !== nameKey(y)) {
    x = ancestor(x, 1);
    y = ancestor(y, 1);
  }
  return x;
}

const wildcardOf = (name: Uint8Array) => concat([Uint8Array.of(1, 0x2a), name]);

/** RFC 5155 8.3: the closest encloser, and a covered next closer name; undefined when not proven. */
function closestEncloser(name: Uint8Array, nsec3s: readonly Nsec3[]): { encloser: Uint8Array; optOut: boolean } | undefined {
  for (let i = 1; i < labelCount(name) + 1; i++) {
    const candidate = ancestor(name, i);
    if (!nsec3s.some((n) => nsec3Matches(n, candidate))) continue;
    const cover = nsec3s.find((n) => nsec3Covers(n, ancestor(name, i - 1)));
    return cover === undefined ? undefined : { encloser: candidate, optOut: cover.optOut };
  }
  return undefined;
}

/** NXDOMAIN proven: the name and the wildcard that could have made it are both absent. */
export function provesNoName(name: Uint8Array, nsecs: readonly Nsec[], nsec3s: readonly Nsec3[]): boolean {
  const cover = nsecs.find((n) => nsecCovers(n, name));
  if (cover !== undefined) {
    const a = commonAncestor(name, cover.owner);
    const b = commonAncestor(name, cover.next);
    const encloser = labelCount(a) >= labelCount(b) ? a : b;
    const wildcard = wildcardOf(encloser);
    return nsecs.some((n) => nsecCovers(n, wildcard) || nameKey(n.owner) === nameKey(wildcard));
  }
  const ce = closestEncloser(name, nsec3s);
  return ce !== undefined && nsec3s.some((n) => nsec3Covers(n, wildcardOf(ce.encloser)));
}

/** NODATA proven: the name exists without `type` (or a CNAME), or is an empty non-terminal. */
export function provesNoType(name: Uint8Array, type: number, nsecs: readonly Nsec[], nsec3s: readonly Nsec3[]): boolean {
  const lacks = (types: ReadonlySet<number>) => !types.has(type) && !types.has(TYPE_CNAME);
  for (const n of nsecs) {
    if (nameKey(n.owner) === nameKey(name)) return lacks(n.types);
    // An empty non-terminal: nothing at the name, something below it (RFC 4035 3.1.3.2).
    if (nsecCovers(n, name) && isWireAtOrBelow(n.next, name)) return true;
  }
  const match = nsec3s.find((n) => nsec3Matches(n, name));
  if (match !== undefined) return lacks(match.types);
  // RFC 4035 3.1.3.4: the name is absent and the wildcard that would have matched lacks the type.
  const cover = nsecs.find((n) => nsecCovers(n, name));
  if (cover !== undefined) {
    const a = commonAncestor(name, cover.owner);
    const b = commonAncestor(name, cover.next);
    const wildcard = nameKey(wildcardOf(labelCount(a) >= labelCount(b) ? a : b));
    const at = nsecs.find((n) => nameKey(n.owner) === wildcard);
    if (at !== undefined) return lacks(at.types);
  }
  const ce = closestEncloser(name, nsec3s);
  // RFC 5155 8.7: the same with NSEC3; 8.6: a DS question for a name under an opt-out span.
  const atWildcard = ce === undefined ? undefined : nsec3s.find((n) => nsec3Matches(n, wildcardOf(ce.encloser)));
  if (atWildcard !== undefined) return lacks(atWildcard.types);
  return type === TYPE_DS && ce?.optOut === true;
}

/**
 * What the records say about a DS question for `child` answered without a DS:
 * an insecure delegation (NS without DS, or opt-out), no zone cut there (the
 * name exists without NS, or does not exist), or nothing proven.
 */
export function delegationAt(child: Uint8Array, nsecs: readonly Nsec[], nsec3s: readonly Nsec3[]): 'insecure' | 'no-cut' | 'unproven' {
  const types = nsecs.find((n) => nameKey(n.owner) === nameKey(child))?.types ?? nsec3s.find((n) => nsec3Matches(n, child))?.types;
  if (types !== undefined) {
    if (types.has(TYPE_DS) || types.has(TYPE_SOA)) return 'unproven';
    return types.has(TYPE_NS) ? 'insecure' : 'no-cut';
  }
  if (provesNoType(child, TYPE_DS, nsecs, nsec3s)) return closestEncloser(child, nsec3s)?.optOut ? 'insecure' : 'no-cut';
  return provesNoName(child, nsecs, nsec3s) ? 'no-cut' : 'unproven';
}

/** RFC 4035 5.3.4, RFC 5155 8.8: an answer made from a wildcard needs proof that the next closer name does not exist. */
export function provesWildcard(owner: Uint8Array, labels: number, nsecs: readonly Nsec[], nsec3s: readonly Nsec3[]): boolean {
  if (nsecs.some((n) => nsecCovers(n, owner))) return true;
  const nextCloser = ancestor(owner, labelCount(owner) - labels - 1);
  return nsec3s.some((n) => nsec3Covers(n, nextCloser));
}
