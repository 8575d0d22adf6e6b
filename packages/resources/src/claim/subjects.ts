/**
 * Where the claims live that keep addresses and MACs unique across API
 * instances: one subject per address, `lh.evt.ipam.<networkId>.<ip-token>`,
 * per MAC, `lh.evt.mac.<networkId>.<mac>`, and per segment (one network
 * per segment), `lh.evt.segment.<scope>.<id>`, each written with an
 * expected sequence so two writers never both win. A claim's aggregate id is
 * its subject (as the API has always written it).
 */
import { aggregateSubject, formatIpv4, segmentClaimTokens, type Ipv4, type NetworkSegment } from '@leasehold/protocol';
import { pairIdOf } from '../subjects.js';

/** The subject of the claim on one address of a network, e.g. "lh.evt.ipam.n1.198-18-0-5". Pure. */
export function ipClaimSubject(networkId: string, ip: Ipv4): string {
  return aggregateSubject('ipam', networkId, formatIpv4(ip));
}

/**
 * The subject of the claim on one IPv6 address of a network, e.g.
 * "lh.evt.ipam.n1.2001:db8:1::5": its RFC 5952 text is the token as it
 * stands (NATS subject tokens may hold ':'; the text has no '.'). Pure.
 */
export function ip6ClaimSubject(networkId: string, ip: string): string {
  return aggregateSubject('ipam', networkId, ip);
}

/** The subject of the claim on one MAC of a network, e.g. "lh.evt.mac.n1.fa:16:3e:00:00:01". Pure. */
export function macClaimSubject(networkId: string, mac: string): string {
  return aggregateSubject('mac', networkId, mac);
}

/** The subject of the claim on a segment, e.g. "lh.evt.segment.p:physnet1.vlan-42" or "lh.evt.segment.vxlan.5000" (protocol's `segmentClaimTokens`). Pure. */
export function segmentClaimSubject(segment: NetworkSegment): string {
  return aggregateSubject('segment', ...segmentClaimTokens(segment));
}

/** What a claim subject names: its kind, its network and the claimed token (the address with dashes, or the MAC). */
export interface ClaimSubjectParts {
  readonly kind: 'ipam' | 'mac' | 'segment';
  /** For a segment claim, its scope (`vxlan`, or the physical network's token): the subject names no network. */
  readonly networkId: string;
  readonly token: string;
}

/** The parts of an address or MAC claim subject, or undefined for any other subject. Pure. */
export function claimOf(subject: string): ClaimSubjectParts | undefined {
  const ipam = pairIdOf('ipam', subject);
  if (ipam) return { kind: 'ipam', networkId: ipam[0], token: ipam[1] };
  const mac = pairIdOf('mac', subject);
  if (mac) return { kind: 'mac', networkId: mac[0], token: mac[1] };
  const segment = pairIdOf('segment', subject);
  return segment ? { kind: 'segment', networkId: segment[0], token: segment[1] } : undefined;
}
