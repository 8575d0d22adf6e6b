/**
 * `why lease <target>`, whichever family the lease is: an IPv6 address
 * names an IPv6 lease, an IPv4 address an IPv4 one, and a MAC the latest
 * lease of either family whose events name it (a dual-stack client's other
 * leases are listed beside the one explained).
 */
import { lease6NetworkIdOf } from '@leasehold/lease-actor';
import { tryParseIpv4, tryParseIpv6 } from '@leasehold/protocol';
import type { EventSource } from '../replay/source.js';
import { explainLease, locateLease, type LeaseWhy, type WhyLeaseOptions } from './lease.js';
import { explainLease6, whyLease6, type Lease6Why } from './lease6.js';

/** Explains the current lease `target` names. */
export async function whyAnyLease(source: EventSource, target: string, options: WhyLeaseOptions = {}): Promise<LeaseWhy | Lease6Why> {
  // A MAC or an IPv4 address never parses as an IPv6 address.
  const ipv6 = tryParseIpv4(target) === undefined ? tryParseIpv6(target) : undefined;
  if (ipv6 !== undefined) return whyLease6(source, ipv6, options);
  const history = await source.history();
  const located = await locateLease(source, target, options.network, history.model, true);
  return lease6NetworkIdOf(located.subject) !== undefined ? explainLease6(source, history, located, options) : explainLease(source, history, located, options);
}
