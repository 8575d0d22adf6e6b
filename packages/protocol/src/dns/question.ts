/**
 * The cache's fast path on raw bytes, header and question: read the id and
 * the first question, build a cache key, rewrite the id, flags and rcode, and
 * give a cached answer the case of the question being answered. No dns-packet,
 * no full decode, nothing allocated but the name strings; all bounds-checked,
 * throwing DnsDecodeError on malformed bytes.
 */
import { DnsDecodeError } from './errors.js';
import { HEADER_LENGTH, checkHeader, checkLabel, followPointer, u16, writeU16 } from './wire.js';

/** The first question of a message as the cache needs it. */
export interface DnsQuestionView {
  /** The name as in the packet, case kept; a '.' or '\' inside a label is escaped with '\'; the root is ".". */
  name: string;
  /** The name with ASCII letters lowercased (RFC 4343: DNS compares names ASCII-case-insensitively). */
  nameLower: string;
  type: number;
  class: number;
  /** The offset just past the question's QCLASS field. */
  end: number;
}

// Escaping can double a byte: 253 label bytes, dots between labels.
const nameScratch = Buffer.allocUnsafe(512);
const lowerScratch = Buffer.allocUnsafe(512);

/** The message id. Pure; throws DnsDecodeError if there is no full header. */
export function readDnsId(bytes: Uint8Array): number {
  checkHeader(bytes);
  return u16(bytes, 0);
}

/** Overwrites the message id in place. Throws DnsDecodeError without a full header, RangeError for a bad id. */
export function rewriteId(bytes: Uint8Array, id: number): void {
  checkHeader(bytes);
  if (!Number.isInteger(id) || id < 0 || id > 0xffff) throw new RangeError(`DNS id ${id} is not a 16-bit unsigned integer`);
  writeU16(bytes, 0, id);
}

/** The 16-bit header flags word (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode). Pure. */
export function readFlags(bytes: Uint8Array): number {
  checkHeader(bytes);
  return u16(bytes, 2);
}

/** Whether a DnsFlag bit (QR, AA, TC, RD, RA, AD, CD) is set. Pure. */
export function hasFlag(bytes: Uint8Array, flag: number): boolean {
  return (readFlags(bytes) & flag) !== 0;
}

/** Sets or clears a DnsFlag bit in place. */
export function setFlag(bytes: Uint8Array, flag: number, on: boolean): void {
  const flags = readFlags(bytes);
  writeU16(bytes, 2, on ? flags | flag : flags & ~flag);
}

/** The 4-bit header RCODE (without an EDNS0 extended RCODE). Pure. */
export function readRcode(bytes: Uint8Array): number {
  checkHeader(bytes);
  return bytes[3]! & 0xf;
}

/** Writes the 4-bit header RCODE in place. */
export function setRcode(bytes: Uint8Array, rcode: number): void {
  checkHeader(bytes);
  if (!Number.isInteger(rcode) || rcode < 0 || rcode > 15) throw new RangeError(`header RCODE ${rcode} is not 0-15`);
  bytes[3] = (bytes[3]! & 0xf0) | rcode;
}

/** The 4-bit OPCODE (0 is a standard query). Pure. */
export function readOpcode(bytes: Uint8Array): number {
  checkHeader(bytes);
  return (bytes[2]! >> 3) & 0xf;
}

/**
 * Reads the first question in one pass over its bytes. Pure; throws
 * DnsDecodeError if there is no question or it is malformed.
 */
