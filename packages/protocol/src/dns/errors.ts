/**
 * Errors of the DNS codec. Every DNS decoder and fast-path reader throws
 * only DnsDecodeError (or returns a value); the encoder throws DnsEncodeError.
 */
import { DecodeError } from '../errors.js';

/** What was wrong with a DNS message, for callers that answer FORMERR or count drops by cause. */
export type DnsDecodeErrorKind =
  /** The message ends inside a header, name, fixed field or rdata. */
  | 'truncated'
  /** A section count promises more entries than the message holds. */
  | 'count-past-end'
  /** A fast-path reader needs a question and QDCOUNT is 0. */
  | 'no-question'
  /** A label length byte over 63 (0x40-0xbf: RFC 1035 4.1.4 reserves these label types). */
  | 'label-too-long'
  /** A name over 255 bytes in wire form (RFC 1035 2.3.4). */
  | 'name-too-long'
  /** A compression pointer that leads back into the name being read. */
  | 'compression-loop'
  /** A compression pointer forward, past the end, or into the header. */
  | 'bad-pointer'
  /** Rdata whose length or layout does not match its type. */
  | 'bad-rdata'
  /** An EDNS0 OPT pseudo-record that breaks RFC 6891 6.1.1 (place, owner, options). */
  | 'bad-opt'
  /** A legal name byte that the text form of names cannot carry losslessly. */
  | 'unsupported-name'
  /** dns-packet threw although the pre-scan passed: a gap in the pre-scan. */
  | 'library';

/** A DNS message the codec cannot read: says what was wrong and at which byte offset. */
export class DnsDecodeError extends DecodeError {
  override name = 'DnsDecodeError';
  constructor(
    readonly kind: DnsDecodeErrorKind,
    reason: string,
    offset: number,
    options?: ErrorOptions,
  ) {
    super('dns', reason, offset, options);
  }
}

/** A DnsMessage that cannot be written: `path` points at the offending field (e.g. `answers[2].name`). */
export class DnsEncodeError extends Error {
  override name = 'DnsEncodeError';
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`dns encode: ${path}: ${reason}`, options);
  }
}
