/**
 * Between journal envelopes and the fold's events. The scheduler's own events
 * (agents, bindings) map one to one; the API's network and subnet events are
 * flattened to the few fields scheduling needs (`NetworkInput`), with the
 * network id taken from the envelope's aggregate `network/<id>`.
 */
import { aggregateSubject, checkEventData, type EventEnvelope, type NetworkEventData } from '@leasehold/protocol';
import { SchedulerEventShapeError } from './errors.js';
import {
  SCHEDULER_EVENT_VERSION,
  type AgentEvent,
  type NetworkInput,
  type NetworkScheduled,
  type NetworkUnscheduled,
  type SchedulerEvent,
  type SchedulerEventDataByType,
  type SchedulerEventType,
} from './events.js';

/** A journaled agent or binding event, as the fold sees it (decisions from `decide` are among them). */
export type JournaledSchedulerEvent = AgentEvent | NetworkScheduled | NetworkUnscheduled;

/** The aggregate of an agent or binding event: `agent/<agentId>` or `binding/<networkId>`. Pure. */
export function schedulerAggregate(event: JournaledSchedulerEvent): string {
  return event.type === 'NetworkScheduled' || event.type === 'NetworkUnscheduled' ? `binding/${event.networkId}` : `agent/${event.agentId}`;
}

/** The subject to append the event to: `lh.evt.agent.<agentId>` or `lh.evt.binding.<networkId>`. Pure. */
export function schedulerSubject(event: JournaledSchedulerEvent): string {
  return event.type === 'NetworkScheduled' || event.type === 'NetworkUnscheduled'
    ? aggregateSubject('binding', event.networkId)
    : aggregateSubject('agent', event.agentId);
}

/**
 * An envelope for one of this package's events (the caller gives the unique id,
 * the JetStream publish id). Undefined optional fields are left out. Pure.
 */
export function toEnvelope(
  event: JournaledSchedulerEvent,
  meta: { id: string; causation?: string; correlation?: string },
): EventEnvelope<SchedulerEventType, SchedulerEventDataByType[SchedulerEventType]> {
  const { type, at, ...rest } = event;
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) data[key] = value;
  return {
    type,
    v: SCHEDULER_EVENT_VERSION[type],
    id: meta.id,
    aggregate: schedulerAggregate(event),
    at,
    data: data as unknown as SchedulerEventDataByType[SchedulerEventType],
    ...(meta.causation !== undefined ? { causation: meta.causation } : {}),
    ...(meta.correlation !== undefined ? { correlation: meta.correlation } : {}),
  };
}

/**
 * The fold's event for a decoded envelope, or undefined for types the
 * scheduler ignores (ports, IPAM, leases). The data must pass protocol's
 * validator for its type and version, else `SchedulerEventShapeError`. A
 * network event's network is its subject's last token when `subject` is
 * given (as every projection reads it), else the envelope's aggregate. Pure.
 */
export function fromEnvelope(envelope: EventEnvelope, subject?: string): SchedulerEvent | undefined {
  const { type, at } = envelope;
  if (!isKnown(type)) return undefined;
  const problem = checkEventData(type, envelope.v, envelope.data);
  if (problem !== undefined) fail(type, problem);
  const data = envelope.data as Record<string, unknown>;
  switch (type) {
    case 'AgentHeartbeat':
      return { ...(data as unknown as SchedulerEventDataByType['AgentHeartbeat']), type, at };
    case 'AgentDeleted':
      return { agentId: data.agentId as string, type, at };
    case 'AgentAdminStateChanged':
      return { agentId: data.agentId as string, adminStateUp: data.adminStateUp as boolean, type, at };
    case 'NetworkScheduled':
      return { ...(data as unknown as SchedulerEventDataByType['NetworkScheduled']), type, at };
    case 'NetworkUnscheduled':
      return { ...(data as unknown as SchedulerEventDataByType['NetworkUnscheduled']), type, at };
  }
  const networkId = subject === undefined ? networkIdOf(envelope) : subject.slice(subject.lastIndexOf('.') + 1);
  return networkInput(type as keyof NetworkEventData, networkId, data, at);
}

/** The scheduler's flat form of a network or subnet event whose data passed its validator. */
function networkInput(type: keyof NetworkEventData, networkId: string, data: Record<string, unknown>, at: number): NetworkInput {
  switch (type) {
    case 'NetworkCreated':
      return { type, at, networkId, availabilityZoneHints: (data as NetworkEventData['NetworkCreated']).network.availabilityZoneHints };
    case 'NetworkUpdated': {
      const hints = (data as NetworkEventData['NetworkUpdated']).changes.availabilityZoneHints;
      return hints === undefined ? { type, at, networkId } : { type, at, networkId, availabilityZoneHints: hints };
    }
    case 'NetworkDeleted':
      return { type, at, networkId };
    case 'SubnetCreated': {
      const { id, enableDhcp } = (data as NetworkEventData['SubnetCreated']).subnet;
      return { type, at, networkId, subnetId: id, enableDhcp };
    }
    case 'SubnetUpdated': {
      const { subnetId, changes } = data as NetworkEventData['SubnetUpdated'];
      return changes.enableDhcp === undefined ? { type, at, networkId, subnetId } : { type, at, networkId, subnetId, enableDhcp: changes.enableDhcp };
    }
    case 'SubnetDeleted':
      return { type, at, networkId, subnetId: (data as NetworkEventData['SubnetDeleted']).subnetId };
  }
}

const RESOURCE_TYPES: ReadonlySet<string> = new Set(['NetworkCreated', 'NetworkUpdated', 'NetworkDeleted', 'SubnetCreated', 'SubnetUpdated', 'SubnetDeleted']);

function isKnown(type: string): boolean {
  return Object.hasOwn(SCHEDULER_EVENT_VERSION, type) || RESOURCE_TYPES.has(type);
}

function networkIdOf(envelope: EventEnvelope): string {
  const prefix = 'network/';
  const id = envelope.aggregate.startsWith(prefix) ? envelope.aggregate.slice(prefix.length) : '';
  if (!isId(id)) fail(envelope.type, `aggregate "${envelope.aggregate}" is not network/<id>`);
  return id;
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function fail(type: string, detail: string): never {
  throw new SchedulerEventShapeError(type, detail);
}
