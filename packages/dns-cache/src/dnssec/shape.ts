/**
 * The message changes validation needs around the upstream: questions go
 * out with DO (RFC 3225: send the DNSSEC records) and CD (RFC 4035 3.2.2:
 * give us bogus data too, we judge it); answers go back to each client in
 * the shape it asked for: RRSIG/NSEC/NSEC3 only to DO clients (as dnsmasq
 * strips them), an OPT only to EDNS clients, AD only on secure data and only
 * when the client set AD or DO (RFC 6840 5.7, 5.8). Pure.
 */
import { compressDns } from '@leasehold/protocol';
import { readMessage, TYPE_NSEC, TYPE_NSEC3, TYPE_RRSIG, writeMessage, type WireRecord } from './records.js';
import type { DnssecStatus } from './validator.js';

const TYPE_OPT = 41;
const DO = 0x8000;
const ROOT = Uint8Array.of(0);
const DNSSEC_TYPES: ReadonlySet<number> = new Set([TYPE_RRSIG, TYPE_NSEC, TYPE_NSEC3]);

/** What a client's query asked for, as the cache key records it. */
export interface ClientWants {
  readonly edns: boolean;
  readonly dnssecOk: boolean;
  /** The query's AD and CD bits (CD went upstream set whatever the client said). */
  readonly ad: boolean;
  readonly cd: boolean;
}

/** The query as sent upstream: CD set, and an OPT with DO (added, advertising `udpSize`, if the client sent none). Throws WireError. */
export function upstreamQuery(query: Uint8Array, udpSize: number): Uint8Array {
  const msg = readMessage(query);
  const opt = msg.records.find((r) => r.type === TYPE_OPT);
  const records: WireRecord[] =
    opt === undefined
      ? [...msg.records, { section: 3, owner: ROOT, type: TYPE_OPT, klass: udpSize, ttl: DO, rdata: new Uint8Array(0), at: -1, typeAt: -1 }]
      : msg.records.map((r) => (r === opt ? { ...r, ttl: (r.ttl | DO) >>> 0 } : r));
  const out = writeMessage(query, msg.questionEnd, records);
  out[3]! |= 0x10;
  return out;
}

/** A question the validator asks itself (DS, DNSKEY): RD, CD and DO set, id 0 (the upstream client picks one). */
export function validatorQuery(name: Uint8Array, type: number, udpSize: number): Uint8Array {
  const out = new Uint8Array(12 + name.length + 4 + 11);
  out.set([0, 0, 0x01, 0x10, 0, 1, 0, 0, 0, 0, 0, 1]);
  out.set(name, 12);
  let o = 12 + name.length;
  out.set([type >> 8, type & 0xff, 0, 1], o);
  o += 4;
  out.set([0, TYPE_OPT >> 8, TYPE_OPT & 0xff, udpSize >> 8, udpSize & 0xff, 0, 0, 0x80, 0, 0, 0], o);
  return out;
}

/** The validated upstream answer in the shape this client asked for. Throws WireError. */
export function clientAnswer(answer: Uint8Array, status: DnssecStatus, wants: ClientWants, qtype: number): Uint8Array {
  const msg = readMessage(answer);
  const kept = (r: WireRecord) => wants.dnssecOk || !DNSSEC_TYPES.has(r.type) || (r.section === 1 && r.type === qtype);
  const opt = msg.records.find((r) => r.type === TYPE_OPT);
  const last = msg.records[msg.records.length - 1];
  let out: Uint8Array;
  if (msg.records.every((r) => r.type === TYPE_OPT || kept(r)) && (opt === undefined || wants.edns || opt === last)) {
    // Nothing to strip (unsigned data, or a DO client): the upstream bytes, with the OPT's DO bit set as the client's, or the OPT cut off the end.
    out = Uint8Array.from(answer);
    if (opt !== undefined && wants.edns) out[opt.typeAt + 6] = (out[opt.typeAt + 6]! & 0x7f) | (wants.dnssecOk ? 0x80 : 0);
    if (opt !== undefined && !wants.edns) {
      out = out.subarray(0, opt.at);
      const arcount = ((out[10]! << 8) | out[11]!) - 1;
      out[10] = arcount >> 8;
      out[11] = arcount & 0xff;
    }
  } else {
    const records: WireRecord[] = [];
    for (const r of msg.records) {
      if (r.type === TYPE_OPT) {
        if (wants.edns) records.push({ ...r, ttl: (wants.dnssecOk ? r.ttl | DO : r.ttl & ~DO) >>> 0 });
      } else if (kept(r)) {
        records.push(r);
      }
    }
    out = compressDns(writeMessage(answer, msg.questionEnd, records));
  }
  out[3] = (out[3]! & ~0x30) | (status === 'secure' && (wants.ad || wants.dnssecOk) ? 0x20 : 0) | (wants.cd ? 0x10 : 0);
  return out;
}
