/**
 * Replies the cache builds itself: error replies and truncated replies on the
 * raw query bytes (they must work even when the question cannot be decoded),
 * and authoritative answers from local records through the protocol codec.
 */
import { compressDns, decodeDns, DnsFlag, DnsRcode, encodeDns, type DnsMessage, type DnsOptRecord, type DnsRecord } from '@leasehold/protocol';

/** What a query said about EDNS0 (RFC 6891): the payload size it accepts and the DO bit. */
export interface QueryEdns {
  readonly udpSize: number;
  readonly dnssecOk: boolean;
}

const OPT = 41;
/** RFC 1035 4.2.1: without EDNS0 a UDP message is at most 512 bytes. */
export const CLASSIC_UDP_SIZE = 512;

const u16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;

/**
 * The query's OPT record, if any. The usual layout (one question, then the OPT
 * as the only additional) is read in place; anything else goes through
 * decodeDns. Pure; undefined when there is no OPT or the message is malformed.
 */
export function readQueryEdns(query: Uint8Array, questionEnd: number): QueryEdns | undefined {
  if (u16(query, 10) === 0) return undefined;
  if (u16(query, 6) === 0 && u16(query, 8) === 0 && u16(query, 10) === 1 && query[questionEnd] === 0 && u16(query, questionEnd + 1) === OPT && questionEnd + 11 <= query.length) {
    return { udpSize: u16(query, questionEnd + 3), dnssecOk: (query[questionEnd + 7]! & 0x80) !== 0 };
  }
  try {
    const opt = decodeDns(query).additionals.find((r) => r.type === 'OPT');
    return opt?.type === 'OPT' ? { udpSize: opt.udpPayloadSize, dnssecOk: opt.dnssecOk } : undefined;
  } catch {
    return undefined;
  }
}

/** What this cache advertises in its own OPT records unless told (edns-packet-max's default). */
export const DEFAULT_EDNS_PACKET_MAX = 1232;

/**
 * The largest UDP reply to send a client: its EDNS0 payload size, never below
 * 512 (RFC 6891 6.2.3, 6.2.5) and never above `max` (edns-packet-max: a
 * client advertising 64 KB must not turn a small query into a huge reply);
 * 512 without EDNS0 (RFC 1035 4.2.1). Pure.
 */
export function udpLimit(edns: QueryEdns | undefined, max = Number.POSITIVE_INFINITY): number {
  return edns === undefined ? CLASSIC_UDP_SIZE : Math.max(CLASSIC_UDP_SIZE, Math.min(edns.udpSize, max));
}

/** A minimal OPT record advertising our payload size (RFC 6891 6.1.2), no options. */
function optBytes(udpSize: number): Uint8Array {
  return Uint8Array.of(0, 0, OPT, udpSize >> 8, udpSize & 0xff, 0, 0, 0, 0, 0, 0);
}

/**
 * A reply with only the header and, if it could be read, the question: QR
 * set, the query's id, opcode and RD kept, RA set, the given RCODE; an OPT
 * record when the query had one. For FORMERR without a question, pass
 * questionEnd = 12. Pure; the query must have a full 12-byte header.
 */
export function headerReply(query: Uint8Array, rcode: number, questionEnd: number, edns: QueryEdns | undefined, advertise = DEFAULT_EDNS_PACKET_MAX): Uint8Array {
  const opt = edns === undefined ? undefined : optBytes(advertise);
  const out = Buffer.alloc(questionEnd + (opt?.length ?? 0));
  out.set(query.subarray(0, questionEnd));
  // Keep OPCODE and RD (0x79); QR is 0x80 of byte 2, RA 0x80 of byte 3.
  out[2] = 0x80 | (query[2]! & 0x79);
  out[3] = 0x80 | (rcode & 0xf);
  out.writeUInt16BE(questionEnd > 12 ? 1 : 0, 4);
  out.writeUInt32BE(0, 6);
  out.writeUInt16BE(opt ? 1 : 0, 10);
  if (opt) out.set(opt, questionEnd);
  return out;
}

/**
 * The reply to send a UDP client whose limit `answer` exceeds: its header and
 * question only, with TC set, so the client retries over TCP (RFC 1035 4.2.1,
 * RFC 2181 9). Pure.
 */
export function truncatedReply(answer: Uint8Array, questionEnd: number, edns: QueryEdns | undefined, advertise = DEFAULT_EDNS_PACKET_MAX): Uint8Array {
  const out = headerReply(answer, answer[3]! & 0xf, questionEnd, edns, advertise);
  out[2] = answer[2]! | (DnsFlag.TC >> 8);
  out[3] = answer[3]!;
  return out;
}

