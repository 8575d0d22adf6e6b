/**
 * Typed values of individual options: bytes to value for the decoder and
 * value to bytes for the encoder. The decoder is strict about the shape a
 * known option's RFC gives it (a subnet mask is exactly 4 bytes) because a
 * wrong shape means the value cannot be trusted; lengths the RFCs merely
 * recommend (a host name of at least one byte) are accepted.
 */
import { isIpv4, readIpv4, writeIpv4 } from '../ipv4/address.js';
import { DhcpEncodeError, DhcpOptionValueError, DhcpOverloadError } from './errors.js';
import { decodeDomainSearch, domainNameLength, encodeDomainSearch, parseDomainName, readDomainName, writeDomainName } from './domain-name.js';
import type { ClasslessRoute, ClientFqdn, DhcpOption, RelayAgentSubOption } from './message.js';
import { DHCP_WIRE_TYPES, type DhcpWireType } from './options/table.js';
import { readLatin1, writeLatin1 } from './text.js';

const Kind = {
  Raw: 0,
  Ipv4: 1,
  Ipv4List: 2,
  Text: 3,
  U8: 4,
  U16: 5,
  U32: 6,
  U8List: 7,
  Bytes: 8,
  Overload: 9,
  Fqdn: 10,
  RelayInfo: 11,
  DomainSearch: 12,
  Routes: 13,
} as const;

const KIND_OF_WIRE: Record<DhcpWireType, number> = {
  ipv4: Kind.Ipv4,
  'ipv4-list': Kind.Ipv4List,
  text: Kind.Text,
  u8: Kind.U8,
  u16: Kind.U16,
  u32: Kind.U32,
  'u8-list': Kind.U8List,
  bytes: Kind.Bytes,
  overload: Kind.Overload,
  fqdn: Kind.Fqdn,
  'relay-info': Kind.RelayInfo,
  'domain-search': Kind.DomainSearch,
  routes: Kind.Routes,
};

// The option table's wire types as a byte per code: one array read per option on the hot path.
const KIND = new Uint8Array(256);
for (const [code, wire] of DHCP_WIRE_TYPES) KIND[code] = KIND_OF_WIRE[wire];

/** True when the codec gives `code` a typed value. Pure. */
export function isKnownOption(code: number): boolean {
  return KIND[code] !== Kind.Raw;
}

function copy(data: Uint8Array, start: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  out.set(data.subarray(start, start + len));
  return out;
}

function exactly(code: number, len: number, want: number, base: number): void {
  if (len !== want) throw new DhcpOptionValueError(code, `length ${len}, expected ${want}`, base);
}

/**
 * Decodes the data of one option (all RFC 3396 instances already joined):
 * `data[start..start+len)`, whose first byte is at datagram offset `base`.
 * Throws a `DhcpOptionValueError` subclass for a malformed known option. Pure.
 */
export function decodeOption(code: number, data: Uint8Array, start: number, len: number, base: number): DhcpOption {
  switch (KIND[code]) {
    case Kind.Ipv4:
      exactly(code, len, 4, base);
      return { code, value: readIpv4(data, start) } as DhcpOption;
    case Kind.Ipv4List: {
      if (len % 4 !== 0) throw new DhcpOptionValueError(code, `length ${len} is not a multiple of 4`, base);
      const value: number[] = [];
      for (let i = start; i < start + len; i += 4) value.push(readIpv4(data, i));
      return { code, value } as DhcpOption;
    }
    case Kind.Text:
      return { code, value: readLatin1(data, start, len) } as DhcpOption;
    case Kind.U8:
      exactly(code, len, 1, base);
      return { code, value: data[start]! } as DhcpOption;
    case Kind.U16:
      exactly(code, len, 2, base);
      return { code, value: (data[start]! << 8) | data[start + 1]! } as DhcpOption;
    case Kind.U32:
      exactly(code, len, 4, base);
      return { code, value: readIpv4(data, start) } as DhcpOption;
    case Kind.U8List:
      return { code, value: Array.from(data.subarray(start, start + len)) } as DhcpOption;
    case Kind.Bytes:
      return { code, value: copy(data, start, len) } as DhcpOption;
    case Kind.Overload: {
      if (len !== 1) throw new DhcpOverloadError(code, `length ${len}, expected 1`, base);
      const value = data[start]!;
      if (value < 1 || value > 3) throw new DhcpOverloadError(code, `value ${value}, expected 1 (file), 2 (sname) or 3 (both)`, base);
      return { code: 52, value };
    }
    case Kind.Fqdn:
      return { code: 81, value: decodeFqdn(data, start, len, base) };
    case Kind.RelayInfo:
      return { code: 82, value: decodeRelayInfo(data, start, len, base) };
    case Kind.DomainSearch:
      return { code: 119, value: decodeDomainSearch(data.subarray(start, start + len), base, code) };
    case Kind.Routes:
      return { code: 121, value: decodeRoutes(data, start, len, base) };
    default:
      return { code, raw: copy(data, start, len) };
  }
}

