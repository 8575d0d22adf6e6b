/**
 * Where a network lives: aggregate `network/<id>`, subject
 * `lh.evt.network.<id>`. Its subnets are part of it (they share the subject,
 * so rules across subnets are checked against one version).
 */
import { aggregateSubject } from '@leasehold/protocol';
import { singleIdOf } from '../subjects.js';

/** The aggregate id of a network, e.g. "network/n1". Pure. */
export function networkAggregate(networkId: string): string {
  return `network/${networkId}`;
}

/** The subject of a network and its subnets, e.g. "lh.evt.network.n1". Pure. */
export function networkSubject(networkId: string): string {
  return aggregateSubject('network', networkId);
}

/** The network id of a network subject, or undefined for any other subject. The inverse of `networkSubject`. Pure. */
export function networkIdOf(subject: string): string | undefined {
  return singleIdOf('network', subject);
}
