/**
 * The validating pre-scan that runs before dns-packet sees a message. It walks
 * the whole structure once and rejects, with a DnsDecodeError naming the place,
 * everything dns-packet would misread, loop on, or throw an untyped error for:
 * compression loops and forward pointers, labels over 63 and names over 255
 * bytes, counts past the end, rdata that runs past the end or does not match
 * its type's layout, and EDNS0 OPT records that break RFC 6891 6.1.1.
 */
import { DnsDecodeError } from './errors.js';
import { DnsType } from './types.js';
import { HEADER_LENGTH, LABELS_MAILBOX, LABELS_TEXT, checkHeader, scanName, u16 } from './wire.js';

/** Where decodeDns finds the fixed fields of each entry. */
export interface DnsLayout {
  /** Section counts: questions, answers, authorities, additionals. */
  counts: [number, number, number, number];
  /** Offset of the TYPE field of every question, then of every record, in message order. */
  fields: number[];
  /** Whether some record has a type without typed data. */
  hasUnknown: boolean;
}

const TYPED: ReadonlySet<number> = new Set(Object.values(DnsType));

/**
 * Whether decodeDns gives typed data for a record of this type and class.
 * A and AAAA rdata are defined for class IN only (RFC 1035 3.4.1, RFC 3596 2.2:
 * Chaosnet A records, say, are laid out differently), so in other classes they
 * are kept raw; the other typed types have one layout in every class. Pure.
 */
export function isTypedRecord(type: number, klass: number): boolean {
  return TYPED.has(type) && (klass === 1 || (type !== DnsType.A && type !== DnsType.AAAA));
}

const SECTIONS = ['question', 'answer', 'authority', 'additional'] as const;
const COUNTS = ['QDCOUNT', 'ANCOUNT', 'NSCOUNT', 'ARCOUNT'] as const;

interface ScanState {
  layout: DnsLayout;
  sawOpt: boolean;
}

/**
 * Checks that `b` is a whole, well-formed DNS message that decodeDns can read
 * without loss, and returns where its fields are. Pure; throws DnsDecodeError.
 */
export function scanDns(b: Uint8Array): DnsLayout {
  checkHeader(b);
  const counts: DnsLayout['counts'] = [u16(b, 4), u16(b, 6), u16(b, 8), u16(b, 10)];
  const state: ScanState = { layout: { counts, fields: [], hasUnknown: false }, sawOpt: false };
  let o = HEADER_LENGTH;
  for (let s = 0; s < 4; s++) {
    const n = counts[s]!;
    for (let i = 0; i < n; i++) {
      if (o >= b.length) {
        throw new DnsDecodeError('count-past-end', `${COUNTS[s]} is ${n} but the message ends after ${i} ${SECTIONS[s]} entries`, o);
      }
      try {
        o = s === 0 ? scanQuestion(b, o, state) : scanRecord(b, o, s, state);
      } catch (error) {
        throw withContext(error, `${SECTIONS[s]} ${i + 1} of ${n}`);
      }
    }
  }
  return state.layout;
}

function scanQuestion(b: Uint8Array, start: number, state: ScanState): number {
  const t = scanName(b, start, LABELS_TEXT);
  if (t + 4 > b.length) throw new DnsDecodeError('truncated', 'type and class run past the end', t);
  state.layout.fields.push(t);
  return t + 4;
}

function scanRecord(b: Uint8Array, start: number, section: number, state: ScanState): number {
  const t = scanName(b, start, LABELS_TEXT);
  if (t + 10 > b.length) throw new DnsDecodeError('truncated', 'type, class, ttl and rdlength run past the end', t);
  const type = u16(b, t);
  const rd = t + 10;
  const rdEnd = rd + u16(b, t + 8);
  if (rdEnd > b.length) throw new DnsDecodeError('truncated', `rdata of ${rdEnd - rd} bytes runs past the end`, t + 8);
  state.layout.fields.push(t);
  switch (isTypedRecord(type, u16(b, t + 2)) ? type : -1) {
    case DnsType.A:
      return fixedLength(rd, rdEnd, 4, 'A');
    case DnsType.AAAA:
      return fixedLength(rd, rdEnd, 16, 'AAAA');
    case DnsType.NS:
    case DnsType.CNAME:
    case DnsType.PTR:
      return nameFills(b, rd, rdEnd);
    case DnsType.MX:
      return nameFills(b, minLength(rd, rdEnd, 3, 'MX') + 2, rdEnd);
    case DnsType.SRV:
      return nameFills(b, minLength(rd, rdEnd, 7, 'SRV') + 6, rdEnd);
    case DnsType.SOA:
      return scanSoa(b, rd, rdEnd);
    case DnsType.TXT:
      return scanTxt(b, rd, rdEnd);
    case DnsType.OPT:
      return scanOpt(b, start, section, rd, rdEnd, state);
    default:
      state.layout.hasUnknown = true;
      return rdEnd;
  }
}