function decodeFqdn(data: Uint8Array, start: number, len: number, base: number): ClientFqdn {
  if (len < 3) throw new DhcpOptionValueError(81, `length ${len}, expected at least 3 (flags, rcode1, rcode2)`, base);
  const flags = data[start]!;
  const rcode1 = data[start + 1]!;
  const rcode2 = data[start + 2]!;
  if ((flags & 0x04) === 0) return { flags, rcode1, rcode2, name: readLatin1(data, start + 3, len - 3) };
  const end = start + len;
  const read = readDomainName(data, start + 3, end, base - start, 81, false);
  if (read.next !== end) throw new DhcpOptionValueError(81, 'bytes after the root label of the name', base + read.next - start);
  return { flags, rcode1, rcode2, name: read.name };
}

function decodeRelayInfo(data: Uint8Array, start: number, len: number, base: number): RelayAgentSubOption[] {
  const out: RelayAgentSubOption[] = [];
  const end = start + len;
  let pos = start;
  while (pos < end) {
    if (pos + 2 > end || pos + 2 + data[pos + 1]! > end) {
      throw new DhcpOptionValueError(82, 'sub-option runs past the end of the option', base + pos - start);
    }
    const n = data[pos + 1]!;
    out.push({ code: data[pos]!, data: copy(data, pos + 2, n) });
    pos += 2 + n;
  }
  return out;
}

function decodeRoutes(data: Uint8Array, start: number, len: number, base: number): ClasslessRoute[] {
  const out: ClasslessRoute[] = [];
  const end = start + len;
  let pos = start;
  while (pos < end) {
    const prefix = data[pos]!;
    if (prefix > 32) throw new DhcpOptionValueError(121, `prefix length ${prefix} is over 32`, base + pos - start);
    const significant = (prefix + 7) >> 3;
    if (pos + 1 + significant + 4 > end) {
      throw new DhcpOptionValueError(121, 'route runs past the end of the option', base + pos - start);
    }
    let destination = 0;
    for (let i = 0; i < 4; i++) destination = destination * 256 + (i < significant ? data[pos + 1 + i]! : 0);
    out.push({ destination, prefix, router: readIpv4(data, pos + 1 + significant) });
    pos += 1 + significant + 4;
  }
  return out;
}

// ---- encoding ----

function fail(option: DhcpOption, problem: string): never {
  throw new DhcpEncodeError(`option ${option.code}: ${problem}`);
}

function checkInt(option: DhcpOption, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    fail(option, `value ${String(value)} is not an integer in 0..${max}`);
  }
  return value;
}

function checkIpv4(option: DhcpOption, value: unknown): number {
  if (!isIpv4(value)) fail(option, `${String(value)} is not an IPv4 address number`);
  return value;
}

/** Length of the option's data (before any RFC 3396 splitting). Throws `DhcpEncodeError` for values with no encoding. Pure. */
export function optionValueLength(option: DhcpOption): number {
  if ('raw' in option) return option.raw.length;
  const v: unknown = option.value;
  switch (KIND[option.code]) {
    case Kind.Ipv4:
    case Kind.U32:
      return 4;
    case Kind.U16:
      return 2;
    case Kind.U8:
    case Kind.Overload:
      return 1;
    case Kind.Ipv4List:
      return (v as readonly number[]).length * 4;
    case Kind.Text:
      return (v as string).length;
    case Kind.U8List:
    case Kind.Bytes:
      return (v as ArrayLike<number>).length;
    case Kind.Fqdn: {
      const f = v as ClientFqdn;
      return 3 + ((f.flags & 0x04) !== 0 ? domainNameLength(parseDomainName(f.name)) : f.name.length);
    }
    case Kind.RelayInfo: {
      let n = 0;
      for (const sub of v as readonly RelayAgentSubOption[]) n += 2 + sub.data.length;
      return n;
    }
    case Kind.DomainSearch:
      return encodeDomainSearch(v as readonly string[]).length;
    case Kind.Routes: {
      let n = 0;
      for (const r of v as readonly ClasslessRoute[]) n += 5 + ((checkInt(option, r.prefix, 32) + 7) >> 3);
      return n;
    }
    default:
      return fail(option, 'has a typed value but the codec knows no encoding for this code (pass { code, raw })');
  }
}

