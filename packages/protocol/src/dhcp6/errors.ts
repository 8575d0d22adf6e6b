/**
 * What `decodeDhcp6` throws: `Dhcp6DecodeError` or one of its subclasses,
 * each naming the problem and the byte offset in the datagram where it was
 * found. Callers on the hot path catch `DecodeError` and count a drop.
 */
import { DecodeError } from '../errors.js';

/** Base of every DHCPv6 decode error. */
export class Dhcp6DecodeError extends DecodeError {
  override name = 'Dhcp6DecodeError';
  constructor(reason: string, offset: number, options?: ErrorOptions) {
    super('dhcp6', reason, offset, options);
  }
}

/** The datagram (or a message inside RELAY_MSG) ends inside its fixed header. */
export class Dhcp6TruncatedError extends Dhcp6DecodeError {
  override name = 'Dhcp6TruncatedError';
}

/** An option's header is cut short, or its data runs past the end of the message or option that holds it. */
export class Dhcp6OptionOverrunError extends Dhcp6DecodeError {
  override name = 'Dhcp6OptionOverrunError';
  constructor(
    readonly code: number,
    reason: string,
    offset: number,
  ) {
    super(`option ${code}: ${reason}`, offset);
  }
}

/** A typed option whose data does not have the shape its RFC gives it (wrong length, bad DUID, bad name, bad UTF-8...). */
export class Dhcp6OptionValueError extends Dhcp6DecodeError {
  override name = 'Dhcp6OptionValueError';
  constructor(
    readonly code: number,
    reason: string,
    offset: number,
  ) {
    super(`option ${code}: ${reason}`, offset);
  }
}

/** Relay messages wrapped more than HOP_COUNT_LIMIT deep, or options nested past the codec's limit. */
export class Dhcp6NestingError extends Dhcp6DecodeError {
  override name = 'Dhcp6NestingError';
}

/** A message that cannot be encoded (a value out of range, an address not 16 bytes, an option over 65535 bytes). */
export class Dhcp6EncodeError extends Error {
  override name = 'Dhcp6EncodeError';
}
