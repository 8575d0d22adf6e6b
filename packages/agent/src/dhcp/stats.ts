/** Counters of the DHCP server: every packet ends in exactly one of these, so a drop is never silent. */

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
  'conflict',
  'journal-error',
  'send-error',
  'ignored',
] as const;

export type DhcpOutcome = (typeof dhcpOutcomes)[number];

export class DhcpStats {
  readonly counts = Object.fromEntries(dhcpOutcomes.map((o) => [o, 0])) as Record<DhcpOutcome, number>;
  received = 0;

  count(outcome: DhcpOutcome): void {
    this.counts[outcome]++;
  }
}
