/**
 * The scheduler state and its fold. The state is a pure function of the events
 * folded into it (and the config): agents (the agent machine's records),
 * networks with their DHCP subnets, and the bindings decided so far.
 *
 * Time: every event advances the state's clock to its `at` (Tick to its `now`),
 * and before the event itself is applied, alive agents whose last heartbeat is
 * older than agentDownTime are moved to down (a Tick through their machine).
 * So a heartbeat arriving after a long silence first downs the agent, then
 * revives it: its alive period starts again.
 */
import { agentDeadline, initialAgentState, isOverdue, stepAgent, type AgentMachineState } from '@leasehold/resources';
import type { SchedulerConfig } from './config.js';
import { eventTime, type ScheduleReason, type SchedulerEvent } from './events.js';

/** One network served by one agent. */
export interface Binding {
  readonly agentId: string;
  readonly reason: ScheduleReason;
  /** When the binding was made. */
  readonly at: number;
}

export interface NetworkRecord {
  readonly id: string;
  readonly availabilityZoneHints: readonly string[];
  /** Neutron's provider:physical_network: only agents that reach it may serve the network (null: every agent). */
  readonly physicalNetwork: string | null;
  /** Ids of the network's subnets with enableDhcp, sorted. The network needs DHCP agents while this is not empty. */
  readonly dhcpSubnets: readonly string[];
  /** When the network last became DHCP-enabled, or null while it is not. */
  readonly dhcpSince: number | null;
  /** True once any agent was bound to it (tells 'new-network' from 'auto-schedule'). */
  readonly scheduledOnce: boolean;
  /** Sorted by agent id. */
  readonly bindings: readonly Binding[];
  /**
   * Agents an operator took this network off by hand (a manual NetworkUnscheduled), sorted: the
   * scheduler never binds the network to them again on its own, as Neutron leaves a network it was
   * told to remove from an agent (`network agent remove network --dhcp`); a manual add clears it.
   */
  readonly removedByHand: readonly string[];
  /** Deleted by the API; kept until `decide` has unscheduled its bindings (the record goes with the last one). */
  readonly deleted: boolean;
}

export const SCHEDULER_STATE_VERSION = 1;

export interface SchedulerState {
  /** Schema version of this shape, for persisted snapshots. */
  readonly v: typeof SCHEDULER_STATE_VERSION;
  /** The latest time seen on any event. */
  readonly now: number;
  /** No alive agent can be overdue while `now` is at or before this (null: no alive agent). */
  readonly sweepAfter: number | null;
  readonly agents: ReadonlyMap<string, AgentMachineState>;
  readonly networks: ReadonlyMap<string, NetworkRecord>;
}

/** The state before any event. Pure. */
export function initialSchedulerState(): SchedulerState {
  return { v: SCHEDULER_STATE_VERSION, now: 0, sweepAfter: null, agents: new Map(), networks: new Map() };
}

interface Draft {
  v: typeof SCHEDULER_STATE_VERSION;
  now: number;
  sweepAfter: number | null;
  agents: Map<string, AgentMachineState>;
  networks: Map<string, NetworkRecord>;
}

function draftOf(state: SchedulerState): Draft {
  return { v: state.v, now: state.now, sweepAfter: state.sweepAfter, agents: new Map(state.agents), networks: new Map(state.networks) };
}

/**
 * Folds events into a state and returns the new state. Pure: the input state is
 * not changed (its maps are copied once per call, so fold a batch in one call
 * rather than one call per event).
 */
export function applyEvents(state: SchedulerState, events: Iterable<SchedulerEvent>, config: SchedulerConfig): SchedulerState {
  const draft = draftOf(state);
  for (const event of events) applyInto(draft, event, config);
  return draft;
}

/** The state with its clock advanced to `now` and overdue agents down. Pure. */
export function tick(state: SchedulerState, now: number, config: SchedulerConfig): SchedulerState {
  return applyEvents(state, [{ type: 'Tick', now }], config);
}

