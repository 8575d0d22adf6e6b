/**
 * One scheduling pass: from the state at `now`, the NetworkScheduled and
 * NetworkUnscheduled events that bring the bindings to what the config wants.
 * Failover, scheduling new networks, auto-scheduling onto agents that join and
 * rebalancing are one computation, in three phases:
 *
 *  A. per network: drop the bindings of deleted networks, of deleted agents,
 *     of down agents (failover), of agents that no longer reach the network's
 *     physical network (their mappings changed: manual bindings too), of
 *     admin-down agents when they may not serve, automatic ones of networks
 *     without DHCP, and automatic ones beyond agents_per_network;
 *  B. per network, in id order: bind the strategy's best agents until it has
 *     min(agents_per_network, eligible) of them, where only agents that reach
 *     the network are eligible (Neutron's `_filter_agents_with_network_access`;
 *     a network none reaches stays unbound: reachability.ts reports it);
 *  C. weight strategy only: move automatic bindings busiest -> idlest.
 *
 * Applying the output and deciding again at the same `now` yields nothing.
 */
import { reachesPhysicalNetwork, type AgentMachineState, type AgentReach } from '@leasehold/resources';
import type { SchedulerConfig } from './config.js';
import type { CandidateView, DecisionEvent, ScheduleDecision, ScheduleInputs, ScheduleReason, UnscheduleInputs, UnscheduleReason } from './events.js';
import { planRebalance } from './rebalance.js';
import { applyEvents, compareIds, tick, type NetworkRecord, type SchedulerState } from './state.js';
import { pickAgents, type Candidate } from './strategy.js';

/** What the pass knows about one agent. */
interface AgentView {
  readonly id: string;
  readonly zone: string;
  readonly alive: boolean;
  /** May keep serving its networks. */
  readonly serving: boolean;
  /** May be given networks automatically (alive and admin-up). */
  readonly candidate: boolean;
  readonly aliveSince: number | null;
  readonly lastHeartbeatAt: number | null;
  /** What its last heartbeat says it reaches (null: not known, any network). */
  readonly reach: AgentReach | null;
}

/** A binding during the pass. */
interface Held {
  readonly agentId: string;
  readonly manual: boolean;
}

/**
 * The decisions to append at `now` (events carry `at` = max(now, state.now)),
 * in order: phase A removals, phase B additions, then rebalance moves (each a
 * NetworkScheduled to the new agent before the NetworkUnscheduled from the old,
 * so the network is never unserved). The runtime appends each event to
 * `binding/<networkId>` in this order. Pure.
 */
