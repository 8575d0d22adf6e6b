/**
 * What `decodeDhcp` throws: `DhcpDecodeError` or one of its subclasses,
 * each naming the problem and the byte offset in the datagram where it was
 * found. Callers on the hot path catch `DecodeError` and count a drop.
 */
import { DecodeError } from '../errors.js';

/** Base of every DHCPv4 decode error. */
export class DhcpDecodeError extends DecodeError {
  override name = 'DhcpDecodeError';
  constructor(reason: string, offset: number, options?: ErrorOptions) {
    super('dhcp', reason, offset, options);
  }
}

/** The datagram ends inside the fixed header or the magic cookie. */
export class DhcpTruncatedError extends DhcpDecodeError {
  override name = 'DhcpTruncatedError';
}

/** Bytes 236..239 are not 99.130.83.99: a BOOTP message without DHCP options, or not BOOTP at all. */
export class DhcpMagicCookieError extends DhcpDecodeError {
  override name = 'DhcpMagicCookieError';
}

/** A fixed header field holds an impossible value (hlen above 16). */
export class DhcpHeaderError extends DhcpDecodeError {
  override name = 'DhcpHeaderError';
}

/** An option's length byte is missing, or its data runs past the end of its field. */
export class DhcpOptionOverrunError extends DhcpDecodeError {
  override name = 'DhcpOptionOverrunError';
  constructor(
    readonly code: number,
    reason: string,
    offset: number,
  ) {
    super(`option ${code}: ${reason}`, offset);
  }
}

/** A typed option whose data does not have the shape its RFC gives it (wrong length, bad prefix...). */
export class DhcpOptionValueError extends DhcpDecodeError {
  override name = 'DhcpOptionValueError';
  constructor(
    readonly code: number,
    reason: string,
    offset: number,
  ) {
    super(`option ${code}: ${reason}`, offset);
  }
}

/** Option 52 has a length other than 1, a value other than 1..3, or sits inside sname/file. */
export class DhcpOverloadError extends DhcpOptionValueError {
  override name = 'DhcpOverloadError';
}

/** A domain name in option 81 or 119: compression loop or bad pointer, label over 63 bytes, name over 255 bytes. */
export class DhcpDomainNameError extends DhcpOptionValueError {
  override name = 'DhcpDomainNameError';
}

/** A message that cannot be encoded (a value out of range, a field too long, a required option that does not fit). */
export class DhcpEncodeError extends Error {
  override name = 'DhcpEncodeError';
}

/** An option value given as text (a Neutron extra_dhcp_opt, a dnsmasq dhcp-option) that does not fit the option's type. */
export class DhcpOptionTextError extends Error {
  override name = 'DhcpOptionTextError';
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`option ${code}: ${reason}`);
  }
}
