/**
 * decodeDns: the full decode of a DNS message. The pre-scan (scan.ts) checks
 * the structure first; dns-packet then decodes names (with compression) and
 * the typed rdata. Fixed fields (types, classes, TTLs, the header) are read
 * from the bytes by us, because dns-packet turns classes it does not know
 * into a lossy "UNKNOWN_n" and folds the mDNS cache-flush bit into them.
 */
import dnsPacket from 'dns-packet';
import { DnsDecodeError } from './errors.js';
import { isTypedRecord, scanDns } from './scan.js';
import { DnsType, type DnsMessage, type DnsQuestion, type DnsRecord } from './types.js';
import { u16, u32, writeU16 } from './wire.js';

/** What dns-packet's decode gives back, as far as we read it. */
interface LibRecord {
  name: string;
  data?: unknown;
  options?: { code: number; data: Buffer }[];
}
interface LibPacket {
  questions: { name: string }[];
  answers: LibRecord[];
  authorities: LibRecord[];
  additionals: LibRecord[];
}
interface LibSoa {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

const libDecode = dnsPacket.decode as unknown as (buf: Buffer) => LibPacket;

/**
 * A type code dns-packet has no parser for. Records of types without typed
 * data are shown to dns-packet under this code, so that its own parsers for
 * CAA, DNSKEY, NSEC... (which throw or drift on rdata they dislike) never run;
 * we take their rdata bytes ourselves.
 */
const RAW_PLACEHOLDER = 0xff00;

/**
 * Decodes a whole DNS message. Pure (the input is not changed or kept).
 * Throws DnsDecodeError, naming what was wrong and the byte offset, and nothing else.
 */
export function decodeDns(bytes: Uint8Array): DnsMessage {
  const layout = scanDns(bytes);
  const [qd, an, ns] = layout.counts;
  let buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (layout.hasUnknown) {
    buf = Buffer.from(bytes);
    for (let i = qd; i < layout.fields.length; i++) {
      const t = layout.fields[i]!;
      if (!isTypedRecord(u16(buf, t), u16(buf, t + 2))) writeU16(buf, t, RAW_PLACEHOLDER);
    }
  }
  try {
    const lib = libDecode(buf);
    const flags = u16(bytes, 2);
    const fields = layout.fields;
    const record = (r: LibRecord, i: number) => toRecord(r, bytes, fields[i]!);
    return {
      id: u16(bytes, 0),
      qr: (flags & 0x8000) !== 0,
      opcode: (flags >> 11) & 0xf,
      aa: (flags & 0x0400) !== 0,
      tc: (flags & 0x0200) !== 0,
      rd: (flags & 0x0100) !== 0,
      ra: (flags & 0x0080) !== 0,
      z: (flags & 0x0040) !== 0,
      ad: (flags & 0x0020) !== 0,
      cd: (flags & 0x0010) !== 0,
      rcode: flags & 0xf,
      questions: lib.questions.map((q, i): DnsQuestion => {
        const t = fields[i]!;
        return { name: q.name, type: u16(bytes, t), class: u16(bytes, t + 2) };
      }),
      answers: lib.answers.map((r, i) => record(r, qd + i)),
      authorities: lib.authorities.map((r, i) => record(r, qd + an + i)),
      additionals: lib.additionals.map((r, i) => record(r, qd + an + ns + i)),
    };
  } catch (error) {
    if (error instanceof DnsDecodeError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new DnsDecodeError('library', `dns-packet could not read a message the pre-scan passed: ${message}`, 0, { cause: error });
  }
}

function toRecord(lib: LibRecord, b: Uint8Array, t: number): DnsRecord {
  const type = u16(b, t);
  const base = { name: lib.name, class: u16(b, t + 2), ttl: u32(b, t + 4) };
  const rd = t + 10;
  switch (isTypedRecord(type, base.class) ? type : -1) {
    case DnsType.A:
      return { ...base, type: 'A', data: lib.data as string };
    case DnsType.AAAA:
      return { ...base, type: 'AAAA', data: formatIpv6(b, rd) };
    case DnsType.NS:
      return { ...base, type: 'NS', data: lib.data as string };
    case DnsType.CNAME:
      return { ...base, type: 'CNAME', data: lib.data as string };
    case DnsType.PTR:
      return { ...base, type: 'PTR', data: lib.data as string };
    case DnsType.SOA: {
      const { mname, rname, serial, refresh, retry, expire, minimum } = lib.data as LibSoa;
      return { ...base, type: 'SOA', data: { mname, rname, serial, refresh, retry, expire, minimum } };
    }
    case DnsType.MX: {
      const { preference, exchange } = lib.data as { preference: number; exchange: string };
      return { ...base, type: 'MX', data: { preference, exchange } };
    }
    case DnsType.TXT:
      return { ...base, type: 'TXT', data: (lib.data as Buffer[]).map((s) => new Uint8Array(s)) };
    case DnsType.SRV: {
      const { priority, weight, port, target } = lib.data as { priority: number; weight: number; port: number; target: string };
      return { ...base, type: 'SRV', data: { priority, weight, port, target } };
    }
    case DnsType.OPT:
      return {
        type: 'OPT',
        name: '.',
        udpPayloadSize: base.class,
        extendedRcode: b[t + 4]!,
        version: b[t + 5]!,
        dnssecOk: (b[t + 6]! & 0x80) !== 0,
        z: u16(b, t + 6) & 0x7fff,
        options: (lib.options ?? []).map((o) => ({ code: o.code, data: new Uint8Array(o.data) })),
      };
    default:
      return { ...base, type: 'UNKNOWN', code: type, data: new Uint8Array(b.subarray(rd, rd + u16(b, t + 8))) };
  }
}

/**
 * RFC 5952 section 4 text for 16 address bytes: lowercase hex, no leading
 * zeros, the first longest run of two or more zero groups as "::". (dns-packet's
 * codec shortens the first run rather than the longest, so we format AAAA ourselves.)
 */
export function formatIpv6(b: Uint8Array, at: number): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let g = 0; g < 8; ) {
    if (u16(b, at + 2 * g) !== 0) {
      g++;
      continue;
    }
    let e = g;
    while (e < 8 && u16(b, at + 2 * e) === 0) e++;
    if (e - g > bestLength) {
      bestStart = g;
      bestLength = e - g;
    }
    g = e;
  }
  let text = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      text += '::';
      g += bestLength - 1;
      continue;
    }
    if (text.length > 0 && !text.endsWith(':')) text += ':';
    text += u16(b, at + 2 * g).toString(16);
  }
  return text;
}
