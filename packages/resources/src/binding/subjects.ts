/**
 * Where a network's bindings to agents live: aggregate `binding/<networkId>`,
 * subject `lh.evt.binding.<networkId>`. Every decision about one network goes
 * to one subject, so two schedulers (or a scheduler and the API) appending
 * with its expected sequence can never both bind it.
 */
import { aggregateSubject } from '@leasehold/protocol';
import { singleIdOf } from '../subjects.js';

/** The aggregate id of a network's bindings, e.g. "binding/n1". Pure. */
export function bindingAggregate(networkId: string): string {
  return `binding/${networkId}`;
}

/** The subject of a network's bindings, e.g. "lh.evt.binding.n1". Pure. */
export function bindingSubject(networkId: string): string {
  return aggregateSubject('binding', networkId);
}

/** The network id of a binding subject, or undefined for any other subject. The inverse of `bindingSubject`. Pure. */
export function bindingNetworkIdOf(subject: string): string | undefined {
  return singleIdOf('binding', subject);
}
