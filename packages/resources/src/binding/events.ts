/**
 * The binding events: a network scheduled to or unscheduled from an agent.
 * The scheduler writes them (and the API, for manual bindings); the
 * scheduler, the API's read model and every agent fold them. Their data types
 * and validators are protocol's (events/agent.ts).
 */
import {
  flatEventEnvelope,
  type BindingEventData,
  type BindingReason,
  type EnvelopeIds,
  type EventEnvelope,
  type EventRegistry,
  type NetworkScheduledData,
  type NetworkUnscheduledData,
} from '@leasehold/protocol';
import { checkedEvent, registryOf } from '../envelope.js';
import { bindingAggregate } from './subjects.js';

export type { BindingEventData, BindingReason, NetworkScheduledData, NetworkUnscheduledData };

/** Why a binding was removed, as protocol spells it. */
export type UnbindingReason = NetworkUnscheduledData['reason'];

export type BindingEventType = keyof BindingEventData;

/** The schema version this build writes, per type. */
export const BINDING_EVENT_VERSION = {
  NetworkScheduled: 1,
  NetworkUnscheduled: 1,
} as const satisfies Record<BindingEventType, number>;

/** Types and versions of binding events this build reads (for `decodeEvent`). */
export const bindingEventRegistry: EventRegistry = registryOf(BINDING_EVENT_VERSION);

type Flat<T extends BindingEventType> = { readonly type: T; readonly at: number } & BindingEventData[T];

export type NetworkScheduled = Flat<'NetworkScheduled'>;
export type NetworkUnscheduled = Flat<'NetworkUnscheduled'>;

/** A binding event as the folds consume it. */
export type BindingEvent = NetworkScheduled | NetworkUnscheduled;

/** A binding event as the journal stores it. */
export type BindingEnvelope = { [K in BindingEventType]: EventEnvelope<K, BindingEventData[K]> }[BindingEventType];

/** True for the types of the binding aggregate. Pure. */
export function isBindingEventType(type: string): type is BindingEventType {
  return Object.hasOwn(BINDING_EVENT_VERSION, type);
}

/** The envelope of a binding event (its aggregate is its data's networkId). Undefined optional fields are left out. Pure. */
export function toBindingEnvelope(event: BindingEvent, ids: EnvelopeIds): BindingEnvelope {
  return flatEventEnvelope(event, BINDING_EVENT_VERSION[event.type], bindingAggregate(event.networkId), ids) as unknown as BindingEnvelope;
}

/** The event of a decoded envelope, after protocol's validator. Throws `ResourceEventShapeError`. Pure. */
export function fromBindingEnvelope(envelope: EventEnvelope): BindingEvent {
  return checkedEvent<BindingEvent>(envelope, BINDING_EVENT_VERSION, 'a binding event');
}
