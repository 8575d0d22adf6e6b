/** The TFTP server's counters: every request and datagram ends in exactly one of them (read by the metrics on scrape). */
import type { TftpRefusalReason } from './files.js';

/** How a transfer that started ended. */
export const tftpTransferOutcomes = ['completed', 'timeout', 'aborted', 'read-error', 'send-error'] as const;
export type TftpTransferOutcome = (typeof tftpTransferOutcomes)[number];

/** Requests answered with an ERROR instead of a transfer. */
export const tftpRefusalReasons: readonly TftpRefusalReason[] = ['write', 'bad-request', 'traversal', 'outside-root', 'not-found', 'unreadable', 'not-a-file', 'busy'];

/** Datagrams dropped: undecodable, from a stranger on a transfer's port (answered with error 5), or not what the transfer expects. */
export const tftpDropReasons = ['malformed', 'unknown-tid', 'unexpected'] as const;
export type TftpDropReason = (typeof tftpDropReasons)[number];

export class TftpStats {
  /** Read requests heard (whatever became of them). */
  requests = 0;
  /** Transfers under way now. */
  active = 0;
  /** DATA bytes sent, retransmissions included. */
  bytesSent = 0;
  /** DATA blocks sent again after a timeout or a client's earlier ACK. */
  retransmits = 0;
  readonly transfers: Record<TftpTransferOutcome, number> = Object.fromEntries(tftpTransferOutcomes.map((o) => [o, 0])) as Record<TftpTransferOutcome, number>;
  readonly refused: Record<TftpRefusalReason, number> = Object.fromEntries(tftpRefusalReasons.map((r) => [r, 0])) as Record<TftpRefusalReason, number>;
  readonly dropped: Record<TftpDropReason, number> = Object.fromEntries(tftpDropReasons.map((r) => [r, 0])) as Record<TftpDropReason, number>;
}
