/**
 * Decodes a Router Solicitation or Router Advertisement (RFC 4861 4.1, 4.2)
 * from the ICMPv6 message's bytes (what a raw ICMPv6 socket reads: no IPv6
 * header). Strict where RFC 4861 6.1 has a node discard the message (a code
 * other than 0, an option of length 0, an option past the end) and where a
 * typed option lacks its RFC's shape; lenient where receivers must ignore
 * bits: a typed option with reserved bits set is kept raw, so it re-encodes
 * exactly. Pure; throws only `NdpDecodeError`s.
 */
import { DhcpDomainNameError } from '../dhcp/errors.js';
import { readDomainName } from '../dhcp/domain-name.js';
import { NdpOptionError, NdpTruncatedError, NdpTypeError } from './errors.js';
import { NdpType, type NdpMessage, type NdpOption, type NdpPrefixInformation } from './message.js';

const u16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const u32 = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
/** A copy (a Node Buffer's slice would share its memory). */
const copy = (b: Uint8Array, start: number, end: number) => Uint8Array.from(b.subarray(start, end));

/** Decodes one RS or RA. Pure. */
export function decodeNdp(bytes: Uint8Array): NdpMessage {
  if (bytes.length < 1) throw new NdpTruncatedError('empty message', 0);
  const type = bytes[0]!;
  if (type !== NdpType.RouterSolicitation && type !== NdpType.RouterAdvertisement) throw new NdpTypeError(`ICMPv6 type ${type} is neither a Router Solicitation (133) nor a Router Advertisement (134)`, 0);
  const fixed = type === NdpType.RouterSolicitation ? 8 : 16;
  if (bytes.length < fixed) throw new NdpTruncatedError(`${bytes.length} bytes: a ${type === 133 ? 'Router Solicitation' : 'Router Advertisement'} has ${fixed} before its options`, bytes.length);
  if (bytes[1] !== 0) throw new NdpTypeError(`ICMP code ${bytes[1]}: Router Solicitations and Advertisements have code 0 (RFC 4861 6.1)`, 1);
  const checksum = u16(bytes, 2);
  const options = decodeOptions(bytes, fixed);
  const sum = checksum !== 0 ? { checksum } : {};
  if (type === NdpType.RouterSolicitation) {
    const reserved = u32(bytes, 4);
    return { type, ...sum, ...(reserved !== 0 ? { reserved } : {}), options };
  }
  const flags = bytes[5]!;
  return {
    type,
    ...sum,
    curHopLimit: bytes[4]!,
    managed: (flags & 0x80) !== 0,
    other: (flags & 0x40) !== 0,
    ...((flags & 0x3f) !== 0 ? { otherFlags: flags & 0x3f } : {}),
    routerLifetime: u16(bytes, 6),
    reachableTime: u32(bytes, 8),
    retransTimer: u32(bytes, 12),
    options,
  };
}

function decodeOptions(bytes: Uint8Array, start: number): NdpOption[] {
  const options: NdpOption[] = [];
  let pos = start;
  while (pos < bytes.length) {
    const type = bytes[pos]!;
    if (pos + 2 > bytes.length) throw new NdpOptionError(type, 'option header cut short by the end of the message', pos);
    const units = bytes[pos + 1]!;
    if (units === 0) throw new NdpOptionError(type, 'length 0 (RFC 4861 4.6: the packet must be discarded)', pos + 1);
    const end = pos + units * 8;
    if (end > bytes.length) throw new NdpOptionError(type, `${units * 8} bytes run past the end of the message`, pos + 1);
    const value = typedValue(bytes, type, pos, end);
    options.push(value === undefined ? { type, raw: copy(bytes, pos + 2, end) } : ({ type, value } as NdpOption));
    pos = end;
  }
  return options;
}

/** The typed value of the option at [pos, end), or undefined to keep it raw (an unknown type, or reserved bits set). */
function typedValue(bytes: Uint8Array, type: number, pos: number, end: number): unknown {
  const units = (end - pos) / 8;
  const want = (ok: boolean, shape: string) => {
    if (!ok) throw new NdpOptionError(type, `length ${units} (${units * 8} bytes): ${shape}`, pos + 1);
  };
  switch (type) {
    case 1:
      return copy(bytes, pos + 2, end);
    case 3: {
      want(units === 4, 'Prefix Information is 32 bytes (RFC 4861 4.6.2)');
      return prefixInformation(bytes, pos);
    }
    case 5:
      want(units === 1, 'MTU is 8 bytes (RFC 4861 4.6.4)');
      return u16(bytes, pos + 2) !== 0 ? undefined : u32(bytes, pos + 4);
    case 25: {
      want(units >= 3 && units % 2 === 1, 'RDNSS is 8 bytes and one or more 16-byte addresses (RFC 8106 5.1)');
      if (u16(bytes, pos + 2) !== 0) return undefined;
      const servers: Uint8Array[] = [];
      for (let at = pos + 8; at < end; at += 16) servers.push(copy(bytes, at, at + 16));
      return { lifetime: u32(bytes, pos + 4), servers };
    }
    case 31:
      want(units >= 2, 'DNSSL is 8 bytes and one or more names (RFC 8106 5.2)');
      return u16(bytes, pos + 2) !== 0 ? undefined : searchList(bytes, pos, end);
    default:
      return undefined;
  }
}

function prefixInformation(bytes: Uint8Array, pos: number): NdpPrefixInformation | undefined {
  const prefixLength = bytes[pos + 2]!;
  if (prefixLength > 128) throw new NdpOptionError(3, `prefix length ${prefixLength} is over 128`, pos + 2);
  const flags = bytes[pos + 3]!;
  // R (RFC 6275) and the reserved bits, and Reserved2: kept raw, so the option re-encodes exactly.
  if ((flags & 0x3f) !== 0 || u32(bytes, pos + 12) !== 0) return undefined;
  return {
    prefixLength,
    onLink: (flags & 0x80) !== 0,
    autonomous: (flags & 0x40) !== 0,
    validLifetime: u32(bytes, pos + 4),
    preferredLifetime: u32(bytes, pos + 8),
    prefix: copy(bytes, pos + 16, pos + 32),
  };
}

/** The names of a DNSSL, then zero padding to the option's end (fewer than 8 bytes: more is not this option's shape). */
function searchList(bytes: Uint8Array, pos: number, end: number): { lifetime: number; domains: string[] } {
  const domains: string[] = [];
  let at = pos + 8;
  while (at < end && bytes[at] !== 0) {
    let read;
    try {
      read = readDomainName(bytes, at, end, 0, 31, false);
    } catch (error) {
      if (error instanceof DhcpDomainNameError) throw new NdpOptionError(31, error.reason.replace(/^option 31: /, ''), error.offset);
      throw error;
    }
    if (!read.name.endsWith('.')) throw new NdpOptionError(31, 'a name does not end in the root label before the option ends', at);
    domains.push(read.name);
    at = read.next;
  }
  if (domains.length === 0) throw new NdpOptionError(31, 'no domain name (RFC 8106 5.2 wants one or more)', pos + 8);
  for (let i = at; i < end; i++) if (bytes[i] !== 0) throw new NdpOptionError(31, 'bytes after the names are not zero padding', i);
  if (end - at >= 8) throw new NdpOptionError(31, `${end - at} bytes of padding: the option is longer than its names need`, at);
  return { lifetime: u32(bytes, pos + 4), domains };
}
