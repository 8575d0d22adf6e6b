/**
 * The agent events: an agent's heartbeats (Neutron's state reports, written
 * by the agent), and the API's admin changes and deletions. The scheduler,
 * the API's read model and every agent fold them. Their data types and
 * validators are protocol's (events/agent.ts).
 */
import { flatEventEnvelope, type AgentEventData, type AgentHeartbeatData, type EnvelopeIds, type EventEnvelope, type EventRegistry } from '@leasehold/protocol';
import { checkedEvent, registryOf } from '../envelope.js';
import { agentAggregate } from './subjects.js';

export type { AgentEventData, AgentHeartbeatData };

/** AgentAdminStateChanged v1: the API set admin_state_up. */
export type AgentAdminStateChangedData = AgentEventData['AgentAdminStateChanged'];

/** AgentDeleted v1: the API deleted the agent (only once it stopped reporting). */
export type AgentDeletedData = AgentEventData['AgentDeleted'];

export type AgentEventType = keyof AgentEventData;

/** The schema version this build writes, per type. */
export const AGENT_EVENT_VERSION = {
  AgentHeartbeat: 1,
  AgentAdminStateChanged: 1,
  AgentDeleted: 1,
} as const satisfies Record<AgentEventType, number>;

/** Types and versions of agent events this build reads (for `decodeEvent`). */
export const agentEventRegistry: EventRegistry = registryOf(AGENT_EVENT_VERSION);

type Flat<T extends AgentEventType> = { readonly type: T; readonly at: number } & AgentEventData[T];

export type AgentHeartbeat = Flat<'AgentHeartbeat'>;
export type AgentAdminStateChanged = Flat<'AgentAdminStateChanged'>;
export type AgentDeleted = Flat<'AgentDeleted'>;

/** An agent event as the agent's folds and machine consume it. */
export type AgentEvent = AgentHeartbeat | AgentAdminStateChanged | AgentDeleted;

/** An agent event as the journal stores it. */
export type AgentEnvelope = { [K in AgentEventType]: EventEnvelope<K, AgentEventData[K]> }[AgentEventType];

/** True for the types of the agent aggregate. Pure. */
export function isAgentEventType(type: string): type is AgentEventType {
  return Object.hasOwn(AGENT_EVENT_VERSION, type);
}

/** The envelope of an agent event (its aggregate is its data's agentId). Pure. */
export function toAgentEnvelope(event: AgentEvent, ids: EnvelopeIds): AgentEnvelope {
  return flatEventEnvelope(event, AGENT_EVENT_VERSION[event.type], agentAggregate(event.agentId), ids) as unknown as AgentEnvelope;
}

/** The event of a decoded envelope, after protocol's validator. Throws `ResourceEventShapeError`. Pure. */
export function fromAgentEnvelope(envelope: EventEnvelope): AgentEvent {
  return checkedEvent<AgentEvent>(envelope, AGENT_EVENT_VERSION, 'an agent event');
}
