/**
 * Counters of the DHCP server: every packet handed to it (`received`) ends
 * in exactly one outcome, and every datagram the sockets read and shed
 * before handing it over is counted in `dropped` by its reason
 * (packet-queue.ts), so a drop is never silent.
 */
import { dhcpDropReasons, type DhcpDropReason } from './packet-queue.js';

export const dhcpOutcomes = [
  'offer',
  'ack',
  'nak',
  'inform',
  'release',
  'decline',
  'malformed',
  'not-a-request',
  'unsupported-type',
  'no-network',
  'not-ours',
  'other-server',
  'no-address',
  /** Dropped before any lookup: the chaddr's token bucket is empty (`DhcpLimits.perMac`). */
  'rate-limited-mac',
  /** Dropped before any lookup: the relay's (giaddr) token bucket is empty (`DhcpLimits.perRelay`). */
  'rate-limited-relay',
  /** Refused: the chaddr holds `maxLeasesPerMac` addresses under other client ids (a REQUEST gets a NAK). */
  'lease-cap',
  /** Refused: the network has `leaseMax` dynamic leases and this client would take one more (a REQUEST gets a NAK). */
  'lease-max',
  'conflict',
  /** The server refused the lease write: the network is not bound to this agent as of its last reload (no reply). */
  'not-permitted',
  'journal-error',
  'send-error',
  'ignored',
] as const;

export type DhcpOutcome = (typeof dhcpOutcomes)[number];

export class DhcpStats {
  readonly counts = Object.fromEntries(dhcpOutcomes.map((o) => [o, 0])) as Record<DhcpOutcome, number>;
  /** Datagrams read but never handed to the server: too old when their turn came, or pushed out of a full queue. */
  readonly dropped = Object.fromEntries(dhcpDropReasons.map((r) => [r, 0])) as Record<DhcpDropReason, number>;
  received = 0;

  count(outcome: DhcpOutcome): void {
    this.counts[outcome]++;
  }
}
