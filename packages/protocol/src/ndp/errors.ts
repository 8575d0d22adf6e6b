/**
 * What `decodeNdp` throws: `NdpDecodeError` or one of its subclasses, each
 * naming the problem and the byte offset where it was found. RFC 4861
 * 6.1.1 has a router silently discard such a message; the agent counts it.
 */
import { DecodeError } from '../errors.js';

/** Base of every Neighbor Discovery decode error. */
export class NdpDecodeError extends DecodeError {
  override name = 'NdpDecodeError';
  constructor(reason: string, offset: number, options?: ErrorOptions) {
    super('ndp', reason, offset, options);
  }
}

/** The message ends inside its fixed part (8 bytes for RS, 16 for RA). */
export class NdpTruncatedError extends NdpDecodeError {
  override name = 'NdpTruncatedError';
}

/** An ICMPv6 type other than 133 and 134, or a code other than 0 (RFC 4861 6.1.1, 6.1.2). */
export class NdpTypeError extends NdpDecodeError {
  override name = 'NdpTypeError';
}

/** An option of length 0 (RFC 4861 4.6: discard the packet), one that runs past the message, or a typed one without its RFC's shape. */
export class NdpOptionError extends NdpDecodeError {
  override name = 'NdpOptionError';
  constructor(
    readonly type: number,
    reason: string,
    offset: number,
  ) {
    super(`option ${type}: ${reason}`, offset);
  }
}

/** A message that cannot be encoded (a value out of range, an address not 16 bytes, an option over 2040 bytes). */
export class NdpEncodeError extends Error {
  override name = 'NdpEncodeError';
}
