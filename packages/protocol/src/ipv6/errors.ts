/**
 * Errors of the IPv6 helpers. As with IPv4 (../ipv4/errors.ts) they are
 * thrown for bad configuration input (an API request, a config file), never
 * by packet decoders, which read an address as sixteen bytes.
 */

/** Base of every IPv6 parse error. */
export class Ipv6Error extends Error {
  override name = 'Ipv6Error';
  constructor(
    readonly input: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${JSON.stringify(input)}: ${reason}`, options);
  }
}

/** Text that is not an IPv6 address, or a bigint outside 0..2^128-1. */
export class InvalidIpv6Error extends Ipv6Error {
  override name = 'InvalidIpv6Error';
}

/** Text that is not `address/len` with len 0..128, or (in strict mode) has host bits set. */
export class InvalidIpv6PrefixError extends Ipv6Error {
  override name = 'InvalidIpv6PrefixError';
}

/** A MAC that is not six colon-separated hex bytes (the EUI-48 an EUI-64 interface id is made from). */
export class InvalidMacError extends Ipv6Error {
  override name = 'InvalidMacError';
}
