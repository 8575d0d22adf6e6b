/**
 * The wire view DNSSEC needs: every record of a message with its owner and
 * the names inside its rdata decompressed, byte for byte (RFC 4034 6.2's
 * canonical form is defined on wire bytes, and a name's text form loses
 * escaped label bytes), plus wire-name helpers: lowercasing, label counts,
 * ancestry and RFC 4034 6.1's canonical order. Pure functions; malformed
 * input throws WireError, which validation turns into "bogus".
 */

export class WireError extends Error {}

export const TYPE_NS = 2;
export const TYPE_CNAME = 5;
export const TYPE_SOA = 6;
export const TYPE_DS = 43;
export const TYPE_RRSIG = 46;
export const TYPE_NSEC = 47;
export const TYPE_DNSKEY = 48;
export const TYPE_NSEC3 = 50;
const TYPE_OPT = 41;

/** One record, names decompressed (case as sent). */
export interface WireRecord {
  /** 1 answer, 2 authority, 3 additional. */
  readonly section: 1 | 2 | 3;
  readonly owner: Uint8Array;
  readonly type: number;
  readonly klass: number;
  readonly ttl: number;
  readonly rdata: Uint8Array;
  /** Where it starts in the message it was read from, and where its TYPE field is (-1 for a record made here). */
  readonly at: number;
  readonly typeAt: number;
}

export interface WireMessage {
  readonly rcode: number;
  /** Where the question ends: the header and question are bytes [0, questionEnd). */
  readonly questionEnd: number;
  readonly records: WireRecord[];
}

/**
 * Where the names are in rdata of the types that hold some: `skip` fixed
 * bytes, then `names` names, then the rest as is. The RFC 1035 types may be
 * compressed (RFC 3597 4); the others are listed because RFC 4034 6.2
 * lowercases their names in canonical form (SRV, DNAME, RRSIG's signer...).
 */
const NAME_LAYOUT: ReadonlyMap<number, { readonly skip: number; readonly names: number }> = new Map([
  ...[2, 3, 4, 5, 7, 8, 9, 12, 39].map((t) => [t, { skip: 0, names: 1 }] as const),
  ...[15, 18, 21, 36].map((t) => [t, { skip: 2, names: 1 }] as const),
  [6, { skip: 0, names: 2 }],
  [14, { skip: 0, names: 2 }],
  [17, { skip: 0, names: 2 }],
  [33, { skip: 6, names: 1 }],
  [TYPE_RRSIG, { skip: 18, names: 1 }],
  [TYPE_NSEC, { skip: 0, names: 1 }],
]);

/** The name layout of a type's rdata, if it holds names. */
export function nameLayout(type: number): { readonly skip: number; readonly names: number } | undefined {
  return NAME_LAYOUT.get(type);
}

const u16 = (b: Uint8Array, o: number): number => {
  if (o + 2 > b.length) throw new WireError('message ends inside a field');
  return (b[o]! << 8) | b[o + 1]!;
};
const u32 = (b: Uint8Array, o: number): number => u16(b, o) * 0x10000 + u16(b, o + 2);

/** Reads the name at `start`, following compression pointers (backwards only, so no loop). */
export function readName(b: Uint8Array, start: number): { name: Uint8Array; end: number } {
  const out: number[] = [];
  let o = start;
  let end = -1;
  let floor = start;
  for (;;) {
    if (o >= b.length) throw new WireError('name runs past the end');
    const len = b[o]!;
    if ((len & 0xc0) === 0xc0) {
      const target = ((len & 0x3f) << 8) | (b[o + 1] ?? 0xff);
      if (o + 1 >= b.length || target >= floor) throw new WireError('bad compression pointer');
      if (end < 0) end = o + 2;
      floor = target;
      o = target;
      continue;
    }
    if (len > 63) throw new WireError('bad label length');
    if (o + 1 + len > b.length) throw new WireError('label runs past the end');
    for (let i = 0; i <= len; i++) out.push(b[o + i]!);
    if (out.length > 255) throw new WireError('name over 255 bytes');
    if (len === 0) return { name: Uint8Array.from(out), end: end < 0 ? o + 1 : end };
    o += len + 1;
  }
}

