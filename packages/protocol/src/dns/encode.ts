/**
 * encodeDns / dnsEncodingLength. We check the message and lay it out (lengths,
 * where each CLASS field goes); dns-packet writes it; we then write the CLASS
 * fields ourselves, because dns-packet maps class names back through a table
 * that turns every class it does not know into 0 and an OPT payload size of 0
 * into 4096. Names are written uncompressed (dns-packet does not compress).
 */
import { isIPv4, isIPv6 } from 'node:net';
import dnsPacket from 'dns-packet';
import { DnsEncodeError } from './errors.js';
import { nameWireLength } from './names.js';
import type { DnsMessage, DnsRecord } from './types.js';
import { HEADER_LENGTH, writeU16 } from './wire.js';

interface Layout {
  length: number;
  /** Pairs of (offset of a CLASS field from the message start, value to write there). */
  classes: number[];
}

const libEncode = dnsPacket.encode as unknown as ((packet: unknown, buf: Buffer, offset: number) => Buffer) & { bytes: number };

/** The number of bytes encodeDns writes for `message`. Pure; throws DnsEncodeError if it cannot be written. */
export function dnsEncodingLength(message: DnsMessage): number {
  return layOut(message).length;
}

/** Encodes `message` into a new buffer. Pure; throws DnsEncodeError if it cannot be written. */
export function encodeDns(message: DnsMessage): Uint8Array {
  const layout = layOut(message);
  const buf = Buffer.alloc(layout.length);
  write(message, layout, buf, 0);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/**
 * Encodes `message` into `target` at `offset` and returns the number of bytes
 * written. Writes only that range of `target`; throws DnsEncodeError if it cannot be written.
 */
export function encodeDnsInto(message: DnsMessage, target: Uint8Array, offset = 0): number {
  const layout = layOut(message);
  if (!Number.isInteger(offset) || offset < 0 || offset + layout.length > target.length) {
    throw new DnsEncodeError('target', `needs ${layout.length} bytes at offset ${offset}, target has ${target.length}`);
  }
  write(message, layout, Buffer.from(target.buffer, target.byteOffset, target.byteLength), offset);
  return layout.length;
}

function write(message: DnsMessage, layout: Layout, buf: Buffer, offset: number): void {
  try {
    libEncode(toLib(message), buf, offset);
  } catch (error) {
    throw new DnsEncodeError('message', `dns-packet could not write it: ${String(error)}`, { cause: error });
  }
  if (libEncode.bytes !== layout.length) {
    throw new DnsEncodeError('message', `dns-packet wrote ${libEncode.bytes} bytes where ${layout.length} were laid out`);
  }
  const c = layout.classes;
  for (let i = 0; i < c.length; i += 2) writeU16(buf, offset + c[i]!, c[i + 1]!);
}

function layOut(m: DnsMessage): Layout {
  uint(m.id, 16, 'id');
  uint(m.opcode, 4, 'opcode');
  uint(m.rcode, 4, 'rcode');
  const classes: number[] = [];
  let o = HEADER_LENGTH;
  const sections = [
    ['questions', m.questions],
    ['answers', m.answers],
    ['authorities', m.authorities],
    ['additionals', m.additionals],
  ] as const;
  for (const [key, list] of sections) {
    if (list.length > 0xffff) throw new DnsEncodeError(key, `${list.length} entries, over 65535`);
  }
  m.questions.forEach((q, i) => {
    const path = `questions[${i}]`;
    o += nameWireLength(q.name, `${path}.name`);
    uint(q.type, 16, `${path}.type`);
    classes.push(o + 2, uint(q.class, 16, `${path}.class`));
    o += 4;
  });
  for (const [key, list] of sections.slice(1) as [string, DnsRecord[]][]) {
    list.forEach((r, i) => {
      const path = `${key}[${i}]`;
      o += r.type === 'OPT' ? 1 : nameWireLength(r.name, `${path}.name`);
      if (r.type === 'OPT') {
        classes.push(o + 2, uint(r.udpPayloadSize, 16, `${path}.udpPayloadSize`));
      } else {
        classes.push(o + 2, uint(r.class, 16, `${path}.class`));
        uint(r.ttl, 32, `${path}.ttl`);
      }
      const rdata = rdataLength(r, path);
      if (rdata > 0xffff) throw new DnsEncodeError(`${path}.data`, `rdata of ${rdata} bytes, over 65535`);
      o += 10 + rdata;
    });
  }
  return { length: o, classes };
}

function rdataLength(r: DnsRecord, path: string): number {
  const at = `${path}.data`;
  if ((r.type === 'A' || r.type === 'AAAA') && r.class !== 1) {
    throw new DnsEncodeError(`${path}.class`, `${r.type} data is defined for class IN only; write class ${r.class} as an UNKNOWN record`);
  }
  switch (r.type) {
    case 'A':
      if (!isIPv4(r.data)) throw new DnsEncodeError(at, `${JSON.stringify(r.data)} is not an IPv4 address`);
      return 4;
    case 'AAAA':
      if (!isIPv6(r.data) || r.data.includes('%')) throw new DnsEncodeError(at, `${JSON.stringify(r.data)} is not an IPv6 address`);
      return 16;
    case 'NS':
    case 'CNAME':
    case 'PTR':
      return nameWireLength(r.data, at);
    case 'MX':
      uint(r.data.preference, 16, `${at}.preference`);
      return 2 + nameWireLength(r.data.exchange, `${at}.exchange`);
    case 'SRV':
      uint(r.data.priority, 16, `${at}.priority`);
      uint(r.data.weight, 16, `${at}.weight`);
      uint(r.data.port, 16, `${at}.port`);
      return 6 + nameWireLength(r.data.target, `${at}.target`);
    case 'SOA': {
      const s = r.data;
      for (const k of ['serial', 'refresh', 'retry', 'expire', 'minimum'] as const) uint(s[k], 32, `${at}.${k}`);
      return nameWireLength(s.mname, `${at}.mname`) + nameWireLength(s.rname, `${at}.rname`, true) + 20;
    }
    case 'TXT':
      return r.data.reduce((sum, s, i) => {
        if (s.length > 255) throw new DnsEncodeError(`${at}[${i}]`, `string of ${s.length} bytes, over 255`);
        return sum + 1 + s.length;
      }, 0);
    case 'OPT':
      uint(r.extendedRcode, 8, `${path}.extendedRcode`);
      uint(r.version, 8, `${path}.version`);
      uint(r.z, 15, `${path}.z`);
      return r.options.reduce((sum, opt, i) => {
        uint(opt.code, 16, `${path}.options[${i}].code`);
        if (opt.data.length > 0xffff) throw new DnsEncodeError(`${path}.options[${i}].data`, 'over 65535 bytes');
        return sum + 4 + opt.data.length;
      }, 0);
    case 'UNKNOWN':
      uint(r.code, 16, `${path}.code`);
      return r.data.length;
  }
}

function uint(value: number, bits: number, path: string): number {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) {
    throw new DnsEncodeError(path, `${value} is not an unsigned ${bits}-bit integer`);
  }
  return value;
}

