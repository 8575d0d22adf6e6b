/**
 * The cache's fast path over the resource records of a raw message: count
 * TTLs down in place and find the TTL to cache a response for. One walk over
 * the record headers (names are skipped, not followed), no dns-packet, no
 * allocation once warm; throws DnsDecodeError on malformed bytes.
 */
import { DnsDecodeError } from './errors.js';
import { DnsRcode, DnsType } from './types.js';
import { HEADER_LENGTH, checkHeader, skipName, u16, u32, writeU32 } from './wire.js';

export type DnsSection = 'answer' | 'authority' | 'additional';

/** Seconds to subtract from every TTL, or a function giving each record's new TTL. */
export type TtlChange = number | ((ttl: number, type: number, section: DnsSection) => number);

const SECTIONS = [undefined, 'answer', 'authority', 'additional'] as const;
/** RFC 2181 8: TTLs are 0 to 2^31-1; a value with the top bit set is read as 0. */
const MAX_TTL = 0x7fffffff;

/** Where a walk found each non-OPT record: its TTL offset, type and section. */
class Walk {
  ttlOffsets: Int32Array;
  types: Uint16Array;
  sections: Uint8Array;
  newTtls: Float64Array;
  /** How many entries the last walk filled. */
  count = 0;
  constructor(capacity: number) {
    this.ttlOffsets = new Int32Array(capacity);
    this.types = new Uint16Array(capacity);
    this.sections = new Uint8Array(capacity);
    this.newTtls = new Float64Array(capacity);
  }
}

// Reused across calls so the hot path allocates nothing; a callback that
// re-enters rewriteTtls or minTtl gets a fresh one instead.
let shared = new Walk(512);
let sharedBusy = false;

/** A TTL as RFC 2181 section 8 says to read it. Pure. */
export function effectiveTtl(ttl: number): number {
  return ttl > MAX_TTL ? 0 : ttl;
}

/**
 * Rewrites, in place, the TTL of every record in the answer, authority and
 * additional sections except the EDNS0 OPT pseudo-record (whose TTL field
 * holds the extended RCODE and flags, RFC 6891 6.1.3). With a number, each TTL
 * becomes max(0, ttl - change) (ttl read per RFC 2181 8); with a function, its
 * result, clamped to 0..2^31-1. Returns the number of TTLs rewritten. Checks
 * the whole message before writing, so on DnsDecodeError nothing has changed.
 */
export function rewriteTtls(bytes: Uint8Array, change: TtlChange): number {
  const reentered = sharedBusy;
  sharedBusy = true;
  try {
    const w = walkRecords(bytes, reentered ? new Walk(512) : shared);
    const n = w.count;
    for (let i = 0; i < n; i++) {
      const ttl = u32(bytes, w.ttlOffsets[i]!);
      const next = typeof change === 'number' ? effectiveTtl(ttl) - change : change(ttl, w.types[i]!, SECTIONS[w.sections[i]!]!);
      w.newTtls[i] = next > 0 ? Math.min(Math.floor(next), MAX_TTL) : 0;
    }
    for (let i = 0; i < n; i++) writeU32(bytes, w.ttlOffsets[i]!, w.newTtls[i]!);
    return n;
  } finally {
    sharedBusy = reentered;
  }
}

/**
 * How long a response may be cached, in seconds: for a negative answer
 * (NXDOMAIN, or NOERROR with no answers: RFC 2308 1 and 5) the smallest of the
 * first authority SOA's MINIMUM and every record's TTL, or undefined when there
 * is no SOA (RFC 2308 5: do not cache it); otherwise the smallest TTL of any
 * record, undefined if there are none. OPT is never counted; TTLs are read per
 * RFC 2181 8. Whether an RCODE such as SERVFAIL is cached at all is the
 * caller's choice. Pure; throws DnsDecodeError on malformed bytes.
 */
export function minTtl(bytes: Uint8Array): number | undefined {
  const w = walkRecords(bytes, sharedBusy ? new Walk(512) : shared);
  const n = w.count;
  const rcode = bytes[3]! & 0xf;
  const negative = rcode === DnsRcode.NXDOMAIN || (rcode === DnsRcode.NOERROR && u16(bytes, 6) === 0);
  let min = Infinity;
  let soaMinimum = -1;
  for (let i = 0; i < n; i++) {
    const at = w.ttlOffsets[i]!;
    min = Math.min(min, effectiveTtl(u32(bytes, at)));
    if (negative && soaMinimum < 0 && w.types[i] === DnsType.SOA && w.sections[i] === 2) {
      soaMinimum = effectiveTtl(soaMinimumField(bytes, at + 4));
    }
  }
  if (negative) return soaMinimum < 0 ? undefined : Math.min(min, soaMinimum);
  return min === Infinity ? undefined : min;
}

/** The SOA MINIMUM field, the last of the rdata at `rd` (RFC 1035 3.3.13). */
function soaMinimumField(b: Uint8Array, rdlengthAt: number): number {
  const rd = rdlengthAt + 2;
  const rdEnd = rd + u16(b, rdlengthAt);
  const names = skipName(b, skipName(b, rd));
  if (names + 20 !== rdEnd) throw new DnsDecodeError('bad-rdata', `SOA rdata is ${rdEnd - rd} bytes; its names and five 32-bit fields take ${names + 20 - rd}`, rd);
  return u32(b, rdEnd - 4);
}

/**
 * Walks every record after the questions, checking bounds, and fills the
 * walk's arrays with each non-OPT record's TTL offset, type and section.
 * Returns the walk (a bigger one if it outgrew `w`), its `count` set.
 */
function walkRecords(b: Uint8Array, start: Walk): Walk {
  let w = start;
  checkHeader(b);
  let o = HEADER_LENGTH;
  const qd = u16(b, 4);
  for (let i = 0; i < qd; i++) {
    if (o >= b.length) throw new DnsDecodeError('count-past-end', `QDCOUNT is ${qd} but the message ends after ${i} questions`, o);
    o = skipName(b, o) + 4;
    if (o > b.length) throw new DnsDecodeError('truncated', `question ${i + 1}: type and class run past the end`, o - 4);
  }
  let n = 0;
  for (let s = 1; s < 4; s++) {
    const count = u16(b, 4 + 2 * s);
    for (let i = 0; i < count; i++) {
      if (o >= b.length) {
        throw new DnsDecodeError('count-past-end', `${SECTIONS[s]} count is ${count} but the message ends after ${i} records`, o);
      }
      const t = skipName(b, o);
      if (t + 10 > b.length) throw new DnsDecodeError('truncated', `${SECTIONS[s]} ${i + 1}: type, class, ttl and rdlength run past the end`, t);
      o = t + 10 + u16(b, t + 8);
      if (o > b.length) throw new DnsDecodeError('truncated', `${SECTIONS[s]} ${i + 1}: rdata runs past the end`, t + 8);
      const type = u16(b, t);
      if (type === DnsType.OPT) continue;
      if (n === w.ttlOffsets.length) w = grow(w, start === shared);
      w.ttlOffsets[n] = t + 4;
      w.types[n] = type;
      w.sections[n++] = s;
    }
  }
  w.count = n;
  return w;
}

function grow(w: Walk, isShared: boolean): Walk {
  const bigger = new Walk(w.ttlOffsets.length * 2);
  bigger.ttlOffsets.set(w.ttlOffsets);
  bigger.types.set(w.types);
  bigger.sections.set(w.sections);
  if (isShared) shared = bigger;
  return bigger;
}
