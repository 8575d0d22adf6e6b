/**
 * Errors of the IPv4 helpers. They are thrown for bad configuration input
 * (an API request, a config file), never by the packet decoders, which
 * read addresses as four bytes and cannot fail on them.
 */

/** Base of every IPv4 parse or range error. */
export class Ipv4Error extends Error {
  override name = 'Ipv4Error';
  constructor(
    readonly input: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${JSON.stringify(input)}: ${reason}`, options);
  }
}

/** Text that is not a dotted-quad IPv4 address, or a number outside 0..2^32-1. */
export class InvalidIpv4Error extends Ipv4Error {
  override name = 'InvalidIpv4Error';
}

/** A prefix length outside 0..32, or a netmask whose one bits are not contiguous. */
export class InvalidPrefixError extends Ipv4Error {
  override name = 'InvalidPrefixError';
}

/** Text that is not `a.b.c.d/len`, or (in strict mode) has host bits set. */
export class InvalidCidrError extends Ipv4Error {
  override name = 'InvalidCidrError';
}

/** A range whose first address is after its last. */
export class InvalidRangeError extends Ipv4Error {
  override name = 'InvalidRangeError';
}
