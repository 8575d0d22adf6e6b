/**
 * One validator per event type and schema version, for every event a fold
 * reads: what a stored event must be before any projection applies it. The
 * schemas describe exactly the types the writers write (checked at compile
 * time below), bounded where a reader computes from a value (a time must be
 * a date, a lease duration what the API accepts). Beyond its data, an event
 * must sit on the subject of its aggregate kind, and the ids in its data that
 * a fold keys on must be the subject's: a `PortCreated` for port B on port
 * A's subject would otherwise give B the version of A's subject.
 *
 * The registries readers hand to `decodeEvent` are derived from this table,
 * so a type and version is known exactly when it has a validator. The field
 * schemas are in field-schemas.ts, the subject homes in subject-homes.ts.
 */
import type { AgentEventData, BindingEventData } from './agent.js';
import type { LeaseEventData } from './lease.js';
import type { Lease6EventData } from './lease6.js';
import type { NetworkEventData } from './network.js';
import type { ClaimEventData, PortEventData } from './port.js';
import { array, boolean, formatPath, ipv4, ipv6, number, object, optional, partial, record, unknown, type Infer, type Schema } from './schema.js';
import {
  MAX_EVENT_TIME,
  bindingReason,
  cause6,
  client,
  extraDhcpOpts6,
  fixedIps6,
  holder6,
  id,
  ip6Claim,
  ipClaim,
  leaseTimes,
  macClaim,
  networkExtras,
  networkFields,
  portExtras,
  portFields,
  projectId,
  segmentClaim,
  segmentFields,
  subnet6Changes,
  subnet6State,
  subnetChanges,
  subnetState,
  text,
  time,
  unbindingReason,
} from './field-schemas.js';
import { OWNED_KINDS, PREFIX, homes, idTokensOf } from './subject-homes.js';
import type { EventEnvelope } from '../envelope.js';

// ---- the schemas, one per type and version ----

const schemas = {
  NetworkCreated: { 1: object({ network: object({ id, ...networkFields, ...partial(segmentFields), projectId, ...partial(networkExtras) }) }) },
  NetworkUpdated: { 1: object({ changes: object(partial({ ...networkFields, ...segmentFields, ...networkExtras }), { strict: true }) }) },
  NetworkDeleted: { 1: object({}) },
  SubnetCreated: { 1: object({ subnet: subnetState }) },
  SubnetUpdated: { 1: object({ subnetId: id, changes: subnetChanges }) },
  SubnetDeleted: { 1: object({ subnetId: id }) },
  Subnet6Created: { 1: object({ subnet: subnet6State }) },
  Subnet6Updated: { 1: object({ subnetId: id, changes: subnet6Changes }) },
  PortCreated: { 1: object({ port: object({ id, networkId: id, ...portFields, fixedIps6: optional(fixedIps6), extraDhcpOpts6: optional(extraDhcpOpts6), projectId, ...partial(portExtras) }) }) },
  PortUpdated: { 1: object({ changes: object(partial({ ...portFields, fixedIps6, extraDhcpOpts6, ...portExtras }), { strict: true }) }) },
  PortDeleted: { 1: object({ networkId: id }) },
  IpAllocated: { 1: ipClaim },
  IpReleased: { 1: ipClaim },
  Ip6Allocated: { 1: ip6Claim },
  Ip6Released: { 1: ip6Claim },
  MacClaimed: { 1: macClaim },
  MacReleased: { 1: macClaim },
  SegmentClaimed: { 1: segmentClaim },
  SegmentReleased: { 1: segmentClaim },
  AgentHeartbeat: {
    1: object({
      agentId: id,
      host: text,
      availabilityZone: text,
      networks: array(id),
      load: number({ min: 0 }),
      interfaceMappings: record(text),
      relayInterfaces: optional(array(text)),
      reportIntervalMs: number({ min: 0 }),
      version: text,
    }),
  },
  AgentAdminStateChanged: { 1: object({ agentId: id, adminStateUp: boolean() }) },
  AgentDeleted: { 1: object({ agentId: id }) },
  NetworkScheduled: { 1: object({ networkId: id, agentId: id, reason: bindingReason, strategy: optional(text), inputs: optional(unknown()) }) },
  NetworkUnscheduled: { 1: object({ networkId: id, agentId: id, reason: unbindingReason, inputs: optional(unknown()) }) },
  LeaseBound: { 1: object({ ip: ipv4(), ...client, hostname: optional(text), ...leaseTimes }) },
  LeaseRenewed: { 1: object({ ip: ipv4(), ...client, hostname: optional(text), ...leaseTimes }) },
  LeaseReleased: { 1: object({ ip: ipv4(), ...client }) },
  LeaseDeclined: { 1: object({ ip: ipv4(), ...client, quarantineUntil: time, message: optional(text) }) },
  LeaseExpired: { 1: object({ ip: ipv4(), expiresAt: time }) },
  Lease6Bound: { 1: object({ ip: ipv6(), ...holder6, ...cause6, expiresAt: time }) },
  Lease6Renewed: { 1: object({ ip: ipv6(), ...holder6, ...cause6, expiresAt: time }) },
  Lease6Released: { 1: object({ ip: ipv6(), ...holder6 }) },
  Lease6Declined: { 1: object({ ip: ipv6(), ...holder6 }) },
  Lease6Expired: { 1: object({ ip: ipv6(), expiresAt: time }) },
} as const;