function fixedLength(rd: number, rdEnd: number, want: number, type: string): number {
  if (rdEnd - rd !== want) throw new DnsDecodeError('bad-rdata', `${type} rdata is ${rdEnd - rd} bytes, not ${want}`, rd - 2);
  return rdEnd;
}

function minLength(rd: number, rdEnd: number, want: number, type: string): number {
  if (rdEnd - rd < want) throw new DnsDecodeError('bad-rdata', `${type} rdata is ${rdEnd - rd} bytes, under ${want}`, rd - 2);
  return rd;
}

/** A name that must end exactly where the rdata ends (the rdata's last field). */
function nameFills(b: Uint8Array, at: number, rdEnd: number): number {
  const end = scanName(b, at, LABELS_TEXT);
  if (end !== rdEnd) throw new DnsDecodeError('bad-rdata', `name in rdata ends at ${end} but rdata ends at ${rdEnd}`, at);
  return rdEnd;
}

function scanSoa(b: Uint8Array, rd: number, rdEnd: number): number {
  const m = scanName(b, rd, LABELS_TEXT);
  if (m >= rdEnd) throw new DnsDecodeError('bad-rdata', 'SOA MNAME fills the rdata', rd);
  const r = scanName(b, m, LABELS_MAILBOX);
  if (r + 20 !== rdEnd) {
    throw new DnsDecodeError('bad-rdata', `SOA rdata is ${rdEnd - rd} bytes; its names and five 32-bit fields take ${r + 20 - rd}`, rd);
  }
  return rdEnd;
}

/** RFC 1035 3.3.14: character-strings, each a length byte and that many bytes, filling the rdata. */
function scanTxt(b: Uint8Array, rd: number, rdEnd: number): number {
  let p = rd;
  while (p < rdEnd) {
    const next = p + 1 + b[p]!;
    if (next > rdEnd) throw new DnsDecodeError('bad-rdata', `TXT string of ${b[p]} bytes runs past the rdata`, p);
    p = next;
  }
  return rdEnd;
}

/**
 * RFC 6891 6.1.1: at most one OPT, in the additional section, owned by the
 * root; options are {code, length, data} filling the rdata. Three options
 * that dns-packet parses get their RFC minimum shapes checked, because
 * dns-packet reads them past their end: client subnet (RFC 7871 6: at least
 * 4 bytes), TCP keepalive (RFC 7828 3.1: 0 or 2 bytes), key tag (RFC 8145
 * 4.1: pairs of bytes).
 */
function scanOpt(b: Uint8Array, start: number, section: number, rd: number, rdEnd: number, state: ScanState): number {
  if (section !== 3) throw new DnsDecodeError('bad-opt', 'OPT record outside the additional section', start);
  if (state.sawOpt) throw new DnsDecodeError('bad-opt', 'second OPT record', start);
  if (b[start] !== 0) throw new DnsDecodeError('bad-opt', 'OPT owner name is not the root', start);
  state.sawOpt = true;
  let p = rd;
  while (p < rdEnd) {
    if (p + 4 > rdEnd) throw new DnsDecodeError('bad-opt', 'option header runs past the rdata', p);
    const code = u16(b, p);
    const len = u16(b, p + 2);
    if (p + 4 + len > rdEnd) throw new DnsDecodeError('bad-opt', `option ${code} of ${len} bytes runs past the rdata`, p);
    if ((code === 8 && len < 4) || (code === 11 && len !== 0 && len !== 2) || (code === 14 && len % 2 !== 0)) {
      throw new DnsDecodeError('bad-opt', `option ${code} has a malformed length ${len}`, p);
    }
    p += 4 + len;
  }
  return rdEnd;
}

function withContext(error: unknown, where: string): unknown {
  if (!(error instanceof DnsDecodeError)) return error;
  return new DnsDecodeError(error.kind, `${where}: ${error.reason}`, error.offset);
}
