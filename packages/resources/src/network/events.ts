/**
 * The network events: a network and its subnets, one aggregate (see
 * subjects.ts). The API writes them; the API's read model, the scheduler and
 * every agent fold them. Their data types and validators are protocol's
 * (events/network.ts, events/validators.ts), where the journal's quarantine
 * reads them too.
 *
 * Machines and folds take the flat form `{ type, at, ...data }`, as
 * lease-actor's lease events; `at` travels in the envelope.
 */
import {
  flatEventEnvelope,
  type EnvelopeIds,
  type EventEnvelope,
  type EventRegistry,
  type HostRoute,
  type NetworkChanges,
  type NetworkEventData,
  type NetworkState,
  type Subnet6Changes,
  type Subnet6State,
  type SubnetChanges,
  type SubnetState,
} from '@leasehold/protocol';
import { checkedEvent, registryOf } from '../envelope.js';
import { networkAggregate } from './subjects.js';

export type { HostRoute, NetworkChanges, NetworkEventData, NetworkState, Subnet6Changes, Subnet6State, SubnetChanges, SubnetState };

export type NetworkEventType = keyof NetworkEventData;

/** The schema version this build writes, per type. */
export const NETWORK_EVENT_VERSION = {
  NetworkCreated: 1,
  NetworkUpdated: 1,
  NetworkDeleted: 1,
  SubnetCreated: 1,
  SubnetUpdated: 1,
  SubnetDeleted: 1,
  Subnet6Created: 1,
  Subnet6Updated: 1,
} as const satisfies Record<NetworkEventType, number>;

/** Types and versions of network events this build reads (for `decodeEvent`): those protocol has a validator for. */
export const networkEventRegistry: EventRegistry = registryOf(NETWORK_EVENT_VERSION);

/** Its data's fields beside type and time (NetworkDeleted has none: protocol types its data as an empty record). */
type Flat<T extends NetworkEventType> = { readonly type: T; readonly at: number } & (string extends keyof NetworkEventData[T] ? unknown : NetworkEventData[T]);

export type NetworkCreated = Flat<'NetworkCreated'>;
export type NetworkUpdated = Flat<'NetworkUpdated'>;
export type NetworkDeleted = Flat<'NetworkDeleted'>;
export type SubnetCreated = Flat<'SubnetCreated'>;
export type SubnetUpdated = Flat<'SubnetUpdated'>;
export type SubnetDeleted = Flat<'SubnetDeleted'>;
export type Subnet6Created = Flat<'Subnet6Created'>;
export type Subnet6Updated = Flat<'Subnet6Updated'>;

/** A network event as the network machine consumes it. */
export type NetworkEvent = NetworkCreated | NetworkUpdated | NetworkDeleted | SubnetCreated | SubnetUpdated | SubnetDeleted | Subnet6Created | Subnet6Updated;

/** A network event as the journal stores it. */
export type NetworkEnvelope = { [K in NetworkEventType]: EventEnvelope<K, NetworkEventData[K]> }[NetworkEventType];

/** True for the types of the network aggregate. Pure. */
export function isNetworkEventType(type: string): type is NetworkEventType {
  return Object.hasOwn(NETWORK_EVENT_VERSION, type);
}

/**
 * The envelope of an event of network `networkId` (the caller gives the
 * unique id and the optional causation and correlation). Pure.
 */
export function toNetworkEnvelope(networkId: string, event: NetworkEvent, ids: EnvelopeIds): NetworkEnvelope {
  return flatEventEnvelope(event, NETWORK_EVENT_VERSION[event.type], networkAggregate(networkId), ids) as unknown as NetworkEnvelope;
}

/**
 * The event of a decoded envelope, after protocol's validator for its type
 * and version. Throws `ResourceEventShapeError` for another aggregate's type
 * or data its type and version do not allow. Pure.
 */
export function fromNetworkEnvelope(envelope: EventEnvelope): NetworkEvent {
  return checkedEvent<NetworkEvent>(envelope, NETWORK_EVENT_VERSION, 'a network event');
}