/**
 * Writes the option's data at `pos`, exactly `optionValueLength(option)`
 * bytes; returns the position after it. Throws `DhcpEncodeError` for
 * out-of-range values. Mutates `out`.
 */
export function writeOptionValue(option: DhcpOption, out: Uint8Array, pos: number): number {
  if ('raw' in option) {
    out.set(option.raw, pos);
    return pos + option.raw.length;
  }
  const v: unknown = option.value;
  switch (KIND[option.code]) {
    case Kind.Ipv4:
      writeIpv4(out, pos, checkIpv4(option, v));
      return pos + 4;
    case Kind.U32:
      writeIpv4(out, pos, checkInt(option, v, 0xffffffff));
      return pos + 4;
    case Kind.U16: {
      const n = checkInt(option, v, 0xffff);
      out[pos] = n >> 8;
      out[pos + 1] = n;
      return pos + 2;
    }
    case Kind.U8:
      out[pos] = checkInt(option, v, 255);
      return pos + 1;
    case Kind.Overload:
      out[pos] = checkInt(option, v, 3);
      if (v === 0) fail(option, 'overload value 0 is not 1, 2 or 3');
      return pos + 1;
    case Kind.Ipv4List:
      for (const a of v as readonly number[]) {
        writeIpv4(out, pos, checkIpv4(option, a));
        pos += 4;
      }
      return pos;
    case Kind.Text:
      return writeLatin1(v as string, out, pos, `option ${option.code}`);
    case Kind.U8List:
      for (const b of v as readonly number[]) out[pos++] = checkInt(option, b, 255);
      return pos;
    case Kind.Bytes:
      out.set(v as Uint8Array, pos);
      return pos + (v as Uint8Array).length;
    case Kind.Fqdn: {
      const f = v as ClientFqdn;
      out[pos] = checkInt(option, f.flags, 255);
      out[pos + 1] = checkInt(option, f.rcode1, 255);
      out[pos + 2] = checkInt(option, f.rcode2, 255);
      if ((f.flags & 0x04) !== 0) return writeDomainName(parseDomainName(f.name), out, pos + 3);
      return writeLatin1(f.name, out, pos + 3, 'option 81 name');
    }
    case Kind.RelayInfo:
      for (const sub of v as readonly RelayAgentSubOption[]) {
        out[pos] = checkInt(option, sub.code, 255);
        if (sub.data.length > 255) fail(option, `sub-option ${sub.code} has ${sub.data.length} bytes, at most 255 fit`);
        out[pos + 1] = sub.data.length;
        out.set(sub.data, pos + 2);
        pos += 2 + sub.data.length;
      }
      return pos;
    case Kind.DomainSearch: {
      const bytes = encodeDomainSearch(v as readonly string[]);
      out.set(bytes, pos);
      return pos + bytes.length;
    }
    case Kind.Routes:
      for (const r of v as readonly ClasslessRoute[]) {
        const significant = (r.prefix + 7) >> 3;
        const destination = checkIpv4(option, r.destination);
        out[pos++] = r.prefix;
        for (let i = 0; i < significant; i++) out[pos++] = destination >>> (24 - 8 * i);
        writeIpv4(out, pos, checkIpv4(option, r.router));
        pos += 4;
      }
      return pos;
    default:
      return fail(option, 'has a typed value but the codec knows no encoding for this code (pass { code, raw })');
  }
}

/** The data bytes of an option, as `writeOptionValue` writes them (a raw option's own bytes, not copied). Throws `DhcpEncodeError` like it. Pure. */
export function dhcpOptionBytes(option: DhcpOption): Uint8Array {
  if ('raw' in option) return option.raw;
  const out = new Uint8Array(optionValueLength(option));
  writeOptionValue(option, out, 0);
  return out;
}
