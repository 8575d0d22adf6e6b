/**
 * CIDR blocks over `Ipv4` numbers. Masks are computed with 32-bit integer
 * operations and normalised with `>>> 0`, because JavaScript's bitwise
 * operators return signed 32-bit results.
 */
import { formatIpv4, tryParseIpv4, type Ipv4 } from './address.js';
import { InvalidCidrError, InvalidPrefixError } from './errors.js';

/** A CIDR block. `address` may have host bits set only if parsed with `allowHostBits`. */
export interface Ipv4Cidr {
  readonly address: Ipv4;
  /** Prefix length, 0..32. */
  readonly prefix: number;
}

/** The netmask of a prefix length: 24 gives 255.255.255.0. Throws `InvalidPrefixError` outside 0..32. Pure. */
export function prefixToMask(prefix: number): Ipv4 {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
    throw new InvalidPrefixError(String(prefix), 'prefix length must be an integer in 0..32');
  }
  // A shift count of 32 is taken mod 32 by JavaScript, so /0 needs its own case.
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The prefix length of a netmask; throws `InvalidPrefixError` if its one bits are not contiguous. Pure. */
export function maskToPrefix(mask: Ipv4): number {
  const inverted = ~mask >>> 0;
  // The host part of a valid mask is 2^k - 1, so adding one clears all its bits.
  if ((inverted & (inverted + 1)) !== 0) {
    throw new InvalidPrefixError(formatIpv4(mask), 'netmask one bits are not contiguous');
  }
  return Math.clz32(inverted);
}

/** True when `mask` is a contiguous netmask. Pure. */
export function isNetmask(mask: Ipv4): boolean {
  const inverted = ~mask >>> 0;
  return (inverted & (inverted + 1)) === 0;
}

/** Builds a block, checking the prefix; host bits are cleared unless `keepHostBits`. Pure. */
export function cidr(address: Ipv4, prefix: number, keepHostBits = false): Ipv4Cidr {
  const mask = prefixToMask(prefix);
  return { address: keepHostBits ? address : (address & mask) >>> 0, prefix };
}

export interface ParseCidrOptions {
  /** Accept "198.18.0.5/24" (an interface address) and keep the address as given. Default false. */
  readonly allowHostBits?: boolean;
}

/**
 * Parses "a.b.c.d/len". By default a block with host bits set ("198.18.0.5/24")
 * is refused with `InvalidCidrError`, since as a subnet it is almost always a
 * typing mistake. Pure.
 */
export function parseCidr(text: string, options: ParseCidrOptions = {}): Ipv4Cidr {
  const slash = text.indexOf('/');
  if (slash < 0) throw new InvalidCidrError(text, 'missing "/prefix"');
  const address = tryParseIpv4(text.slice(0, slash));
  if (address === undefined) throw new InvalidCidrError(text, 'address part is not a dotted-quad IPv4 address');
  const prefixText = text.slice(slash + 1);
  if (!/^(?:[0-9]|[12][0-9]|3[0-2])$/.test(prefixText)) {
    throw new InvalidCidrError(text, 'prefix length must be a decimal integer in 0..32');
  }
  const prefix = Number(prefixText);
  const mask = prefixToMask(prefix);
  if (!options.allowHostBits && (address & ~mask) !== 0) {
    throw new InvalidCidrError(text, `host bits are set (the network is ${formatIpv4((address & mask) >>> 0)}/${prefix})`);
  }
  return { address, prefix };
}

/** Formats as "a.b.c.d/len", keeping the address as stored. Pure. */
export function formatCidr(block: Ipv4Cidr): string {
  return `${formatIpv4(block.address)}/${block.prefix}`;
}

/** The netmask of the block. Pure. */
export function cidrMask(block: Ipv4Cidr): Ipv4 {
  return prefixToMask(block.prefix);
}

/** The network address (host bits cleared). Pure. */
export function cidrNetwork(block: Ipv4Cidr): Ipv4 {
  return (block.address & prefixToMask(block.prefix)) >>> 0;
}

/** The broadcast address (host bits set). Pure. */
export function cidrBroadcast(block: Ipv4Cidr): Ipv4 {
  return (block.address | ~prefixToMask(block.prefix)) >>> 0;
}

/** Number of addresses in the block, 2^(32-prefix). Pure. */
export function cidrSize(block: Ipv4Cidr): number {
  return 2 ** (32 - block.prefix);
}

/**
 * First usable host: network + 1, except for /31 (RFC 3021 point-to-point
 * links, where both addresses are hosts) and /32 (the one address). Pure.
 */
export function cidrFirstHost(block: Ipv4Cidr): Ipv4 {
  const network = cidrNetwork(block);
  return block.prefix >= 31 ? network : network + 1;
}

/** Last usable host: broadcast - 1, except for /31 and /32 (see `cidrFirstHost`). Pure. */
export function cidrLastHost(block: Ipv4Cidr): Ipv4 {
  const broadcast = cidrBroadcast(block);
  return block.prefix >= 31 ? broadcast : broadcast - 1;
}

/** Number of usable hosts (size - 2, or the whole block for /31 and /32). Pure. */
export function cidrHostCount(block: Ipv4Cidr): number {
  return block.prefix >= 31 ? cidrSize(block) : cidrSize(block) - 2;
}

/** True when `address` lies in the block (network and broadcast included). Pure. */
export function cidrContains(block: Ipv4Cidr, address: Ipv4): boolean {
  return ((address ^ block.address) & prefixToMask(block.prefix)) === 0;
}

/** True when every address of `inner` lies in `outer`. Pure. */
export function cidrContainsCidr(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return inner.prefix >= outer.prefix && cidrContains(outer, inner.address);
}

/** True when the blocks share at least one address (CIDR blocks either nest or are disjoint). Pure. */
export function cidrOverlaps(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.prefix <= b.prefix ? cidrContains(a, b.address) : cidrContains(b, a.address);
}

/** Orders blocks by network address, then by prefix length (wider first). Pure. */
export function compareCidr(a: Ipv4Cidr, b: Ipv4Cidr): number {
  return cidrNetwork(a) - cidrNetwork(b) || a.prefix - b.prefix;
}