/** The state folded from nothing. Pure. */
export function replay(events: Iterable<SchedulerEvent>, config: SchedulerConfig): SchedulerState {
  return applyEvents(initialSchedulerState(), events, config);
}

/**
 * A projection that owns its state and folds events one at a time without
 * copying (the runtime's subscription loop). `state` is live: it changes on the
 * next `apply`; pass it to `decide` right away or copy it with `applyEvents(state, [], config)`.
 */
export interface SchedulerProjection {
  apply(event: SchedulerEvent): void;
  readonly state: SchedulerState;
}

/** Starts a projection from a state (default: the initial one). The state given is not changed. */
export function createProjection(config: SchedulerConfig, from: SchedulerState = initialSchedulerState()): SchedulerProjection {
  const draft = draftOf(from);
  return {
    apply: (event) => applyInto(draft, event, config),
    get state() {
      return draft;
    },
  };
}

function applyInto(draft: Draft, event: SchedulerEvent, config: SchedulerConfig): void {
  const at = eventTime(event);
  if (at > draft.now) draft.now = at;
  sweep(draft);
  const now = draft.now;
  switch (event.type) {
    case 'Tick':
      return;
    case 'AgentHeartbeat': {
      const record = stepAgent(draft.agents.get(event.agentId) ?? initialAgentState({ agentId: event.agentId, agentDownTime: config.agentDownTime, adminStateUp: config.enableNewAgents }), { ...event, now });
      draft.agents.set(event.agentId, record);
      const deadline = agentDeadline(record.context);
      if (record.status === 'alive' && deadline !== null && (draft.sweepAfter === null || deadline < draft.sweepAfter)) draft.sweepAfter = deadline;
      return;
    }
    case 'AgentAdminStateChanged': {
      const record = draft.agents.get(event.agentId);
      if (record) draft.agents.set(event.agentId, stepAgent(record, { ...event, now }));
      return;
    }
    case 'AgentDeleted': {
      const record = draft.agents.get(event.agentId);
      if (!record) return;
      // The machine's final state; the record is dropped, so a later heartbeat
      // registers the agent afresh, as Neutron does for a deleted agent that
      // reports again. Its bindings stay until `decide` unschedules them, so
      // the binding subjects say what happened.
      stepAgent(record, { ...event, now });
      draft.agents.delete(event.agentId);
      return;
    }
    case 'NetworkCreated': {
      const existing = draft.networks.get(event.networkId);
      draft.networks.set(
        event.networkId,
        existing
          ? { ...existing, availabilityZoneHints: event.availabilityZoneHints, physicalNetwork: event.physicalNetwork, deleted: false }
          : {
              id: event.networkId,
              availabilityZoneHints: event.availabilityZoneHints,
              physicalNetwork: event.physicalNetwork,
              dhcpSubnets: [],
              dhcpSince: null,
              scheduledOnce: false,
              bindings: [],
              removedByHand: [],
              deleted: false,
            },
      );
      return;
    }
    case 'NetworkUpdated': {
      const network = draft.networks.get(event.networkId);
      if (!network) return;
      const { availabilityZoneHints, physicalNetwork } = event;
      if (availabilityZoneHints === undefined && physicalNetwork === undefined) return;
      draft.networks.set(event.networkId, {
        ...network,
        ...(availabilityZoneHints === undefined ? {} : { availabilityZoneHints }),
        ...(physicalNetwork === undefined ? {} : { physicalNetwork }),
      });
      return;
    }
    case 'NetworkDeleted': {
      const network = draft.networks.get(event.networkId);
      if (!network) return;
      if (network.bindings.length === 0) draft.networks.delete(event.networkId);
      else draft.networks.set(event.networkId, { ...network, deleted: true });
      return;
    }
    case 'SubnetCreated':
    case 'SubnetUpdated':
    case 'SubnetDeleted': {
      const network = draft.networks.get(event.networkId);
      if (!network || network.deleted) return;
      const enable = event.type === 'SubnetDeleted' ? false : event.enableDhcp;
      if (enable === undefined) return;
      const has = network.dhcpSubnets.includes(event.subnetId);
      if (enable === has) return;
      const dhcpSubnets = enable ? [...network.dhcpSubnets, event.subnetId].sort() : network.dhcpSubnets.filter((s) => s !== event.subnetId);
      const dhcpSince = dhcpSubnets.length === 0 ? null : (network.dhcpSince ?? now);
      draft.networks.set(event.networkId, { ...network, dhcpSubnets, dhcpSince });
      return;
    }
    case 'NetworkScheduled': {
      const network = draft.networks.get(event.networkId);
      // A decision about a network or agent deleted since is moot.
      if (!network || network.deleted || !draft.agents.has(event.agentId)) return;
      const existing = network.bindings.find((b) => b.agentId === event.agentId);
      const removedByHand = event.reason === 'manual' ? network.removedByHand.filter((a) => a !== event.agentId) : network.removedByHand;
      if (existing && (existing.reason === 'manual' || event.reason !== 'manual')) {
        if (removedByHand !== network.removedByHand) draft.networks.set(event.networkId, { ...network, removedByHand });
        return;
      }
      const binding: Binding = { agentId: event.agentId, reason: event.reason, at: event.at };
      const others = network.bindings.filter((b) => b.agentId !== event.agentId);
      const bindings = [...others, binding].sort((a, b) => compareIds(a.agentId, b.agentId));
      draft.networks.set(event.networkId, { ...network, bindings, removedByHand, scheduledOnce: true });
      return;
    }
    case 'NetworkUnscheduled': {
      const network = draft.networks.get(event.networkId);
      if (!network || !network.bindings.some((b) => b.agentId === event.agentId)) return;
      const bindings = network.bindings.filter((b) => b.agentId !== event.agentId);
      const removedByHand =
        event.reason === 'manual' && !network.removedByHand.includes(event.agentId) ? [...network.removedByHand, event.agentId].sort(compareIds) : network.removedByHand;
      if (network.deleted && bindings.length === 0) draft.networks.delete(event.networkId);
      else draft.networks.set(event.networkId, { ...network, bindings, removedByHand });
      return;
    }
  }
}