/** Every event type a fold reads, with the data of each (the writers' types). */
export type EventDataByType = NetworkEventData & PortEventData & ClaimEventData & AgentEventData & BindingEventData & LeaseEventData & Lease6EventData;
export type KnownEventType = keyof EventDataByType;

// Compile-time proof that each schema accepts exactly what its writers write: a field added to
// a writer's type and not here (or the reverse) fails the typecheck.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Described = { [K in KnownEventType]: Same<Infer<(typeof schemas)[K][1]>, EventDataByType[K]> };
const described: Described = {
  NetworkCreated: true,
  NetworkUpdated: true,
  NetworkDeleted: true,
  SubnetCreated: true,
  SubnetUpdated: true,
  SubnetDeleted: true,
  Subnet6Created: true,
  Subnet6Updated: true,
  PortCreated: true,
  PortUpdated: true,
  PortDeleted: true,
  IpAllocated: true,
  IpReleased: true,
  Ip6Allocated: true,
  Ip6Released: true,
  MacClaimed: true,
  MacReleased: true,
  SegmentClaimed: true,
  SegmentReleased: true,
  AgentHeartbeat: true,
  AgentAdminStateChanged: true,
  AgentDeleted: true,
  NetworkScheduled: true,
  NetworkUnscheduled: true,
  LeaseBound: true,
  LeaseRenewed: true,
  LeaseReleased: true,
  LeaseDeclined: true,
  LeaseExpired: true,
  Lease6Bound: true,
  Lease6Renewed: true,
  Lease6Released: true,
  Lease6Declined: true,
  Lease6Expired: true,
};
void described;

/** The data schema of each known type, by version. */
export const eventSchemas: { readonly [K in KnownEventType]: Readonly<Record<number, Schema<EventDataByType[K]>>> } = schemas;

/** Versions this build reads, by type (the registries are made from it). */
export const eventVersions: ReadonlyMap<string, readonly number[]> = new Map(
  Object.entries(schemas).map(([type, byVersion]) => [type, Object.keys(byVersion).map(Number)]),
);

/** True for the event types of this table. Pure. */
export function isKnownEventType(type: string): type is KnownEventType {
  return Object.hasOwn(homes, type);
}

/**
 * What is wrong with the data of a `type` event at schema version `v`, or
 * undefined when it is valid. Unknown types and versions are wrong. Pure;
 * allocates nothing when the data is valid.
 */
export function checkEventData(type: string, v: number, data: unknown): string | undefined {
  if (!isKnownEventType(type)) return `unknown event type ${JSON.stringify(type)}`;
  const schema = (eventSchemas[type] as Readonly<Record<number, Schema<unknown>>>)[v];
  if (!schema) return `${type} v${v} is not a schema version this build reads (${eventVersions.get(type)!.join(', ')})`;
  const p = schema.check(data);
  return p ? `${type} v${v}: ${formatPath('data', p.path)}: ${p.message}` : undefined;
}

/**
 * What keeps a stored event out of the folds, or undefined when every fold
 * may apply it: a type of this table must be at a version it reads, with
 * valid data and a valid time, on the subject of its aggregate whose ids its
 * data repeat; any other type is refused on the subjects of this table's
 * aggregates and left to its readers elsewhere (a test's subjects, a newer
 * build's kinds). The envelope itself was checked by `decodeEvent`. Pure;
 * allocates nothing for a valid event but the positions of the subject's ids.
 */
export function checkStoredEvent(subject: string, event: EventEnvelope): string | undefined {
  const { type } = event;
  if (!isKnownEventType(type)) {
    const kind = subject.startsWith(PREFIX) ? subject.slice(PREFIX.length, (subject.indexOf('.', PREFIX.length) + 1 || subject.length + 1) - 1) : undefined;
    return kind !== undefined && OWNED_KINDS.has(kind) ? `unknown event type ${JSON.stringify(type)} on a ${kind} subject` : undefined;
  }
  const home = homes[type];
  const ids = idTokensOf(subject, home.kind, home.ids);
  if (!ids) return `${type} belongs on lh.evt.${home.kind}.${home.ids === 1 ? '<id>' : '<network>.<id>'}, not on ${subject}`;
  if (!(Math.abs(event.at) <= MAX_EVENT_TIME)) return `at ${event.at} is not a time`;
  const problem = checkEventData(type, event.v, event.data);
  if (problem !== undefined) return problem;
  return home.identity?.(ids, event.data as Record<string, unknown>);
}
