/**
 * The resource, agent, binding and lease events written by the API, the
 * agents and the scheduler, and read by all of them; their validators
 * (validators.ts, one per type and version) and the registries made from
 * them. Every type starts at schema version 1.
 */
import { eventRegistry } from '../envelope.js';
import { eventVersions } from './validators.js';

export type { HostRoute, Ipv6Mode, Ipv6TextRange, NetworkChanges, NetworkEventData, NetworkEventType, NetworkState, NetworkType, Subnet6Changes, Subnet6State, SubnetChanges, SubnetState } from './network.js';
export { networkSegment, segmentClaimTokens, segmentKey, segmentProblem } from './segment.js';
export type { NetworkSegment } from './segment.js';
export type { ClaimEventData, ClaimEventType, ExtraDhcpOpt, FixedIp, FixedIp6, PortChanges, PortEventData, PortEventType, PortState } from './port.js';
export type { AgentEventData, AgentHeartbeatData, BindingEventData, BindingReason, NetworkScheduledData, NetworkUnscheduledData } from './agent.js';
export type { LeaseBoundData, LeaseClientRef, LeaseDeclinedData, LeaseEventData, LeaseEventType, LeaseExpiredData, LeaseReleasedData, LeaseRenewedData } from './lease.js';
export type { Lease6BoundData, Lease6DeclinedData, Lease6EventData, Lease6EventType, Lease6ExpiredData, Lease6Holder, Lease6Message, Lease6ReleasedData, Lease6RenewedData, Lease6Source } from './lease6.js';
export { MAX_EVENT_TIME, MAX_POOL_ADDRESSES, pools6Problem, poolsProblem } from './field-schemas.js';
export { checkEventData, checkStoredEvent, eventSchemas, eventVersions, isKnownEventType } from './validators.js';
export type { EventDataByType, KnownEventType } from './validators.js';

const LEASE_TYPES: ReadonlySet<string> = new Set(['LeaseBound', 'LeaseRenewed', 'LeaseReleased', 'LeaseDeclined', 'LeaseExpired']);
/** IPv6 leases (lease6.ts): read by the agents' DHCPv6 fold only. */
const LEASE6_TYPES: ReadonlySet<string> = new Set(['Lease6Bound', 'Lease6Renewed', 'Lease6Released', 'Lease6Declined', 'Lease6Expired']);
const versionsOf = (keep: (type: string) => boolean) => Object.fromEntries([...eventVersions].filter(([type]) => keep(type)));

/** Versions of the resource, agent and binding events this build reads (one validator each). */
export const resourceEventRegistry = eventRegistry(versionsOf((type) => !LEASE_TYPES.has(type) && !LEASE6_TYPES.has(type)));

/** Versions of the lease events this build reads (one validator each). */
export const leaseEventRegistry = eventRegistry(versionsOf((type) => LEASE_TYPES.has(type)));

/** Every event type and version any fold reads. */
export const knownEventRegistry = eventRegistry(versionsOf(() => true));
