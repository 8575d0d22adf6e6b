/**
 * An aggregate's state as the API read model holds it, in the shape its
 * replayer steps: where a replay of a compacted journal starts (the read
 * model restored from the API's projection snapshot). The read model keeps
 * what the API shows, which is exact for networks, ports and bindings'
 * agents; machine fields it never kept start as said in `unknown`: a lease's
 * bind, renew and rebind times (null until its next bind or renewal) and the
 * end of a decline's quarantine (taken as the decline's time), an agent's
 * `aliveSince`, a binding's strategy.
 */
import type { ReadModel } from '@leasehold/api';
import { leaseMachine, type LeaseContext, type LeaseSnapshot } from '@leasehold/lease-actor';
import type { Ipv4, PortState } from '@leasehold/protocol';
import { agentReachOf, initialAgentState, initialNetwork, type AgentMachineState, type NetworkSnapshot } from '@leasehold/resources';
import { initialTransition } from 'xstate';

/** A start state, the time of the last event in it, and the fields the read model does not know. */
export interface ReadModelStart<S> {
  readonly state: S;
  readonly at: number | undefined;
  readonly unknown: readonly string[];
}

/** The network machine's snapshot as the read model keeps it (its own type), or the initial one. Pure. */
export function networkIn(model: ReadModel, id: string): ReadModelStart<NetworkSnapshot> {
  return { state: model.networks.get(id)?.value ?? initialNetwork(), at: undefined, unknown: [] };
}

/** The port as the read model keeps it; a deleted port is gone from it, so it reads as absent. Pure. */
export function portIn(model: ReadModel, id: string): ReadModelStart<{ value: string; context: { port: PortState | null } }> {
  const port = model.ports.get(id)?.value;
  return { state: port ? { value: 'active', context: { port } } : { value: 'absent', context: { port: null } }, at: undefined, unknown: [] };
}

/** The lease machine at the read model's lease row (state, holder, host name, end), or free. Pure. */
export function leaseIn(model: ReadModel, networkId: string, ip: Ipv4): ReadModelStart<LeaseSnapshot> {
  const row = model.fleet.leases.get(networkId)?.get(ip);
  if (!row) return { state: initialTransition(leaseMachine, { ip })[0], at: undefined, unknown: [] };
  const held = row.state === 'bound';
  const context: LeaseContext = {
    ip,
    client: { mac: row.mac, ...(row.clientId !== undefined ? { clientId: row.clientId } : {}) },
    hostname: row.hostname ?? null,
    boundAt: null,
    renewAt: null,
    rebindAt: null,
    expiresAt: held ? (row.expiresAt ?? null) : null,
    ended: row.state === 'released' ? 'released' : row.state === 'expired' ? 'expired' : null,
    quarantineUntil: row.state === 'declined' ? row.updatedAt : null,
    offer: null,
  };
  const unknown = held ? ['boundAt', 'renewAt', 'rebindAt'] : row.state === 'declined' ? ['quarantineUntil'] : [];
  return { state: leaseMachine.resolveState({ value: row.state, context }), at: row.updatedAt, unknown };
}

/** The scheduler's agent record at the read model's agent row (last heartbeat, admin state, deleted). Pure. */
export function agentIn(model: ReadModel, agentId: string, agentDownTime: number, enableNewAgents: boolean): ReadModelStart<AgentMachineState> {
  const row = model.fleet.agents.get(agentId);
  if (!row) return { state: initialAgentState({ agentId, agentDownTime, adminStateUp: enableNewAgents }), at: undefined, unknown: [] };
  const started = initialAgentState({ agentId, agentDownTime, adminStateUp: row.adminStateUp });
  const hb = row.heartbeat;
  const context = hb
    ? { ...started.context, host: hb.host, availabilityZone: hb.availabilityZone, lastHeartbeatAt: row.heartbeatAt, load: hb.load, reportedNetworks: hb.networks, reach: agentReachOf(hb) }
    : started.context;
  const status = row.deleted ? 'deleted' : hb ? 'alive' : started.status;
  return { state: { status, context }, at: hb ? row.heartbeatAt : undefined, unknown: hb ? ['aliveSince'] : [] };
}

/** The agents bound to a network, as the read model keeps them (reason and time; no strategy). Pure. */
export function bindingIn(model: ReadModel, networkId: string): ReadModelStart<Record<string, { reason: string; at: number }>> {
  const rows = model.fleet.bindings.get(networkId);
  const agents: Record<string, { reason: string; at: number }> = {};
  for (const row of rows?.values() ?? []) agents[row.agentId] = { reason: row.reason, at: row.at };
  return { state: agents, at: undefined, unknown: rows && rows.size > 0 ? ['strategy'] : [] };
}
