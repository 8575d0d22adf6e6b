/**
 * The scheduler's events. It writes the agent events' schema (agents and the
 * API append them) and the binding decisions; it reads the API's network and
 * subnet events in a minimal flattened form (see `fromEnvelope`).
 *
 * Aggregates: `agent/<agentId>` (subject `lh.evt.agent.<agentId>`) and
 * `binding/<networkId>` (subject `lh.evt.binding.<networkId>`): every decision
 * about one network goes to one subject, so two schedulers appending with the
 * expected sequence of that subject can never both bind it.
 *
 * `at` (ms since the epoch) travels in the envelope, not in `data`; the fold's
 * events carry it beside the data.
 */
import { eventRegistry, resourceEventRegistry, type EventRegistry } from '@leasehold/protocol';
import type { StrategyName } from './config.js';

/** AgentHeartbeat v1: an agent's periodic report (every report_interval). */
export interface AgentHeartbeatData {
  readonly agentId: string;
  readonly host: string;
  readonly availabilityZone: string;
  /** Networks the agent says it serves right now (informational: bindings are the scheduler's own state). */
  readonly networks: readonly string[];
  /** The agent's own load figure (e.g. active leases); informational, shown by `why`. */
  readonly load: number;
  /** Admin state the agent registers with; only its first heartbeat sets it, AgentAdminStateChanged after that. */
  readonly adminStateUp: boolean;
}

/** AgentDeleted v1: the API deleted the agent (its bindings go with it). */
export interface AgentDeletedData {
  readonly agentId: string;
}

/** AgentAdminStateChanged v1: the API set admin_state_up. */
export interface AgentAdminStateChangedData {
  readonly agentId: string;
  readonly adminStateUp: boolean;
}

/** Why a network was bound to an agent. */
export type ScheduleReason = 'new-network' | 'auto-schedule' | 'failover' | 'rebalance' | 'manual';

/** Why a binding was removed. */
export type UnscheduleReason =
  /** The agent is down (allow_automatic_dhcp_failover). */
  | 'failover'
  /** The agent is admin-down and enable_services_on_agents_with_admin_state_down is off. */
  | 'admin-down'
  /** Moved to a less loaded agent. */
  | 'rebalance'
  /** The network has no DHCP-enabled subnet any more. */
  | 'dhcp-disabled'
  /** More automatic bindings than agents_per_network (e.g. a half-done move). */
  | 'excess'
  /** Removed through the API. */
  | 'manual';

/** One ranked candidate agent, as the strategy saw it. */
export interface CandidateView {
  readonly agentId: string;
  readonly availabilityZone: string;
  /** Networks bound to the agent when it was ranked. */
  readonly load: number;
  /** The chance strategy's rendezvous score (higher wins). */
  readonly score?: number;
}

/** What a decision was made from, for `leasehold why binding`. */
export interface ScheduleInputs {
  /** The network's target number of agents in this pass. */
  readonly wanted: number;
  /** Agents already bound to the network when this agent was picked. */
  readonly bound: readonly string[];
  /** Best-ranked candidates first, at most `explainLimit` of them. */
  readonly candidates: readonly CandidateView[];
  /** How many agents were eligible in all. */
  readonly candidateCount: number;
  readonly availabilityZoneHints: readonly string[];
  /** The agent this binding replaces (failover, rebalance). */
  readonly replaces?: string;
}

/** NetworkScheduled v1: the network is bound to the agent. */
export interface NetworkScheduledData {
  readonly networkId: string;
  readonly agentId: string;
  readonly reason: ScheduleReason;
  /** The strategy that chose the agent; 'manual' for API bindings. */
  readonly strategy: StrategyName | 'manual';
  /** Absent for manual bindings. */
  readonly inputs?: ScheduleInputs;
}

/** NetworkUnscheduled v1: the binding is removed. */
export interface NetworkUnscheduledData {
  readonly networkId: string;
  readonly agentId: string;
  readonly reason: UnscheduleReason;
}

/** Data of every event type this package writes, by type. */
export interface SchedulerEventDataByType {
  AgentHeartbeat: AgentHeartbeatData;
  AgentDeleted: AgentDeletedData;
  AgentAdminStateChanged: AgentAdminStateChangedData;
  NetworkScheduled: NetworkScheduledData;
  NetworkUnscheduled: NetworkUnscheduledData;
}

export type SchedulerEventType = keyof SchedulerEventDataByType;

/** The schema version this build writes, per type. */
export const SCHEDULER_EVENT_VERSION = {
  AgentHeartbeat: 1,
  AgentDeleted: 1,
  AgentAdminStateChanged: 1,
  NetworkScheduled: 1,
  NetworkUnscheduled: 1,
} as const satisfies Record<SchedulerEventType, number>;

const readResourceTypes = ['NetworkCreated', 'NetworkUpdated', 'NetworkDeleted', 'SubnetCreated', 'SubnetUpdated', 'SubnetDeleted'] as const;

/**
 * Types and versions the scheduler reads (for `decodeEvent`): its own, and the
 * API's network and subnet events at the versions protocol declares.
 */
export const schedulerEventRegistry: EventRegistry = eventRegistry({
  AgentHeartbeat: [1],
  AgentDeleted: [1],
  AgentAdminStateChanged: [1],
  NetworkScheduled: [1],
  NetworkUnscheduled: [1],
  ...Object.fromEntries(readResourceTypes.map((type) => [type, resourceEventRegistry.get(type) ?? [1]])),
});

type Timed<T extends string, D> = { readonly type: T; readonly at: number } & D;

export type AgentHeartbeat = Timed<'AgentHeartbeat', AgentHeartbeatData>;
export type AgentDeleted = Timed<'AgentDeleted', AgentDeletedData>;
export type AgentAdminStateChanged = Timed<'AgentAdminStateChanged', AgentAdminStateChangedData>;
export type NetworkScheduled = Timed<'NetworkScheduled', NetworkScheduledData>;
export type NetworkUnscheduled = Timed<'NetworkUnscheduled', NetworkUnscheduledData>;

export type AgentEvent = AgentHeartbeat | AgentDeleted | AgentAdminStateChanged;

/** A decision: what `decide` returns and the runtime appends. */
export type DecisionEvent = NetworkScheduled | NetworkUnscheduled;

/**
 * The API's network events as the scheduler reads them: only the fields
 * scheduling depends on, with the network id (which the API keeps in the
 * envelope's aggregate) moved into the event. A network is DHCP-enabled while
 * at least one of its subnets has enableDhcp.
 */
export type NetworkInput =
  | Timed<'NetworkCreated', { readonly networkId: string; readonly availabilityZoneHints: readonly string[] }>
  | Timed<'NetworkUpdated', { readonly networkId: string; readonly availabilityZoneHints?: readonly string[] }>
  | Timed<'NetworkDeleted', { readonly networkId: string }>
  | Timed<'SubnetCreated', { readonly networkId: string; readonly subnetId: string; readonly enableDhcp: boolean }>
  | Timed<'SubnetUpdated', { readonly networkId: string; readonly subnetId: string; readonly enableDhcp?: boolean }>
  | Timed<'SubnetDeleted', { readonly networkId: string; readonly subnetId: string }>;

/** The clock as data: advances time so silent agents are judged down. Never journaled. */
export interface Tick {
  readonly type: 'Tick';
  readonly now: number;
}

/** Everything the scheduler fold consumes. */
export type SchedulerEvent = AgentEvent | NetworkInput | DecisionEvent | Tick;

/** The time an event carries. Pure. */
export function eventTime(event: SchedulerEvent): number {
  return event.type === 'Tick' ? event.now : event.at;
}
