/**
 * IPv6 addresses as unsigned 128-bit bigints (first byte in the high bits),
 * for arithmetic and comparison: pools, EUI-64 addresses, containment.
 * Events and JSON carry them as RFC 5952 text (`formatIpv6`, one spelling per
 * address, so text compares and keys like the number): msgpack has no
 * 128-bit integer, and a subject token or a log line wants the text anyway.
 */
import { InvalidIpv6Error } from './errors.js';

/** An IPv6 address: an integer in 0..2^128-1, first byte in the high bits. */
export type Ipv6 = bigint;

export const IPV6_MAX: Ipv6 = (1n << 128n) - 1n;

/** True when `value` is a bigint in 0..2^128-1. Pure. */
export function isIpv6(value: unknown): value is Ipv6 {
  return typeof value === 'bigint' && value >= 0n && value <= IPV6_MAX;
}

const hexGroup = /^[0-9a-fA-F]{1,4}$/;
const dottedQuad = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** The 16-bit groups of one side of a `::` (or of the whole address), or undefined. */
function groupsOf(text: string, allowQuad: boolean): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (allowQuad && i === parts.length - 1 && part.includes('.')) {
      // RFC 4291 2.2 form 3: the last 32 bits as a dotted quad (::ffff:198.18.0.1).
      const m = dottedQuad.exec(part);
      if (!m) return undefined;
      out.push(Number(m[1]) * 256 + Number(m[2]), Number(m[3]) * 256 + Number(m[4]));
    } else {
      if (!hexGroup.test(part)) return undefined;
      out.push(parseInt(part, 16));
    }
  }
  return out;
}

/**
 * Parses the text forms of RFC 4291 section 2.2: eight hex groups, one `::`
 * for a run of zero groups, and an optional trailing dotted quad. No zone
 * (`%eth0`), no brackets, no spaces. Returns undefined for anything else. Pure.
 */
export function tryParseIpv6(text: string): Ipv6 | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  const gap = text.indexOf('::');
  let groups: number[];
  if (gap < 0) {
    const all = groupsOf(text, true);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  } else {
    if (text.indexOf('::', gap + 1) >= 0) return undefined;
    const head = groupsOf(text.slice(0, gap), false);
    const tail = groupsOf(text.slice(gap + 2), true);
    // `::` stands for at least one zero group (RFC 4291 2.2 form 2).
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return value;
}

/** Like `tryParseIpv6` but throws `InvalidIpv6Error` naming the text. Pure. */
export function parseIpv6(text: string): Ipv6 {
  const value = tryParseIpv6(text);
  if (value === undefined) throw new InvalidIpv6Error(text, 'not an IPv6 address');
  return value;
}

/**
 * RFC 5952 text: lower-case hex without leading zeros, the longest run of
 * two or more zero groups (the first of equal runs) as `::`. Always hex
 * groups, also for IPv4-mapped addresses, so one address has one text. Pure.
 */
export function formatIpv6(address: Ipv6): string {
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((address >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1; // a single zero group is never shortened (RFC 5952 4.2.2)
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/** The RFC 5952 text of `text` when it is an IPv6 address, else undefined. Pure. */
export function canonicalIpv6(text: string): string | undefined {
  const value = tryParseIpv6(text);
  return value === undefined ? undefined : formatIpv6(value);
}

/** Orders addresses numerically (negative, zero, positive), for `Array.prototype.sort`. Pure. */
export function compareIpv6(a: Ipv6, b: Ipv6): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The sixteen bytes at `offset` (first byte first, as on the wire) as an address. Pure. */
export function ipv6FromBytes(bytes: Uint8Array, offset = 0): Ipv6 {
  let v = 0n;
  for (let i = 0; i < 16; i++) v = (v << 8n) | BigInt(bytes[offset + i]!);
  return v;
}

/** The address as sixteen bytes, first byte first (a DNS AAAA record's data). Pure. */
export function ipv6ToBytes(address: Ipv6): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 15, v = address; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}
