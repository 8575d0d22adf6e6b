/**
 * Counters of the DHCPv6 server: every datagram handed to it (`received`)
 * ends in exactly one outcome (a reply sent, or a named reason it was not),
 * and every datagram the sockets read and shed before handing it over is
 * counted in `dropped` by its reason (the DHCPv4 packet queue's reasons), so a
 * drop is never silent (as the DHCPv4 server's).
 */
import { dhcpDropReasons, type DhcpDropReason } from '../dhcp/packet-queue.js';
import type { Dhcp6DropReason } from './validate.js';

const dropReasons = [
  'server-message',
  'unsupported-message-type',
  'relay-reply-received',
  'relay-without-message',
  'unknown-link',
  'no-client-id',
  'server-id-present',
  'no-server-id',
  'not-our-server-id',
  'ia-in-information-request',
  'unicast-not-allowed',
  'confirm-without-addresses',
  'rebind-without-binding',
] as const satisfies readonly Dhcp6DropReason[];

export const dhcp6Outcomes = [
  /** An ADVERTISE (nothing journaled). */
  'advertise',
  /** A REPLY, after every lease change it carries was acknowledged. */
  'reply',
  'malformed',
  /** No served network with a DHCPv6 subnet on the interface it came in on. */
  'no-network',
  /** Another live agent of the network answers this client (the RFC 3074 split on its DUID). */
  'not-ours',
  'conflict',
  'not-permitted',
  'journal-error',
  'send-error',
  ...dropReasons,
] as const;

export type Dhcp6Outcome = (typeof dhcp6Outcomes)[number];

export class Dhcp6Stats {
  readonly counts = Object.fromEntries(dhcp6Outcomes.map((o) => [o, 0])) as Record<Dhcp6Outcome, number>;
  /** Datagrams read but never handed to the server, by reason: too old when their turn came, or pushed out of a full queue (net/dhcp6-sockets.ts). */
  readonly dropped = Object.fromEntries(dhcpDropReasons.map((r) => [r, 0])) as Record<DhcpDropReason, number>;
  received = 0;

  count(outcome: Dhcp6Outcome): void {
    this.counts[outcome]++;
  }
}