/** The rdata at [rd, rdEnd) with its names decompressed. */
function expandRdata(b: Uint8Array, type: number, rd: number, rdEnd: number): Uint8Array {
  const layout = NAME_LAYOUT.get(type);
  if (layout === undefined) return b.slice(rd, rdEnd);
  if (rd + layout.skip > rdEnd) throw new WireError('rdata too short');
  const parts: Uint8Array[] = [b.subarray(rd, rd + layout.skip)];
  let o = rd + layout.skip;
  for (let i = 0; i < layout.names; i++) {
    const { name, end } = readName(b, o);
    if (end > rdEnd) throw new WireError('name runs past its rdata');
    parts.push(name);
    o = end;
  }
  parts.push(b.subarray(o, rdEnd));
  return concat(parts);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Every record of a message (one question expected), names decompressed. Throws WireError. */
export function readMessage(b: Uint8Array): WireMessage {
  if (b.length < 12) throw new WireError('no header');
  const qd = u16(b, 4);
  const counts = [u16(b, 6), u16(b, 8), u16(b, 10)];
  let o = 12;
  for (let i = 0; i < qd; i++) o = readName(b, o).end + 4;
  if (o > b.length) throw new WireError('question runs past the end');
  const questionEnd = o;
  const records: WireRecord[] = [];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s]!; i++) {
      const { name, end } = readName(b, o);
      const type = u16(b, end);
      const rdEnd = end + 10 + u16(b, end + 8);
      if (rdEnd > b.length) throw new WireError('rdata runs past the end');
      const rdata = type === TYPE_OPT ? b.slice(end + 10, rdEnd) : expandRdata(b, type, end + 10, rdEnd);
      records.push({ section: (s + 1) as 1 | 2 | 3, owner: name, type, klass: u16(b, end + 2), ttl: u32(b, end + 4), rdata, at: o, typeAt: end });
      o = rdEnd;
    }
  }
  return { rcode: b[3]! & 0xf, questionEnd, records };
}

/** A message from a header and question (bytes [0, questionEnd) of `from`) and these records, uncompressed. */
export function writeMessage(from: Uint8Array, questionEnd: number, records: readonly WireRecord[]): Uint8Array {
  const parts: Uint8Array[] = [from.slice(0, questionEnd)];
  const counts = [0, 0, 0];
  for (const r of records) {
    counts[r.section - 1]!++;
    const fixed = new Uint8Array(10);
    const view = new DataView(fixed.buffer);
    view.setUint16(0, r.type);
    view.setUint16(2, r.klass);
    view.setUint32(4, r.ttl);
    view.setUint16(8, r.rdata.length);
    parts.push(r.owner, fixed, r.rdata);
  }
  const out = concat(parts);
  for (let s = 0; s < 3; s++) {
    out[6 + 2 * s] = counts[s]! >> 8;
    out[7 + 2 * s] = counts[s]! & 0xff;
  }
  return out;
}

/** A copy with ASCII capitals lowercased (RFC 4034 6.2: only US-ASCII letters). */
export function lowerName(name: Uint8Array): Uint8Array {
  const out = Uint8Array.from(name);
  for (let i = 0; i < out.length; ) {
    const len = out[i]!;
    for (let j = i + 1; j <= i + len; j++) if (out[j]! >= 0x41 && out[j]! <= 0x5a) out[j]! += 0x20;
    i += len + 1;
  }
  return out;
}

/** The start offset of each label (the root's zero byte excluded). */
function labelOffsets(name: Uint8Array): number[] {
  const offsets: number[] = [];
  for (let i = 0; name[i]! !== 0; i += name[i]! + 1) offsets.push(i);
  return offsets;
}

/** Labels, the root not counted (RRSIG's Labels field counts the same way, less a leading '*'). */
export function labelCount(name: Uint8Array): number {
  return labelOffsets(name).length;
}

/** The name less its first `n` labels. */
export function ancestor(name: Uint8Array, n: number): Uint8Array {
  const offsets = labelOffsets(name);
  return name.subarray(n >= offsets.length ? name.length - 1 : offsets[n]!);
}

/** A case-insensitive key for maps. */
export function nameKey(name: Uint8Array): string {
  return Buffer.from(lowerName(name)).toString('latin1');
}

/** Whether `name` is `zone` or below it, case-insensitively. */
export function isWireAtOrBelow(name: Uint8Array, zone: Uint8Array): boolean {
  const extra = labelCount(name) - labelCount(zone);
  return extra >= 0 && nameKey(ancestor(name, extra)) === nameKey(zone);
}

/** RFC 4034 6.1: labels compared right to left, each as lowercased bytes. Negative, zero or positive. */
export function compareNames(a: Uint8Array, b: Uint8Array): number {
  const la = lowerName(a);
  const lb = lowerName(b);
  const oa = labelOffsets(la).reverse();
  const ob = labelOffsets(lb).reverse();
  for (let i = 0; i < Math.min(oa.length, ob.length); i++) {
    const x = la.subarray(oa[i]! + 1, oa[i]! + 1 + la[oa[i]!]!);
    const y = lb.subarray(ob[i]! + 1, ob[i]! + 1 + lb[ob[i]!]!);
    const c = Buffer.compare(x, y);
    if (c !== 0) return c;
  }
  return oa.length - ob.length;
}

/** A plain name's wire form ("" or "." is the root); labels as written, no escapes. */
export function nameFromText(text: string): Uint8Array {
  const labels = text.replace(/\.$/, '').split('.').filter((l) => l !== '');
  return concat([...labels.map((l) => Uint8Array.of(l.length, ...Buffer.from(l, 'latin1'))), Uint8Array.of(0)]);
}

/** The text of a wire name, for logs and tests ("." for the root). */
export function nameText(name: Uint8Array): string {
  const labels: string[] = [];
  for (let i = 0; name[i]! !== 0; i += name[i]! + 1) labels.push(Buffer.from(name.subarray(i + 1, i + 1 + name[i]!)).toString('latin1'));
  return labels.length === 0 ? '.' : labels.join('.');
}