export function decide(state: SchedulerState, now: number, config: SchedulerConfig): DecisionEvent[] {
  const s = tick(state, now, config);
  const at = s.now;
  const agents = new Map<string, AgentView>();
  for (const [id, record] of s.agents) agents.set(id, agentView(id, record, config));
  const candidates = [...agents.values()].filter((a) => a.candidate).sort((a, b) => compareIds(a.id, b.id));

  const events: DecisionEvent[] = [];
  const loads = new Map<string, number>();
  const held = new Map<string, Held[]>();
  for (const network of s.networks.values()) {
    for (const b of network.bindings) loads.set(b.agentId, (loads.get(b.agentId) ?? 0) + 1);
  }
  const unschedule = (networkId: string, agentId: string, reason: UnscheduleReason, inputs: UnscheduleInputs): void => {
    events.push({ type: 'NetworkUnscheduled', at, networkId, agentId, reason, inputs });
    loads.set(agentId, (loads.get(agentId) ?? 0) - 1);
  };

  // Phase A.
  const networkIds = [...s.networks.keys()].sort(compareIds);
  const needs = new Map<string, { need: number; wanted: number; lost: string[]; pool: AgentView[] }>();
  for (const networkId of networkIds) {
    const network = s.networks.get(networkId) as NetworkRecord;
    const dhcp = network.dhcpSubnets.length > 0;
    const keep: Held[] = [];
    const lost: string[] = [];
    for (const b of network.bindings) {
      const agent = agents.get(b.agentId);
      const manual = b.reason === 'manual';
      if (network.deleted) {
        unschedule(networkId, b.agentId, 'network-deleted', { cause: 'network-deleted' });
      } else if (!agent) {
        unschedule(networkId, b.agentId, 'agent-deleted', { cause: 'agent-deleted' });
        lost.push(b.agentId);
      } else if (!agent.alive && config.allowAutomaticDhcpFailover) {
        unschedule(networkId, b.agentId, 'agent-down', { cause: 'agent-down', lastHeartbeatAt: agent.lastHeartbeatAt, agentDownTime: config.agentDownTime });
        lost.push(b.agentId);
      } else if (!reaches(network, agent)) {
        unschedule(networkId, b.agentId, 'unreachable', { cause: 'unreachable', physicalNetwork: network.physicalNetwork });
        lost.push(b.agentId);
      } else if (agent.alive && !agent.serving) {
        unschedule(networkId, b.agentId, 'agent-down', { cause: 'admin-down' });
        lost.push(b.agentId);
      } else if (!dhcp && !manual) {
        unschedule(networkId, b.agentId, 'dhcp-disabled', { cause: 'dhcp-disabled' });
      } else {
        keep.push({ agentId: b.agentId, manual });
      }
    }
    held.set(networkId, keep);
    if (!dhcp || network.deleted) continue;
    const bound = new Set(keep.map((h) => h.agentId));
    const pool = candidates.filter((a) => !bound.has(a.id) && !network.removedByHand.includes(a.id) && allows(network, a) && reaches(network, a));
    const wanted = Math.min(config.agentsPerNetwork, keep.length + pool.length);
    let excess = keep.length - wanted;
    if (excess > 0) {
      // Drop automatic bindings from the busiest agents first (a half-done move leaves the old, busier one).
      const autos = keep.filter((h) => !h.manual).sort((a, b) => (loads.get(b.agentId) ?? 0) - (loads.get(a.agentId) ?? 0) || compareIds(b.agentId, a.agentId));
      for (const h of autos) {
        if (excess-- <= 0) break;
        unschedule(networkId, h.agentId, 'rebalance', { cause: 'excess' });
        keep.splice(keep.indexOf(h), 1);
      }
    }
    if (keep.length < wanted) needs.set(networkId, { need: wanted - keep.length, wanted, lost, pool });
  }

  // Phase B.
  for (const [networkId, { need, wanted, lost, pool }] of needs) {
    const network = s.networks.get(networkId) as NetworkRecord;
    const keep = held.get(networkId) as Held[];
    const pick = pickAgents({
      strategy: config.strategy,
      seed: config.seed,
      networkId,
      pool: pool.map((a) => candidateOf(a, loads)),
      need,
      boundZones: keep.map((h) => agents.get(h.agentId)?.zone ?? ''),
      explainLimit: config.explainLimit,
    });
    pick.chosen.forEach((chosen, i) => {
      const agent = agents.get(chosen.agentId) as AgentView;
      const replaces = lost[i];
      const reason: ScheduleReason =
        replaces !== undefined
          ? 'failover'
          : !network.scheduledOnce && network.dhcpSince !== null && agent.aliveSince !== null && agent.aliveSince <= network.dhcpSince
            ? 'new-network'
            : 'auto-schedule';
      events.push(
        scheduled(at, networkId, chosen.agentId, reason, config, {
          wanted,
          bound: keep.map((h) => h.agentId),
          candidates: pick.ranked,
          candidateCount: pool.length,
          availabilityZoneHints: network.availabilityZoneHints,
          ...(replaces !== undefined ? { replaces } : {}),
        }),
      );
      keep.push({ agentId: chosen.agentId, manual: false });
      loads.set(chosen.agentId, (loads.get(chosen.agentId) ?? 0) + 1);
    });
  }

  // Phase C.
  if (config.strategy === 'weight' && candidates.length > 1) {
    const networksOf = new Map<string, Set<string>>(candidates.map((a) => [a.id, new Set()]));
    const manualOn = new Set<string>();
    for (const [networkId, keep] of held) {
      for (const h of keep) {
        networksOf.get(h.agentId)?.add(networkId);
        if (h.manual) manualOn.add(`${networkId}\u0000${h.agentId}`);
      }
    }
    const movable = (networkId: string, from: string, to: string): boolean => {
      const network = s.networks.get(networkId) as NetworkRecord;
      return (
        network.dhcpSubnets.length > 0 &&
        !manualOn.has(`${networkId}\u0000${from}`) &&
        allows(network, agents.get(to) as AgentView) &&
        reaches(network, agents.get(to) as AgentView)
      );
    };
    const candidateLoads = new Map(candidates.map((a) => [a.id, loads.get(a.id) ?? 0]));
    for (const move of planRebalance({ loads: candidateLoads, networksOf, movable })) {
      const network = s.networks.get(move.networkId) as NetworkRecord;
      const keep = held.get(move.networkId) as Held[];
      const views: CandidateView[] = [
        { agentId: move.to, availabilityZone: (agents.get(move.to) as AgentView).zone, load: move.toLoad },
        { agentId: move.from, availabilityZone: (agents.get(move.from) as AgentView).zone, load: move.fromLoad },
      ];
      events.push(
        scheduled(at, move.networkId, move.to, 'rebalance', config, {
          wanted: keep.length,
          bound: keep.map((h) => h.agentId),
          candidates: views,
          candidateCount: candidates.length,
          availabilityZoneHints: network.availabilityZoneHints,
          replaces: move.from,
        }),
      );
      events.push({ type: 'NetworkUnscheduled', at, networkId: move.networkId, agentId: move.from, reason: 'rebalance', inputs: { cause: 'rebalance', movedTo: move.to } });
      keep.splice(keep.findIndex((h) => h.agentId === move.from), 1, { agentId: move.to, manual: false });
    }
  }
  return events;
}