export function readQuestion(bytes: Uint8Array): DnsQuestionView {
  checkHasQuestion(bytes);
  let o = HEADER_LENGTH;
  let runStart = o;
  let end = -1;
  let wire = 1;
  let n = 0;
  let lowered = false;
  for (;;) {
    if (o >= bytes.length) throw new DnsDecodeError('truncated', 'question name runs past the end', o);
    const len = bytes[o]!;
    if (len === 0) break;
    if (len >= 0xc0) {
      const target = followPointer(bytes, o, runStart);
      if (end < 0) end = o + 2;
      o = runStart = target;
      continue;
    }
    checkLabel(bytes, o, len, (wire += len + 1));
    if (n > 0) {
      nameScratch[n] = 0x2e;
      lowerScratch[n++] = 0x2e;
    }
    const last = o + len;
    for (let i = o + 1; i <= last; i++) {
      const c = bytes[i]!;
      if (c === 0x2e || c === 0x5c) {
        nameScratch[n] = 0x5c;
        lowerScratch[n++] = 0x5c;
      }
      nameScratch[n] = c;
      if (c >= 0x41 && c <= 0x5a) {
        lowerScratch[n++] = c | 0x20;
        lowered = true;
      } else {
        lowerScratch[n++] = c;
      }
    }
    o = last + 1;
  }
  if (end < 0) end = o + 1;
  if (end + 4 > bytes.length) throw new DnsDecodeError('truncated', 'question type and class run past the end', end);
  // latin1 maps each byte to one character, so distinct names stay distinct.
  const name = n === 0 ? '.' : nameScratch.toString('latin1', 0, n);
  return {
    name,
    nameLower: lowered ? lowerScratch.toString('latin1', 0, n) : name,
    type: u16(bytes, end),
    class: u16(bytes, end + 2),
    end: end + 4,
  };
}

/**
 * The cache key of a question: its type and class as two characters, then the
 * lowercased name. Distinct (name, type, class) give distinct keys. Pure.
 */
export function dnsCacheKey(question: { nameLower: string; type: number; class: number }): string {
  return String.fromCharCode(question.type, question.class) + question.nameLower;
}

/**
 * Copies the first question's name bytes from `query` into `answer` in place,
 * so the answer echoes the query's letter case (0x20 case randomisation:
 * clients check it). Returns false, changing nothing, unless both ask the same
 * question (name equal ignoring ASCII case, same type and class). Owner names
 * in `answer` that point at its question follow along. Throws DnsDecodeError
 * if either question is malformed. Copy a cached answer before calling this:
 * it writes into `answer`.
 */
export function copyQuestionCase(answer: Uint8Array, query: Uint8Array): boolean {
  checkHasQuestion(answer);
  checkHasQuestion(query);
  // The first name starts right after the header, so it cannot be compressed:
  // a pointer there could only go into the header or loop (followPointer throws).
  let o = HEADER_LENGTH;
  let wire = 1;
  for (;;) {
    checkInlineLabel(answer, o, wire);
    const len = checkInlineLabel(query, o, wire);
    if (answer[o] !== len) return false;
    if (len === 0) break;
    wire += len + 1;
    for (let i = o + 1; i <= o + len; i++) {
      const a = answer[i]!;
      const q = query[i]!;
      if (a !== q && ((a | 0x20) !== (q | 0x20) || (q | 0x20) < 0x61 || (q | 0x20) > 0x7a)) return false;
    }
    o += len + 1;
  }
  const fixed = o + 1;
  checkFixed(answer, fixed);
  checkFixed(query, fixed);
  if (u16(answer, fixed) !== u16(query, fixed) || u16(answer, fixed + 2) !== u16(query, fixed + 2)) return false;
  for (let i = HEADER_LENGTH + 1; i < o; i++) answer[i] = query[i]!;
  return true;
}

function checkHasQuestion(b: Uint8Array): void {
  checkHeader(b);
  if (u16(b, 4) === 0) throw new DnsDecodeError('no-question', 'QDCOUNT is 0', 4);
}

/** Checks the length byte at `o` of an uncompressed first name and returns it. */
function checkInlineLabel(b: Uint8Array, o: number, wire: number): number {
  if (o >= b.length) throw new DnsDecodeError('truncated', 'question name runs past the end', o);
  const len = b[o]!;
  if (len >= 0xc0) followPointer(b, o, HEADER_LENGTH);
  else if (len > 0) checkLabel(b, o, len, wire + len + 1);
  return len;
}

function checkFixed(b: Uint8Array, at: number): void {
  if (at + 4 > b.length) throw new DnsDecodeError('truncated', 'question type and class run past the end', at);
}
