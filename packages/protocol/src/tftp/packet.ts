/**
 * The TFTP packets (RFC 1350 §5, with RFC 2347's OACK and option lists), in
 * decoded form. Strings hold one character per byte (latin1), so any byte
 * string but NUL survives a round trip unchanged: a file name is the
 * client's bytes, not a guess at their encoding.
 */

/** Opcodes (RFC 1350 §5; OACK: RFC 2347). */
export const TftpOpcode = { Rrq: 1, Wrq: 2, Data: 3, Ack: 4, Error: 5, Oack: 6 } as const;

/** Error codes (RFC 1350 Appendix; 8: RFC 2347, option negotiation refused). */
export const TftpErrorCode = {
  NotDefined: 0,
  FileNotFound: 1,
  AccessViolation: 2,
  DiskFull: 3,
  IllegalOperation: 4,
  UnknownTransferId: 5,
  FileExists: 6,
  NoSuchUser: 7,
  OptionRefused: 8,
} as const;

/** An option as sent: name and value text, in the order they came (names are case-insensitive: RFC 2347). */
export type TftpOption = readonly [name: string, value: string];

export interface TftpRequest {
  readonly op: 'rrq' | 'wrq';
  readonly filename: string;
  /** netascii, octet or mail, as the client spelt it (case-insensitive). */
  readonly mode: string;
  readonly options: readonly TftpOption[];
}

export interface TftpData {
  readonly op: 'data';
  /** 0..65535: past 65535 the block number wraps to 0. */
  readonly block: number;
  readonly data: Uint8Array;
}

export interface TftpAck {
  readonly op: 'ack';
  readonly block: number;
}

export interface TftpError {
  readonly op: 'error';
  readonly code: number;
  readonly message: string;
}

export interface TftpOack {
  readonly op: 'oack';
  readonly options: readonly TftpOption[];
}

export type TftpPacket = TftpRequest | TftpData | TftpAck | TftpError | TftpOack;
