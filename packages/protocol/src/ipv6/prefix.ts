/**
 * IPv6 prefixes (`2001:db8:1::/64`): parse, format, containment, overlap,
 * first and last address. A prefix is its first address and its length;
 * strict parsing refuses host bits, as Neutron refuses `2001:db8::1/64` as a
 * subnet's CIDR.
 */
import { IPV6_MAX, formatIpv6, tryParseIpv6, type Ipv6 } from './address.js';
import { InvalidIpv6PrefixError } from './errors.js';

export interface Ipv6Prefix {
  /** The first address (host bits zero). */
  readonly address: Ipv6;
  /** 0..128. */
  readonly prefix: number;
}

/** The mask of the first `prefix` bits. Pure. */
function maskOf(prefix: number): Ipv6 {
  return prefix === 0 ? 0n : (IPV6_MAX << BigInt(128 - prefix)) & IPV6_MAX;
}

/**
 * Parses `address/len`. `strict` (the default) refuses host bits; without
 * it they are cleared. Throws `InvalidIpv6PrefixError`. Pure.
 */
export function parseIpv6Prefix(text: string, options: { strict?: boolean } = {}): Ipv6Prefix {
  const slash = text.indexOf('/');
  if (slash < 0) throw new InvalidIpv6PrefixError(text, 'not address/prefix-length');
  const address = tryParseIpv6(text.slice(0, slash));
  if (address === undefined) throw new InvalidIpv6PrefixError(text, 'the address is not an IPv6 address');
  const lengthText = text.slice(slash + 1);
  if (!/^(?:0|[1-9]\d{0,2})$/.test(lengthText) || Number(lengthText) > 128) {
    throw new InvalidIpv6PrefixError(text, 'the prefix length is not 0..128');
  }
  const prefix = Number(lengthText);
  const network = address & maskOf(prefix);
  if ((options.strict ?? true) && network !== address) {
    throw new InvalidIpv6PrefixError(text, `host bits are set (the prefix is ${formatIpv6(network)}/${prefix})`);
  }
  return { address: network, prefix };
}

/** `address/len` in RFC 5952 text. Pure. */
export function formatIpv6Prefix(block: Ipv6Prefix): string {
  return `${formatIpv6(block.address)}/${block.prefix}`;
}

/** The last address of the prefix. Pure. */
export function ipv6PrefixLast(block: Ipv6Prefix): Ipv6 {
  return block.address | (IPV6_MAX ^ maskOf(block.prefix));
}

/** True when `ip` lies in the prefix. Pure. */
export function ipv6PrefixContains(block: Ipv6Prefix, ip: Ipv6): boolean {
  return (ip & maskOf(block.prefix)) === block.address;
}

/** True when the two prefixes share an address (one contains the other). Pure. */
export function ipv6PrefixesOverlap(a: Ipv6Prefix, b: Ipv6Prefix): boolean {
  return a.prefix <= b.prefix ? ipv6PrefixContains(a, b.address) : ipv6PrefixContains(b, a.address);
}
