/**
 * Between journal envelopes and the fold's events. The scheduler's own events
 * (agents, bindings) map one to one; the API's network and subnet events are
 * flattened to the few fields scheduling needs (`NetworkInput`), with the
 * network id taken from the envelope's aggregate `network/<id>`.
 */
import { aggregateSubject, type EventEnvelope, type NetworkEventData } from '@leasehold/protocol';
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
 * The fold's event for a decoded envelope (checked against
 * `schedulerEventRegistry`), or undefined for types the scheduler ignores
 * (ports, IPAM, leases). Throws `SchedulerEventShapeError` when the data lacks
 * what its type needs. Pure.
 */
export function fromEnvelope(envelope: EventEnvelope): SchedulerEvent | undefined {
  const { type, at } = envelope;
  const d = envelope.data;
  if (d === null || typeof d !== 'object' || Array.isArray(d)) {
    return isKnown(type) ? fail(type, 'data is not a map') : undefined;
  }
  const data = d as Record<string, unknown>;
  const need = (field: string, ok: boolean): void => {
    if (!ok) fail(type, `field "${field}" is missing or has the wrong type`);
  };
  switch (type) {
    case 'AgentHeartbeat':
      need('agentId', isId(data.agentId));
      need('host', typeof data.host === 'string');
      need('availabilityZone', typeof data.availabilityZone === 'string');
      need('networks', isStrings(data.networks));
      need('load', typeof data.load === 'number' && Number.isFinite(data.load));
      need('interfaceMappings', typeof data.interfaceMappings === 'object' && data.interfaceMappings !== null);
      need('reportIntervalMs', typeof data.reportIntervalMs === 'number');
      need('version', typeof data.version === 'string');
      return { ...(data as unknown as SchedulerEventDataByType['AgentHeartbeat']), type, at };
    case 'AgentDeleted':
      need('agentId', isId(data.agentId));
      return { agentId: data.agentId as string, type, at };
    case 'AgentAdminStateChanged':
      need('agentId', isId(data.agentId));
      need('adminStateUp', typeof data.adminStateUp === 'boolean');
      return { agentId: data.agentId as string, adminStateUp: data.adminStateUp as boolean, type, at };
    case 'NetworkScheduled':
      need('networkId', isId(data.networkId));
      need('agentId', isId(data.agentId));
      need('reason', typeof data.reason === 'string' && SCHEDULE_REASONS.has(data.reason));
      need('strategy', data.strategy === undefined || typeof data.strategy === 'string');
      return { ...(data as unknown as SchedulerEventDataByType['NetworkScheduled']), type, at };
    case 'NetworkUnscheduled':
      need('networkId', isId(data.networkId));
      need('agentId', isId(data.agentId));
      need('reason', typeof data.reason === 'string' && UNSCHEDULE_REASONS.has(data.reason));
      return { ...(data as unknown as SchedulerEventDataByType['NetworkUnscheduled']), type, at };
  }
  if (!isResourceType(type)) return undefined;
  return networkInput(type, networkIdOf(envelope), data, at);
}

function networkInput(type: keyof NetworkEventData, networkId: string, data: Record<string, unknown>, at: number): NetworkInput {
  const need = (field: string, ok: boolean): void => {
    if (!ok) fail(type, `field "${field}" is missing or has the wrong type`);
  };
  switch (type) {
    case 'NetworkCreated': {
      const network = data.network as Record<string, unknown> | undefined;
      need('network', typeof network === 'object' && network !== null);
      const hints = (network as Record<string, unknown>).availabilityZoneHints;
      need('network.availabilityZoneHints', isStrings(hints));
      return { type, at, networkId, availabilityZoneHints: hints as string[] };
    }
    case 'NetworkUpdated': {
      const changes = data.changes as Record<string, unknown> | undefined;
      need('changes', typeof changes === 'object' && changes !== null);
      const hints = (changes as Record<string, unknown>).availabilityZoneHints;
      need('changes.availabilityZoneHints', hints === undefined || isStrings(hints));
      return hints === undefined ? { type, at, networkId } : { type, at, networkId, availabilityZoneHints: hints as string[] };
    }
    case 'NetworkDeleted':
      return { type, at, networkId };
    case 'SubnetCreated': {
      const subnet = data.subnet as Record<string, unknown> | undefined;
      need('subnet', typeof subnet === 'object' && subnet !== null);
      const { id, enableDhcp } = subnet as Record<string, unknown>;
      need('subnet.id', isId(id));
      need('subnet.enableDhcp', typeof enableDhcp === 'boolean');
      return { type, at, networkId, subnetId: id as string, enableDhcp: enableDhcp as boolean };
    }
    case 'SubnetUpdated': {
      need('subnetId', isId(data.subnetId));
      const changes = data.changes as Record<string, unknown> | undefined;
      need('changes', typeof changes === 'object' && changes !== null);
      const enableDhcp = (changes as Record<string, unknown>).enableDhcp;
      need('changes.enableDhcp', enableDhcp === undefined || typeof enableDhcp === 'boolean');
      const base = { type, at, networkId, subnetId: data.subnetId as string };
      return enableDhcp === undefined ? base : { ...base, enableDhcp: enableDhcp as boolean };
    }
    case 'SubnetDeleted':
      need('subnetId', isId(data.subnetId));
      return { type, at, networkId, subnetId: data.subnetId as string };
  }
}

const SCHEDULE_REASONS: ReadonlySet<string> = new Set(['new-network', 'auto-schedule', 'failover', 'rebalance', 'manual']);
const UNSCHEDULE_REASONS: ReadonlySet<string> = new Set(['agent-down', 'agent-deleted', 'network-deleted', 'rebalance', 'manual', 'dhcp-disabled']);
const RESOURCE_TYPES: ReadonlySet<string> = new Set(['NetworkCreated', 'NetworkUpdated', 'NetworkDeleted', 'SubnetCreated', 'SubnetUpdated', 'SubnetDeleted']);

function isKnown(type: string): boolean {
  return type in SCHEDULER_EVENT_VERSION || RESOURCE_TYPES.has(type);
}

function isResourceType(type: string): type is keyof NetworkEventData {
  return RESOURCE_TYPES.has(type);
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

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function fail(type: string, detail: string): never {
  throw new SchedulerEventShapeError(type, detail);
}