/** Moves every overdue alive agent to down, once the clock has passed the earliest deadline. */
function sweep(draft: Draft): void {
  if (draft.sweepAfter === null || draft.now <= draft.sweepAfter) return;
  let next: number | null = null;
  for (const [id, record] of draft.agents) {
    if (record.status !== 'alive') continue;
    if (isOverdue(record.context, draft.now)) {
      draft.agents.set(id, stepAgent(record, { type: 'Tick', now: draft.now }));
      continue;
    }
    const deadline = agentDeadline(record.context);
    if (deadline !== null && (next === null || deadline < next)) next = deadline;
  }
  draft.sweepAfter = next;
}

/** Code-unit order of ids, the same on every machine (unlike localeCompare). Pure. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The earliest instant after which an alive agent will be judged down if it
 * stays silent (a runtime decides again just after it), or null. Pure.
 */
export function nextDeadline(state: SchedulerState): number | null {
  let next: number | null = null;
  for (const record of state.agents.values()) {
    if (record.status !== 'alive') continue;
    const deadline = agentDeadline(record.context);
    if (deadline !== null && (next === null || deadline < next)) next = deadline;
  }
  return next;
}

/** Agent ids bound to each network, sorted, networks in id order. Pure. */
export function bindingTable(state: SchedulerState): Map<string, string[]> {
  const ids = [...state.networks.keys()].sort(compareIds);
  return new Map(ids.map((id) => [id, (state.networks.get(id)?.bindings ?? []).map((b) => b.agentId)]));
}

/** How many networks are bound to each agent (every agent in the state, zero included). Pure. */
export function agentLoads(state: SchedulerState): Map<string, number> {
  const loads = new Map<string, number>();
  for (const id of state.agents.keys()) loads.set(id, 0);
  for (const network of state.networks.values()) {
    for (const b of network.bindings) loads.set(b.agentId, (loads.get(b.agentId) ?? 0) + 1);
  }
  return loads;
}
