/**
 * The scheduler's events. The wire shapes are protocol's (agent and binding
 * events); the scheduler reads heartbeats, admin changes and deletions of
 * agents, every binding decision (its own and the API's manual ones), and the
 * API's network and subnet events in a minimal flattened form (see `fromEnvelope`).
 *
 * Aggregates: `agent/<agentId>` (subject `lh.evt.agent.<agentId>`) and
 * `binding/<networkId>` (subject `lh.evt.binding.<networkId>`): every decision
 * about one network goes to one subject, so two schedulers appending with the
 * expected sequence of that subject can never both bind it.
 *
 * `at` (ms since the epoch) travels in the envelope, not in `data`; the fold's
 * events carry it beside the data.
 */
import {
  eventRegistry,
  resourceEventRegistry,
  type AgentEventData,
  type AgentHeartbeatData,
  type BindingReason,
  type EventRegistry,
  type NetworkScheduledData,
  type NetworkUnscheduledData,
} from '@leasehold/protocol';
import type { StrategyName } from './config.js';

export type { AgentHeartbeatData, NetworkScheduledData, NetworkUnscheduledData };

/** AgentDeleted v1: the API deleted the agent (only once it stopped reporting). */
export type AgentDeletedData = AgentEventData['AgentDeleted'];

/** AgentAdminStateChanged v1: the API set admin_state_up. */
export type AgentAdminStateChangedData = AgentEventData['AgentAdminStateChanged'];

/** Why a network was bound to an agent (protocol's BindingReason). */
export type ScheduleReason = BindingReason;

/** Why a binding was removed, as protocol spells it. */
export type UnscheduleReason = NetworkUnscheduledData['reason'];

/** One ranked candidate agent, as the strategy saw it. */
export interface CandidateView {
  readonly agentId: string;
  readonly availabilityZone: string;
  /** Networks bound to the agent when it was ranked. */
  readonly load: number;
  /** The chance strategy's rendezvous score (higher wins). */
  readonly score?: number;
}

/** What a NetworkScheduled decision was made from (its `inputs`), for `leasehold why binding`. */
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

/**
 * The finer cause behind a NetworkUnscheduled reason: 'admin-down' (reason
 * 'agent-down': the agent is admin-down and may not serve) and 'excess' (reason
 * 'rebalance': more automatic bindings than agents_per_network, e.g. a move
 * half done) have no reason of their own in protocol.
 */
export type UnscheduleCause = UnscheduleReason | 'admin-down' | 'excess';

/** What a NetworkUnscheduled decision was made from (its `inputs`). */
export interface UnscheduleInputs {
  readonly cause: UnscheduleCause;
  /** For agent-down: the agent's last heartbeat, and the agent_down_time it was judged with. */
  readonly lastHeartbeatAt?: number | null;
  readonly agentDownTime?: number;
  /** For rebalance moves: the agent the network moved to. */
  readonly movedTo?: string;
}

/** The NetworkScheduled data `decide` writes: protocol's, with strategy and inputs always present. */
export interface ScheduleDecisionData extends NetworkScheduledData {
  readonly strategy: StrategyName;
  readonly inputs: ScheduleInputs;
}

/** The NetworkUnscheduled data `decide` writes. */
export interface UnscheduleDecisionData extends NetworkUnscheduledData {
  readonly inputs: UnscheduleInputs;
}

/** Data of every journaled event type the scheduler folds or writes, by type. */
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

const readTypes = [
  'AgentHeartbeat',
  'AgentDeleted',
  'AgentAdminStateChanged',
  'NetworkScheduled',
  'NetworkUnscheduled',
  'NetworkCreated',
  'NetworkUpdated',
  'NetworkDeleted',
  'SubnetCreated',
  'SubnetUpdated',
  'SubnetDeleted',
] as const;

/**
 * Types and versions the scheduler reads (for `decodeEvent`), at the versions
 * protocol declares: agents, bindings, networks and subnets.
 */
export const schedulerEventRegistry: EventRegistry = eventRegistry(
  Object.fromEntries(readTypes.map((type) => [type, resourceEventRegistry.get(type) ?? [1]])),
);

type Timed<T extends string, D> = { readonly type: T; readonly at: number } & D;

export type AgentHeartbeat = Timed<'AgentHeartbeat', AgentHeartbeatData>;
export type AgentDeleted = Timed<'AgentDeleted', AgentDeletedData>;
export type AgentAdminStateChanged = Timed<'AgentAdminStateChanged', AgentAdminStateChangedData>;
export type NetworkScheduled = Timed<'NetworkScheduled', NetworkScheduledData>;
export type NetworkUnscheduled = Timed<'NetworkUnscheduled', NetworkUnscheduledData>;

export type AgentEvent = AgentHeartbeat | AgentDeleted | AgentAdminStateChanged;

/** A NetworkScheduled that `decide` wrote. */
export type ScheduleDecision = Timed<'NetworkScheduled', ScheduleDecisionData>;
/** A NetworkUnscheduled that `decide` wrote. */
export type UnscheduleDecision = Timed<'NetworkUnscheduled', UnscheduleDecisionData>;

/** A decision: what `decide` returns and the runtime appends. */
export type DecisionEvent = ScheduleDecision | UnscheduleDecision;

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
export type SchedulerEvent = AgentEvent | NetworkInput | NetworkScheduled | NetworkUnscheduled | Tick;

/** The time an event carries. Pure. */
export function eventTime(event: SchedulerEvent): number {
  return event.type === 'Tick' ? event.now : event.at;
}
