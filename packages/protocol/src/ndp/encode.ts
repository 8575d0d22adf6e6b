/**
 * Encodes a Router Solicitation or Router Advertisement (RFC 4861 4.1, 4.2)
 * as the ICMPv6 message a raw socket sends; `ndpEncodingLength` says how
 * many bytes it takes. The checksum is written as given (0 when absent: the
 * kernel fills it in on a raw ICMPv6 socket). Typed options are written in
 * their RFC's shape: a link-layer address and a DNSSL's names padded with
 * zeros to a multiple of 8 bytes. Pure apart from writing into `opts.buffer`.
 */
import { DhcpEncodeError } from '../dhcp/errors.js';
import { domainNameLength, parseDomainName, writeDomainName, type ParsedName } from '../dhcp/domain-name.js';
import { NdpEncodeError } from './errors.js';
import { NdpType, type NdpMessage, type NdpOption } from './message.js';

export interface NdpEncodeOptions {
  /** Write into this buffer instead of a new one. */
  readonly buffer?: Uint8Array;
  /** Where in `buffer` to start. Default 0. */
  readonly offset?: number;
}

/** An option's bytes are at most 255 units of 8. */
const MAX_OPTION = 255 * 8;

/** Bytes `msg` takes on the wire. Throws NdpEncodeError for a value the wire cannot carry. Pure. */
export function ndpEncodingLength(msg: NdpMessage): number {
  let n = msg.type === NdpType.RouterSolicitation ? 8 : 16;
  for (const option of msg.options) n += optionLength(option);
  return n;
}

const padded = (bytes: number) => Math.ceil(bytes / 8) * 8;

function optionLength(option: NdpOption): number {
  if ('raw' in option) return 2 + option.raw.length;
  switch (option.type) {
    case 1:
      return padded(2 + option.value.length);
    case 3:
      return 32;
    case 5:
      return 8;
    case 25:
      return 8 + 16 * option.value.servers.length;
    case 31:
      return padded(8 + parsedNames(option.value.domains).reduce((n, name) => n + domainNameLength(name), 0));
  }
}

function parsedNames(domains: readonly string[]): ParsedName[] {
  return domains.map((text) => {
    let name: ParsedName;
    try {
      name = { ...parseDomainName(text), fqdn: true };
    } catch (error) {
      if (error instanceof DhcpEncodeError) throw new NdpEncodeError(`DNSSL name ${JSON.stringify(text)}: ${error.message}`, { cause: error });
      throw error;
    }
    // The root alone is a single zero byte, which a reader takes for padding.
    if (name.labels.length === 0) throw new NdpEncodeError('DNSSL names the root: a search list holds domains');
    return name;
  });
}

/** Encodes `msg`; returns the written bytes (a view into `opts.buffer` at `opts.offset` when given). Throws NdpEncodeError. */
export function encodeNdp(msg: NdpMessage, opts: NdpEncodeOptions = {}): Uint8Array {
  const size = ndpEncodingLength(msg);
  const offset = opts.offset ?? 0;
  if (opts.buffer && offset + size > opts.buffer.length) throw new NdpEncodeError(`the message needs ${size} bytes at offset ${offset}; the buffer has ${opts.buffer.length}`);
  const out = opts.buffer ? opts.buffer.subarray(offset, offset + size) : new Uint8Array(size);
  out.fill(0);
  let at = 0;
  const u8 = (value: number, what: string) => {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new NdpEncodeError(`${what} ${value} is not 0..255`);
    out[at++] = value;
  };
  const u16 = (value: number, what: string) => {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new NdpEncodeError(`${what} ${value} is not 0..65535`);
    out[at++] = value >> 8;
    out[at++] = value & 0xff;
  };
  const u32 = (value: number, what: string) => {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new NdpEncodeError(`${what} ${value} is not 0..4294967295`);
    out[at++] = value >>> 24;
    out[at++] = (value >>> 16) & 0xff;
    out[at++] = (value >>> 8) & 0xff;
    out[at++] = value & 0xff;
  };
  const address = (bytes: Uint8Array, what: string) => {
    if (bytes.length !== 16) throw new NdpEncodeError(`${what} has ${bytes.length} bytes, not 16`);
    out.set(bytes, at);
    at += 16;
  };
  out[at++] = msg.type;
  out[at++] = 0;
  u16(msg.checksum ?? 0, 'checksum');
  if (msg.type === NdpType.RouterSolicitation) {
    u32(msg.reserved ?? 0, 'reserved');
  } else {
    u8(msg.curHopLimit, 'Cur Hop Limit');
    const other = msg.otherFlags ?? 0;
    if (!Number.isInteger(other) || other < 0 || other > 0x3f) throw new NdpEncodeError(`otherFlags ${other} is not 0..63`);
    out[at++] = (msg.managed ? 0x80 : 0) | (msg.other ? 0x40 : 0) | other;
    u16(msg.routerLifetime, 'Router Lifetime');
    u32(msg.reachableTime, 'Reachable Time');
    u32(msg.retransTimer, 'Retrans Timer');
  }
  for (const option of msg.options) {
    const length = optionLength(option);
    if (length % 8 !== 0 || length > MAX_OPTION) throw new NdpEncodeError(`option ${option.type}: ${length} bytes is not a multiple of 8 up to ${MAX_OPTION}`);
    const start = at;
    u8(option.type, 'option type');
    out[at++] = length / 8;
    if ('raw' in option) {
      out.set(option.raw, at);
    } else {
      switch (option.type) {
        case 1:
          out.set(option.value, at);
          break;
        case 3: {
          const p = option.value;
          if (!Number.isInteger(p.prefixLength) || p.prefixLength < 0 || p.prefixLength > 128) throw new NdpEncodeError(`prefix length ${p.prefixLength} is not 0..128`);
          out[at++] = p.prefixLength;
          out[at++] = (p.onLink ? 0x80 : 0) | (p.autonomous ? 0x40 : 0);
          u32(p.validLifetime, 'valid lifetime');
          u32(p.preferredLifetime, 'preferred lifetime');
          at += 4;
          address(p.prefix, 'the prefix');
          break;
        }
        case 5:
          at += 2;
          u32(option.value, 'MTU');
          break;
        case 25:
          if (option.value.servers.length === 0) throw new NdpEncodeError('RDNSS without an address');
          at += 2;
          u32(option.value.lifetime, 'RDNSS lifetime');
          for (const server of option.value.servers) address(server, 'an RDNSS address');
          break;
        case 31: {
          const names = parsedNames(option.value.domains);
          if (names.length === 0) throw new NdpEncodeError('DNSSL without a name');
          at += 2;
          u32(option.value.lifetime, 'DNSSL lifetime');
          for (const name of names) at = writeDomainName(name, out, at);
          break;
        }
      }
    }
    at = start + length;
  }
  return out;
}