const view = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** Our message in dns-packet's shape. Every type goes by its number ("UNKNOWN_n" parses back to n). */
function toLib(m: DnsMessage): unknown {
  const flags =
    (m.opcode << 11) |
    (m.aa ? 0x0400 : 0) |
    (m.tc ? 0x0200 : 0) |
    (m.rd ? 0x0100 : 0) |
    (m.ra ? 0x0080 : 0) |
    (m.z ? 0x0040 : 0) |
    (m.ad ? 0x0020 : 0) |
    (m.cd ? 0x0010 : 0) |
    m.rcode;
  return {
    id: m.id,
    type: m.qr ? 'response' : 'query',
    flags,
    questions: m.questions.map((q) => ({ name: q.name, type: `UNKNOWN_${q.type}`, class: 'IN' })),
    answers: m.answers.map(toLibRecord),
    authorities: m.authorities.map(toLibRecord),
    additionals: m.additionals.map(toLibRecord),
  };
}

function toLibRecord(r: DnsRecord): unknown {
  switch (r.type) {
    case 'OPT':
      return {
        name: '.',
        type: 'OPT',
        udpPayloadSize: r.udpPayloadSize,
        extendedRcode: r.extendedRcode,
        ednsVersion: r.version,
        flags: (r.dnssecOk ? 0x8000 : 0) | r.z,
        options: r.options.map((o) => ({ code: o.code, data: view(o.data) })),
      };
    case 'TXT':
      return { name: r.name, type: 'TXT', class: 'IN', ttl: r.ttl, data: r.data.map(view) };
    case 'UNKNOWN':
      return { name: r.name, type: `UNKNOWN_${r.code}`, class: 'IN', ttl: r.ttl, data: view(r.data) };
    default:
      return { name: r.name, type: r.type, class: 'IN', ttl: r.ttl, data: r.data };
  }
}