/** `decide`, then the state with its decisions folded in: one scheduling pass as the runtime runs it. Pure. */
export function settle(state: SchedulerState, now: number, config: SchedulerConfig): { state: SchedulerState; events: DecisionEvent[] } {
  const events = decide(state, now, config);
  return { state: applyEvents(state, [{ type: 'Tick', now }, ...events], config), events };
}

function agentView(id: string, record: AgentMachineState, config: SchedulerConfig): AgentView {
  const alive = record.status === 'alive';
  const up = record.context.adminStateUp;
  return {
    id,
    zone: record.context.availabilityZone,
    alive,
    serving: alive && (up || config.enableServicesOnAgentsWithAdminStateDown),
    candidate: alive && up,
    aliveSince: record.context.aliveSince,
    lastHeartbeatAt: record.context.lastHeartbeatAt,
    reach: record.context.reach,
  };
}

/** Neutron's DHCP filter: a network with availability_zone_hints only goes to agents in those zones. */
function allows(network: NetworkRecord, agent: AgentView): boolean {
  return network.availabilityZoneHints.length === 0 || network.availabilityZoneHints.includes(agent.zone);
}

/** Neutron's `_filter_agents_with_network_access`: the agent maps the network's physical network (resources' rule). */
function reaches(network: NetworkRecord, agent: AgentView): boolean {
  return reachesPhysicalNetwork(agent.reach, network.physicalNetwork);
}

function candidateOf(agent: AgentView, loads: ReadonlyMap<string, number>): Candidate {
  return { agentId: agent.id, availabilityZone: agent.zone, load: loads.get(agent.id) ?? 0 };
}

function scheduled(
  at: number,
  networkId: string,
  agentId: string,
  reason: ScheduleReason,
  config: SchedulerConfig,
  inputs: ScheduleInputs,
): ScheduleDecision {
  return { type: 'NetworkScheduled', at, networkId, agentId, reason, strategy: config.strategy, inputs };
}
