/**
 * The events of a synthetic history, each computed on its own from the plan
 * and the live state (pure), through the builders the running system uses:
 * lease-actor's `toEnvelope`/`leaseSubject` for leases, the agent's
 * `heartbeatEnvelope` for heartbeats, resources' `toBindingEnvelope` for
 * bindings. Networks, subnets and ports are not here: they are created
 * through the API itself (live.ts).
 */
import { heartbeatEnvelope, heartbeatSubject } from '@leasehold/agent';
import { leaseSubject, leaseTimes, toEnvelope as leaseEnvelope, type JournaledLeaseEvent } from '@leasehold/lease-actor';
import type { EventEnvelope } from '@leasehold/protocol';
import { bindingSubject, toBindingEnvelope, type NetworkScheduled } from '@leasehold/resources';
import { agentOfNetwork, eventId, leaseClient, slotOf, type HistoryPlan } from './plan.js';

/** What the API made of the live state: the network ids (index = network n) and each agent's networks and load. */
export interface LiveState {
  readonly networkIds: readonly string[];
  readonly agents: readonly { readonly agentId: string; readonly networks: readonly string[]; readonly load: number }[];
}

export interface PlannedEvent {
  readonly subject: string;
  readonly envelope: EventEnvelope;
}

/** How many events `liveEvent` has: a heartbeat per agent, a binding per network, a LeaseBound per lease. Pure. */
export function liveEventCount(plan: HistoryPlan): number {
  const { shape } = plan;
  return shape.agents.length + shape.networks + shape.leases;
}

/** The j-th event of the live state that the API does not write: first heartbeats, bindings, then every lease bound, one cycle before the history. Pure. */
export function liveEvent(plan: HistoryPlan, live: LiveState, j: number): PlannedEvent {
  const { shape } = plan;
  const start = plan.t0 - plan.cycleMs;
  const id = eventId(plan, 0x8000_0000_00 + j);
  if (j < shape.agents.length) return heartbeat(plan, live, j, start, id);
  j -= shape.agents.length;
  if (j < shape.networks) {
    const event: NetworkScheduled = { type: 'NetworkScheduled', networkId: live.networkIds[j]!, agentId: agentOfNetwork(shape, j), reason: 'new-network', strategy: 'weight', at: start + j };
    return { subject: bindingSubject(event.networkId), envelope: toBindingEnvelope(event, { id }) };
  }
  j -= shape.networks;
  const at = Math.floor(start + (j * plan.cycleMs) / shape.leases);
  return lease(plan, live, j, 'LeaseBound', at, id);
}

/** The i-th history event: a lease renewal or an agent heartbeat, in time order. Pure. */
export function historyEvent(plan: HistoryPlan, live: LiveState, i: number): PlannedEvent {
  const slot = slotOf(plan, i);
  const id = eventId(plan, i);
  return slot.kind === 'renewal' ? lease(plan, live, slot.index, 'LeaseRenewed', slot.at, id) : heartbeat(plan, live, slot.index, slot.at, id);
}

function lease(plan: HistoryPlan, live: LiveState, k: number, type: 'LeaseBound' | 'LeaseRenewed', at: number, id: string): PlannedEvent {
  const client = leaseClient(plan.shape, k);
  const networkId = live.networkIds[client.network]!;
  const event: JournaledLeaseEvent = { type, mac: client.mac, ip: client.ip, hostname: client.hostname, at, ...leaseTimes(at, plan.shape.leaseSeconds * 1000) };
  return { subject: leaseSubject(networkId, client.ip), envelope: leaseEnvelope(networkId, event, { id }) };
}

function heartbeat(plan: HistoryPlan, live: LiveState, a: number, at: number, id: string): PlannedEvent {
  const agent = live.agents[a]!;
  const config = { agentId: agent.agentId, host: agent.agentId, availabilityZone: 'nova', interfaceMappings: { '*': 'eth1' }, reportIntervalMs: plan.shape.reportIntervalMs };
  return { subject: heartbeatSubject(agent.agentId), envelope: heartbeatEnvelope(config, agent, { id, at }) };
}