/** What local data says about a question. */
export type LocalAnswer =
  | { readonly kind: 'records'; readonly records: readonly LocalRecord[] }
  /** The name exists locally but has no data of this type (NOERROR, no answers). */
  | { readonly kind: 'nodata' }
  /** `authoritative: false`: without AA, as dnsmasq 2.90 answers address=/domain/ (with no address). */
  | { readonly kind: 'nxdomain'; readonly authoritative?: false };

type DataRecord = Exclude<DnsRecord, DnsOptRecord>;

/**
 * One record of a local answer: the codec's record without owner, class and
 * TTL, which the reply fills in (the question's name and class, local-ttl);
 * `name` owns records past a CNAME, `ttl` is a record's own (host-record, cname).
 */
export type LocalRecord = DataRecord extends infer R
  ? R extends DataRecord
    ? Omit<R, 'name' | 'class' | 'ttl'> & { readonly name?: string; readonly ttl?: number | undefined }
    : never
  : never;

/**
 * An authoritative answer (AA set) from local data: the question as asked
 * (its case kept), the records owned by the question's name with `ttl`
 * unless a record brings its own. Pure.
 */
export function localReply(
  query: Uint8Array,
  question: { name: string; type: number; class: number },
  answer: LocalAnswer,
  ttl: number,
  edns: QueryEdns | undefined,
  advertise = DEFAULT_EDNS_PACKET_MAX,
): Uint8Array {
  const flags = query[2]!;
  const records: DnsRecord[] =
    answer.kind === 'records'
      ? answer.records.map((r) => ({ ...r, name: r.name ?? question.name, class: question.class, ttl: r.ttl ?? ttl }) as DnsRecord)
      : [];
  const message: DnsMessage = {
    id: u16(query, 0),
    qr: true,
    opcode: (flags >> 3) & 0xf,
    aa: answer.kind !== 'nxdomain' || answer.authoritative !== false,
    tc: false,
    rd: (flags & 1) !== 0,
    ra: true,
    z: false,
    ad: false,
    cd: false,
    rcode: answer.kind === 'nxdomain' ? 3 : 0,
    questions: [question],
    answers: records,
    authorities: [],
    additionals: edns === undefined ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: advertise, extendedRcode: 0, version: 0, dnssecOk: false, z: 0, options: [] }],
  };
  return compressDns(encodeDns(message));
}

/** RFC 8482 4.2: the synthesised record's TTL (a long one, so resolvers keep it). */
const MINIMAL_ANY_TTL = 3600;
/** HINFO (type 13) with CPU "RFC8482" and an empty OS. */
const HINFO_RFC8482 = Uint8Array.of(7, 0x52, 0x46, 0x43, 0x38, 0x34, 0x38, 0x32, 0);

/**
 * The RFC 8482 answer to an ANY question: the question as asked and one
 * HINFO "RFC8482" record owned by the question's name (a compression pointer
 * to it), NOERROR, not authoritative; an OPT when the query had one. It is no
 * larger than the query plus 30 bytes, so ANY cannot amplify. Pure; the query
 * must have a readable question ending at `questionEnd`.
 */
export function minimalAnyReply(query: Uint8Array, questionEnd: number, edns: QueryEdns | undefined, advertise = DEFAULT_EDNS_PACKET_MAX): Uint8Array {
  const opt = edns === undefined ? undefined : optBytes(advertise);
  const rr = 12 + HINFO_RFC8482.length;
  const out = Buffer.alloc(questionEnd + rr + (opt?.length ?? 0));
  out.set(query.subarray(0, questionEnd));
  out[2] = 0x80 | (query[2]! & 0x79);
  out[3] = 0x80;
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(1, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(opt ? 1 : 0, 10);
  let at = questionEnd;
  out.writeUInt16BE(0xc00c, at);
  out.writeUInt16BE(13, at + 2);
  out[at + 4] = query[questionEnd - 2]!;
  out[at + 5] = query[questionEnd - 1]!;
  out.writeUInt32BE(MINIMAL_ANY_TTL, at + 6);
  out.writeUInt16BE(HINFO_RFC8482.length, at + 10);
  out.set(HINFO_RFC8482, at + 12);
  at += rr;
  if (opt) out.set(opt, at);
  return out;
}

/**
 * The reply response rate limiting "slips" instead of dropping: header and
 * question only, TC set, NOERROR (RFC 1035 4.2.1: a client retries over TCP),
 * so it is never larger than the query. questionEnd 12 when the question is
 * unreadable. Pure.
 */
export function slipReply(query: Uint8Array, questionEnd: number): Uint8Array {
  const out = headerReply(query, DnsRcode.NOERROR, questionEnd, undefined);
  out[2]! |= DnsFlag.TC >> 8;
  return out;
}
