/**
 * Where the claims live that keep addresses and MACs unique across API
 * instances: one subject per address, `lh.evt.ipam.<networkId>.<ip-token>`,
 * and per MAC, `lh.evt.mac.<networkId>.<mac>`, each written with an
 * expected sequence so two writers never both win. A claim's aggregate id is
 * its subject (as the API has always written it).
 */
import { aggregateSubject, formatIpv4, type Ipv4 } from '@leasehold/protocol';
import { pairIdOf } from '../subjects.js';

/** The subject of the claim on one address of a network, e.g. "lh.evt.ipam.n1.10-0-0-5". Pure. */
export function ipClaimSubject(networkId: string, ip: Ipv4): string {
  return aggregateSubject('ipam', networkId, formatIpv4(ip));
}

/** The subject of the claim on one MAC of a network, e.g. "lh.evt.mac.n1.fa:16:3e:00:00:01". Pure. */
export function macClaimSubject(networkId: string, mac: string): string {
  return aggregateSubject('mac', networkId, mac);
}

/** What a claim subject names: its kind, its network and the claimed token (the address with dashes, or the MAC). */
export interface ClaimSubjectParts {
  readonly kind: 'ipam' | 'mac';
  readonly networkId: string;
  readonly token: string;
}

/** The parts of an address or MAC claim subject, or undefined for any other subject. Pure. */
export function claimOf(subject: string): ClaimSubjectParts | undefined {
  const ipam = pairIdOf('ipam', subject);
  if (ipam) return { kind: 'ipam', networkId: ipam[0], token: ipam[1] };
  const mac = pairIdOf('mac', subject);
  return mac ? { kind: 'mac', networkId: mac[0], token: mac[1] } : undefined;
}
