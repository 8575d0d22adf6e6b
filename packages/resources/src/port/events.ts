/**
 * The port events. The API writes them (after claiming the port's MAC and
 * addresses: ../claim/); the API's read model and every agent fold them.
 * Their data types and validators are protocol's (events/port.ts).
 */
import {
  flatEventEnvelope,
  type EnvelopeIds,
  type EventEnvelope,
  type EventRegistry,
  type ExtraDhcpOpt,
  type FixedIp,
  type PortChanges,
  type PortEventData,
  type PortState,
} from '@leasehold/protocol';
import { checkedEvent, registryOf } from '../envelope.js';
import { portAggregate } from './subjects.js';

export type { ExtraDhcpOpt, FixedIp, PortChanges, PortEventData, PortState };

export type PortEventType = keyof PortEventData;

/** The schema version this build writes, per type. */
export const PORT_EVENT_VERSION = {
  PortCreated: 1,
  PortUpdated: 1,
  PortDeleted: 1,
} as const satisfies Record<PortEventType, number>;

/** Types and versions of port events this build reads (for `decodeEvent`). */
export const portEventRegistry: EventRegistry = registryOf(PORT_EVENT_VERSION);

type Flat<T extends PortEventType> = { readonly type: T; readonly at: number } & PortEventData[T];

export type PortCreated = Flat<'PortCreated'>;
export type PortUpdated = Flat<'PortUpdated'>;
export type PortDeleted = Flat<'PortDeleted'>;

/** A port event as the port fold consumes it. */
export type PortEvent = PortCreated | PortUpdated | PortDeleted;

/** A port event as the journal stores it. */
export type PortEnvelope = { [K in PortEventType]: EventEnvelope<K, PortEventData[K]> }[PortEventType];

/** True for the types of the port aggregate. Pure. */
export function isPortEventType(type: string): type is PortEventType {
  return Object.hasOwn(PORT_EVENT_VERSION, type);
}

/** The envelope of an event of port `portId`. Pure. */
export function toPortEnvelope(portId: string, event: PortEvent, ids: EnvelopeIds): PortEnvelope {
  return flatEventEnvelope(event, PORT_EVENT_VERSION[event.type], portAggregate(portId), ids) as unknown as PortEnvelope;
}

/** The event of a decoded envelope, after protocol's validator. Throws `ResourceEventShapeError`. Pure. */
export function fromPortEnvelope(envelope: EventEnvelope): PortEvent {
  return checkedEvent<PortEvent>(envelope, PORT_EVENT_VERSION, 'a port event');
}
