/**
 * A read request's options and what the server answers in its OACK
 * (RFC 2347): blksize (RFC 2348), timeout and tsize (RFC 2349), windowsize
 * (RFC 7440). Names are case-insensitive; a value that is not a decimal
 * number in its option's range, an unknown option and a repeated one are
 * ignored (RFC 2347 lets a server leave out what it does not take); with no
 * option taken there is no OACK and the transfer starts with block 1. Pure.
 */
import type { TftpOption } from './packet.js';

/** RFC 1350's block size, used when the client asks for none. */
export const TFTP_DEFAULT_BLOCK_SIZE = 512;
/** RFC 2348's valid range of blksize, inclusive. */
export const TFTP_MIN_BLOCK_SIZE = 8;
export const TFTP_MAX_BLOCK_SIZE = 65464;
/** RFC 7440's range. */
export const TFTP_MAX_WINDOW_SIZE = 65535;

export interface TftpNegotiated {
  /** Data bytes per block. */
  readonly blockSize: number;
  /** Blocks sent before waiting for an ACK (1 without RFC 7440). */
  readonly windowSize: number;
  /** The client's retransmission timeout in seconds (1..255), when it set one: the server uses it too. */
  readonly timeoutSeconds?: number;
  /** The OACK's options, lower-case names in the client's order; empty: send no OACK. */
  readonly oack: readonly TftpOption[];
}

export interface TftpNegotiationLimits {
  /** The file's size, answered to tsize. */
  readonly fileSize: number;
  /** The largest block the server sends (a larger request is answered with this): default 65464. */
  readonly maxBlockSize?: number;
  /** The largest window the server sends (a larger request is answered with this): default 65535. */
  readonly maxWindowSize?: number;
}

/** What the server takes of a read request's options. Pure. */
export function negotiateTftpOptions(requested: readonly TftpOption[], limits: TftpNegotiationLimits): TftpNegotiated {
  const maxBlock = Math.min(TFTP_MAX_BLOCK_SIZE, Math.max(TFTP_MIN_BLOCK_SIZE, limits.maxBlockSize ?? TFTP_MAX_BLOCK_SIZE));
  const maxWindow = Math.min(TFTP_MAX_WINDOW_SIZE, Math.max(1, limits.maxWindowSize ?? TFTP_MAX_WINDOW_SIZE));
  let blockSize = TFTP_DEFAULT_BLOCK_SIZE;
  let windowSize = 1;
  let timeoutSeconds: number | undefined;
  const oack: TftpOption[] = [];
  const seen = new Set<string>();
  for (const [rawName, value] of requested) {
    const name = rawName.toLowerCase();
    if (seen.has(name)) continue;
    seen.add(name);
    const n = decimal(value);
    if (n === undefined) continue;
    switch (name) {
      case 'blksize':
        // RFC 2348: 8..65464; the server may answer less than asked, never more.
        if (n < TFTP_MIN_BLOCK_SIZE || n > TFTP_MAX_BLOCK_SIZE) continue;
        blockSize = Math.min(n, maxBlock);
        oack.push([name, String(blockSize)]);
        break;
      case 'windowsize':
        if (n < 1 || n > TFTP_MAX_WINDOW_SIZE) continue;
        windowSize = Math.min(n, maxWindow);
        oack.push([name, String(windowSize)]);
        break;
      case 'timeout':
        // RFC 2349: 1..255 seconds, answered as asked (not negotiable).
        if (n < 1 || n > 255) continue;
        timeoutSeconds = n;
        oack.push([name, String(n)]);
        break;
      case 'tsize':
        // In a read request the client sends 0 and learns the size.
        oack.push([name, String(limits.fileSize)]);
        break;
    }
  }
  return { blockSize, windowSize, ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}), oack };
}

/** A plain decimal number (no sign, no spaces, at most 10 digits), else undefined. */
function decimal(text: string): number | undefined {
  return /^\d{1,10}$/.test(text) ? Number(text) : undefined;
}
