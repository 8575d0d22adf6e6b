/**
 * Bounds-checked primitives over raw DNS bytes, shared by the pre-scan that
 * guards decodeDns and by the cache's fast path. They never allocate on the
 * success path; every failure is a DnsDecodeError with the offending offset.
 */
import { DnsDecodeError } from './errors.js';

export const HEADER_LENGTH = 12;
/** RFC 1035 2.3.4: labels of at most 63 bytes, names of at most 255 bytes in wire form. */
export const MAX_LABEL = 63;
export const MAX_NAME = 255;

/** Which bytes a label may hold: any (fast path), text (decodeDns), or text in a mailbox (SOA RNAME). */
export const LABELS_ANY = 0;
export const LABELS_TEXT = 1;
export const LABELS_MAILBOX = 2;
export type LabelCheck = typeof LABELS_ANY | typeof LABELS_TEXT | typeof LABELS_MAILBOX;

/** Unsigned 16-bit big-endian read; the caller has checked `o + 2 <= b.length`. */
export function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

/** Unsigned 32-bit big-endian read; the caller has checked `o + 4 <= b.length`. */
export function u32(b: Uint8Array, o: number): number {
  return b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}

export function writeU16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v & 0xff;
}

export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/** Throws unless `b` holds a full 12-byte header. */
export function checkHeader(b: Uint8Array): void {
  if (b.length < HEADER_LENGTH) {
    throw new DnsDecodeError('truncated', `header needs 12 bytes, message has ${b.length}`, b.length);
  }
}

/**
 * Walks the name at `start`, following compression pointers, and returns the
 * offset just past its in-place part. Checks every bound, label lengths, the
 * 255-byte limit and that each pointer goes strictly back, before the labels
 * it continues (RFC 1035 4.1.4: "a prior occurrence"), which rules out loops.
 */
export function scanName(b: Uint8Array, start: number, check: LabelCheck): number {
  let o = start;
  let runStart = start;
  let end = -1;
  let wire = 1;
  let label = 0;
  for (;;) {
    if (o >= b.length) throw new DnsDecodeError('truncated', 'name runs past the end', o);
    const len = b[o]!;
    if (len === 0) return end < 0 ? o + 1 : end;
    if (len >= 0xc0) {
      const target = followPointer(b, o, runStart);
      if (end < 0) end = o + 2;
      o = runStart = target;
      continue;
    }
    checkLabel(b, o, len, (wire += len + 1));
    if (check !== LABELS_ANY) checkLabelText(b, o, len, check === LABELS_MAILBOX && label === 0);
    label++;
    o += len + 1;
  }
}

/**
 * Returns the offset just past the name at `start` without following its
 * pointer: enough to find the next field. Checks the labels it passes and
 * that a pointer goes back into the message body.
 */
export function skipName(b: Uint8Array, start: number): number {
  let o = start;
  let wire = 1;
  for (;;) {
    if (o >= b.length) throw new DnsDecodeError('truncated', 'name runs past the end', o);
    const len = b[o]!;
    if (len === 0) return o + 1;
    if (len >= 0xc0) {
      followPointer(b, o, o);
      return o + 2;
    }
    checkLabel(b, o, len, (wire += len + 1));
    o += len + 1;
  }
}

/** Checks the pointer at `o` (whose name run began at `runStart`) and returns its target. */
export function followPointer(b: Uint8Array, o: number, runStart: number): number {
  if (o + 1 >= b.length) throw new DnsDecodeError('truncated', 'compression pointer runs past the end', o);
  const target = ((b[o]! & 0x3f) << 8) | b[o + 1]!;
  if (target >= b.length) {
    throw new DnsDecodeError('bad-pointer', `compression pointer to ${target} is past the end (${b.length} bytes)`, o);
  }
  if (target > o) throw new DnsDecodeError('bad-pointer', `compression pointer to ${target} points forward`, o);
  if (target >= runStart) {
    throw new DnsDecodeError('compression-loop', `compression pointer to ${target} leads back into the name being read`, o);
  }
  if (target < HEADER_LENGTH) {
    throw new DnsDecodeError('bad-pointer', `compression pointer to ${target} points into the header`, o);
  }
  return target;
}

/** Checks the label whose length byte `len` sits at `o`; `wire` is the name's wire length so far. */
export function checkLabel(b: Uint8Array, o: number, len: number, wire: number): void {
  if (len > MAX_LABEL) {
    throw new DnsDecodeError('label-too-long', `label length byte 0x${len.toString(16)} is over 63 (0x40-0xbf are reserved label types)`, o);
  }
  if (o + 1 + len > b.length) throw new DnsDecodeError('truncated', `label of ${len} bytes runs past the end`, o);
  if (wire > MAX_NAME) throw new DnsDecodeError('name-too-long', `name reaches ${wire} bytes, over 255`, o);
}

/**
 * The bytes decodeDns accepts in labels: printable ASCII without '.' and '\'.
 * Other bytes are legal DNS (RFC 2181 11) but dns-packet turns labels into
 * UTF-8 strings joined by dots, which would lose or merge them. In a mailbox's
 * first label a dot is allowed inside (not at its ends: dns-packet's `\.`
 * mailbox form cannot write a label that starts or ends with a dot).
 */
function checkLabelText(b: Uint8Array, o: number, len: number, mailboxFirst: boolean): void {
  const last = o + len;
  for (let i = o + 1; i <= last; i++) {
    const c = b[i]!;
    if (c >= 0x20 && c < 0x7f && c !== 0x5c && (c !== 0x2e || (mailboxFirst && i !== o + 1 && i !== last))) continue;
    throw new DnsDecodeError(
      'unsupported-name',
      `label byte 0x${c.toString(16).padStart(2, '0')} has no text form here (names are printable ASCII without '.' or '\\')`,
      i,
    );
  }
}
