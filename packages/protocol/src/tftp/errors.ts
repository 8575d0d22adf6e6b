/**
 * What `decodeTftp` throws: `TftpDecodeError` or a subclass, naming the
 * problem and the byte offset where it was found. The server counts a drop
 * (or answers an ERROR) and goes on.
 */
import { DecodeError } from '../errors.js';

/** Base of every TFTP decode error. */
export class TftpDecodeError extends DecodeError {
  override name = 'TftpDecodeError';
  constructor(reason: string, offset: number, options?: ErrorOptions) {
    super('tftp', reason, offset, options);
  }
}

/** The datagram ends before its opcode, block number or error code. */
export class TftpTruncatedError extends TftpDecodeError {
  override name = 'TftpTruncatedError';
}

/** An opcode that is none of RFC 1350's five or RFC 2347's OACK. */
export class TftpOpcodeError extends TftpDecodeError {
  override name = 'TftpOpcodeError';
}

/** A string without its NUL, an option without a value, an empty name, or bytes after the packet's end. */
export class TftpFieldError extends TftpDecodeError {
  override name = 'TftpFieldError';
}

/** A value the encoder cannot write (a NUL inside a string, a character above 0xff, a block past 65535, a buffer too small). */
export class TftpEncodeError extends Error {
  override name = 'TftpEncodeError';
}
