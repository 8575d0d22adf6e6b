/**
 * Why a lease is what it is, from the agent's own projection of the journal
 * before its LeaseBound: how the allocator chose the address (asked the
 * question the agent asked) and which agent answered (the bindings and
 * heartbeats then, and the RFC 3074 split). Events name neither, so both
 * are derived. `leasehold why lease` and the web console's lease page both
 * explain a lease through these. Pure given the model.
 */
import type { AllocationSource, JournaledLeaseEvent } from '@leasehold/lease-actor';
import { formatIpv4, rangeContains, type Ipv4 } from '@leasehold/protocol';
import { isAlive } from '@leasehold/resources';
import { servesClient } from '../ha/load-balance.js';
import type { AgentModel } from './agent-model.js';

type LeaseBound = Extract<JournaledLeaseEvent, { type: 'LeaseBound' }>;

export interface AllocationRule {
  readonly source: AllocationSource | 'unknown';
  readonly text: string;
}

export interface AnsweringAgent {
  readonly id: string | null;
  readonly text: string;
  /** The agents bound to the network at the event. */
  readonly bound: readonly string[];
  /** Of those, the ones alive at the event's time. */
  readonly live: readonly string[];
}

const SOURCE_TEXT: Record<AllocationSource, string> = {
  fixed: 'fixed',
  current: 'the client already held this address: a re-bind of its live lease',
  offered: 'the address offered to the client',
  previous: "the client's previous address (the allocator's stable preference for its last lease)",
  requested: 'the address the client asked for (option 50 in a DISCOVER, or INIT-REBOOT with its old address), free at the time',
  pool: 'the first free address probing the pool from the hash of the client key',
};

/** How the allocator, as `model` stood before `event`, chose `ip` for the client; `firstRetained` > 1 when older events were compacted. */
export function allocationRule(model: AgentModel, networkId: string, ip: Ipv4, event: LeaseBound, firstRetained = 1): AllocationRule {
  const table = model.table(networkId);
  if (!table && firstRetained > 1) {
    return { source: 'unknown', text: `network ${networkId} or its subnets were created before event ${firstRetained}, which was compacted: the allocator cannot be rebuilt from the retained events alone` };
  }
  if (!table) return { source: 'unknown', text: `network ${networkId} had no subnet (or did not exist) before this event: the allocator cannot be asked` };
  const client = { mac: event.mac, ...(event.clientId !== undefined ? { clientId: event.clientId } : {}) };
  const port = model.portByMac(networkId, event.mac);
  const subnet = model.subnets(networkId).find((s) => s.dynamicPools.some((p) => rangeContains(p, ip)));
  const plain = table.allocate({ ...client, ...(subnet ? { subnetId: subnet.id } : {}), now: event.at });
  if (plain.ok && plain.source === 'fixed') {
    const name = port ? `port ${port.id}${port.name ? ` (${port.name})` : ''}` : 'a port';
    return plain.ip === ip
      ? { source: 'fixed', text: `fixed address of ${name} with MAC ${event.mac} (Neutron's static mode: a known MAC gets its port's address and nothing else)` }
      : { source: 'unknown', text: `${event.mac} belongs to ${name} whose fixed address is ${formatIpv4(plain.ip)}, not this one: the agent would not have bound it` };
  }
  const where = subnet ? `dynamic pool ${subnet.dynamicPools.filter((p) => rangeContains(p, ip)).map((p) => `${formatIpv4(p.first)}-${formatIpv4(p.last)}`).join(', ')} of subnet ${subnet.id}` : 'outside every dynamic pool';
  if (plain.ok && plain.ip === ip) {
    const key = client.clientId !== undefined ? `id:${client.clientId}` : `mac:${client.mac}`;
    return { source: plain.source, text: `${where}: ${SOURCE_TEXT[plain.source]}${plain.source === 'pool' ? ` (${key})` : ''}` };
  }
  const asked = table.allocate({ ...client, requestedIp: ip, ...(subnet ? { subnetId: subnet.id } : {}), now: event.at });
  const otherwise = plain.ok ? `the allocator alone would have given ${formatIpv4(plain.ip)} (${plain.source})` : `the allocator alone finds nothing (${plain.reason})`;
  if (asked.ok && asked.ip === ip) return { source: asked.source, text: `${where}: ${SOURCE_TEXT[asked.source]}; ${otherwise}` };
  const refused = table.check({ ...event });
  return {
    source: 'unknown',
    text: `the allocator replayed to seq before this event would not give ${formatIpv4(ip)} to this client (${refused ? `refused: ${refused.reason}` : otherwise}): written by an agent with another view, or a bug`,
  };
}

function keyBytes(client: { mac: string; clientId?: string }): Uint8Array {
  // RFC 3074 hashes option 61 when the client sent one, else chaddr (the agent does the same).
  return Buffer.from(client.clientId ?? client.mac.replaceAll(':', ''), 'hex');
}

/** What the split's winner answered, for DHCPv4 (the DHCPv6 explanation names its own messages). */
const DHCPV4_SPLIT = "the client's DISCOVER or INIT-REBOOT (a renewal is answered by whichever agent the client unicasts to";

/**
 * Which agent most likely wrote the LeaseBound at `boundSeq` (time `at`), from the bindings and heartbeats `model` folded before it.
 * `holder.clientId` is the hex the split hashes when present (option 61; a DHCPv6 client's DUID); `split` says what the chosen agent answered.
 */
export function answeringAgent(model: AgentModel, networkId: string, boundSeq: number, at: number, holder: { mac: string; clientId?: string }, agentDownTime: number, split = DHCPV4_SPLIT): AnsweringAgent {
  const agents = model.agentsOf(networkId).sort();
  // The agent's own liveness rule (agent_down_time since the last heartbeat, as of the event's time).
  const live = agents.filter((id) => {
    const r = model.agents.get(id);
    return r !== undefined && isAlive(r, at, agentDownTime);
  });
  const note = 'events do not name their writer; derived from the bindings and heartbeats before the event';
  if (agents.length === 0) return { id: null, text: `no agent was bound to the network before seq ${boundSeq} (${note})`, bound: agents, live };
  if (agents.length === 1) return { id: agents[0]!, text: `${agents[0]}: the only agent bound to the network at seq ${boundSeq}${live.length === 0 ? ' (its last heartbeat was older than agent_down_time)' : ''} (${note})`, bound: agents, live };
  const pool = live.length > 0 ? live : agents;
  const chosen = pool.find((id) => servesClient(pool, id, keyBytes(holder))) ?? null;
  return {
    id: chosen,
    text: `${chosen}: the RFC 3074 split of the live bound agents [${pool.join(', ')}] gives this client to it, so it answered ${split}; ${note})`,
    bound: agents,
    live,
  };
}
