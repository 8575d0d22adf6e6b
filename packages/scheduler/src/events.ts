/**
 * The scheduler's events. The agent and binding events are @leasehold/resources'
 * (agent/, binding/: their types, subjects and envelopes); the scheduler reads
 * heartbeats, admin changes and deletions of agents, every binding decision
 * (its own and the API's manual ones), and the API's network and subnet
 * events in a minimal flattened form (see `schedulerEvent`). Every decision
 * about one network goes to its binding subject, so two schedulers appending
 * with the expected sequence of that subject can never both bind it.
 *
 * `at` (ms since the epoch) travels in the envelope, not in `data`; the fold's
 * events carry it beside the data.
 */
import { eventRegistry, resourceEventRegistry, type BindingReason, type EventRegistry, type NetworkScheduledData, type NetworkUnscheduledData } from '@leasehold/protocol';
import type { AgentEvent, NetworkScheduled, NetworkUnscheduled } from '@leasehold/resources';
import type { StrategyName } from './config.js';

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
  /** For unreachable: the network's physical network, which the agent's mappings no longer name. */
  readonly physicalNetwork?: string | null;
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
  'Subnet6Created',
  'Subnet6Updated',
] as const;

/**
 * Types and versions the scheduler reads (for `decodeEvent`), at the versions
 * protocol declares: agents, bindings, networks and subnets.
 */
export const schedulerEventRegistry: EventRegistry = eventRegistry(
  Object.fromEntries(readTypes.map((type) => [type, resourceEventRegistry.get(type) ?? [1]])),
);

type Timed<T extends string, D> = { readonly type: T; readonly at: number } & D;

/** A NetworkScheduled that `decide` wrote. */
export type ScheduleDecision = Timed<'NetworkScheduled', ScheduleDecisionData>;
/** A NetworkUnscheduled that `decide` wrote. */
export type UnscheduleDecision = Timed<'NetworkUnscheduled', UnscheduleDecisionData>;

/** A decision: what `decide` returns and the runtime appends. */
export type DecisionEvent = ScheduleDecision | UnscheduleDecision;

/**
 * The API's network events as the scheduler reads them: only the fields
 * scheduling depends on (zones, physical network, DHCP), with the network id (which the API keeps in the
 * envelope's aggregate) moved into the event. A network is DHCP-enabled while
 * at least one of its subnets has enableDhcp.
 */
export type NetworkInput =
  | Timed<'NetworkCreated', { readonly networkId: string; readonly availabilityZoneHints: readonly string[]; readonly physicalNetwork: string | null }>
  | Timed<'NetworkUpdated', { readonly networkId: string; readonly availabilityZoneHints?: readonly string[]; readonly physicalNetwork?: string | null }>
  | Timed<'NetworkDeleted', { readonly networkId: string }>
  | Timed<'SubnetCreated', { readonly networkId: string; readonly subnetId: string; readonly enableDhcp: boolean }>
  | Timed<'SubnetUpdated', { readonly networkId: string; readonly subnetId: string; readonly enableDhcp?: boolean }>
  | Timed<'SubnetDeleted', { readonly networkId: string; readonly subnetId: string }>;

/** The clock as data: advances time so silent agents are judged down. Never journaled. */
export interface SchedulerTick {
  readonly type: 'Tick';
  readonly now: number;
}

/** Everything the scheduler fold consumes. */
export type SchedulerEvent = AgentEvent | NetworkInput | NetworkScheduled | NetworkUnscheduled | SchedulerTick;

/** The time an event carries. Pure. */
export function eventTime(event: SchedulerEvent): number {
  return event.type === 'Tick' ? event.now : event.at;
}
