/**
 * The scheduler's reading of journal envelopes: agent and binding events one
 * to one (resources' `fromAgentEnvelope`, `fromBindingEnvelope`), the API's
 * network and subnet events (resources' `fromNetworkEnvelope`) flattened to
 * the few fields scheduling needs (`NetworkInput`), with the network id
 * taken from the subject (resources' `networkIdOf`) or else the envelope's
 * aggregate `network/<id>`. The scheduler writes only binding decisions,
 * with resources' `toBindingEnvelope` (runtime.ts).
 */
import type { EventEnvelope } from '@leasehold/protocol';
import {
  fromAgentEnvelope,
  fromBindingEnvelope,
  fromNetworkEnvelope,
  isAgentEventType,
  isBindingEventType,
  isNetworkEventType,
  networkAggregate,
  networkIdOf,
  ResourceEventShapeError,
  type NetworkEvent,
} from '@leasehold/resources';
import { SchedulerEventShapeError } from './errors.js';
import type { NetworkInput, SchedulerEvent } from './events.js';

/**
 * The fold's event for a decoded envelope, or undefined for types the
 * scheduler ignores (ports, IPAM, leases). The data must pass protocol's
 * validator for its type and version, else `SchedulerEventShapeError`. A
 * network event's network is its subject's when `subject` is given (as every
 * projection reads it), else the envelope's aggregate's. Pure.
 */
export function schedulerEvent(envelope: EventEnvelope, subject?: string): SchedulerEvent | undefined {
  const { type } = envelope;
  try {
    if (isAgentEventType(type)) return fromAgentEnvelope(envelope);
    if (isBindingEventType(type)) return fromBindingEnvelope(envelope);
    if (!isNetworkEventType(type)) return undefined;
    const event = fromNetworkEnvelope(envelope);
    return networkInput(event, (subject === undefined ? undefined : networkIdOf(subject)) ?? networkIdOfAggregate(envelope));
  } catch (error) {
    if (error instanceof ResourceEventShapeError) throw new SchedulerEventShapeError(error.type, error.detail, { cause: error });
    throw error;
  }
}

/** The scheduler's flat form of a network or subnet event. Pure. */
function networkInput(event: NetworkEvent, networkId: string): NetworkInput {
  const { at } = event;
  switch (event.type) {
    case 'NetworkCreated':
      return { type: event.type, at, networkId, availabilityZoneHints: event.network.availabilityZoneHints, physicalNetwork: event.network.physicalNetwork };
    case 'NetworkUpdated': {
      const { availabilityZoneHints, physicalNetwork } = event.changes;
      return {
        type: event.type,
        at,
        networkId,
        ...(availabilityZoneHints === undefined ? {} : { availabilityZoneHints }),
        ...(physicalNetwork === undefined ? {} : { physicalNetwork }),
      };
    }
    case 'NetworkDeleted':
      return { type: event.type, at, networkId };
    case 'SubnetCreated':
      return { type: event.type, at, networkId, subnetId: event.subnet.id, enableDhcp: event.subnet.enableDhcp };
    case 'SubnetUpdated': {
      const { subnetId, changes } = event;
      return changes.enableDhcp === undefined ? { type: event.type, at, networkId, subnetId } : { type: event.type, at, networkId, subnetId, enableDhcp: changes.enableDhcp };
    }
    case 'SubnetDeleted':
      return { type: event.type, at, networkId, subnetId: event.subnetId };
    // An IPv6 subnet with DHCP enabled needs an agent as an IPv4 one does (Neutron schedules a network on any enable_dhcp subnet).
    case 'Subnet6Created':
      return { type: 'SubnetCreated', at, networkId, subnetId: event.subnet.id, enableDhcp: event.subnet.enableDhcp };
    case 'Subnet6Updated': {
      const { subnetId, changes } = event;
      return changes.enableDhcp === undefined ? { type: 'SubnetUpdated', at, networkId, subnetId } : { type: 'SubnetUpdated', at, networkId, subnetId, enableDhcp: changes.enableDhcp };
    }
  }
}

/** The network of an envelope read without its subject: its aggregate `network/<id>`. */
function networkIdOfAggregate(envelope: EventEnvelope): string {
  const prefix = networkAggregate('');
  const id = envelope.aggregate.startsWith(prefix) ? envelope.aggregate.slice(prefix.length) : '';
  if (id.length === 0) throw new ResourceEventShapeError(envelope.type, `aggregate "${envelope.aggregate}" is not network/<id>`);
  return id;
}
