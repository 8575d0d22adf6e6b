/**
 * `why lease`: the events behind a lease and the rule that produced it.
 * Events do not say which agent wrote them or why the allocator chose the
 * address, so both are derived: the journal up to the lease's LeaseBound is
 * folded into the agent's own projection (AgentModel: networks, ports,
 * bindings, heartbeats, lease tables), and its allocator is asked the
 * question the agent asked. What cannot be derived is said so.
 */
import { AgentModel, servesClient } from '@leasehold/agent';
import type { StoredEvent } from '@leasehold/journal';
import { fromEnvelope, type AllocationSource, type JournaledLeaseEvent } from '@leasehold/lease-actor';
import { formatIpv4, parseIpv4, rangeContains, subjectToken, tryParseIpv4, type Ipv4 } from '@leasehold/protocol';
import { DEFAULT_SCHEDULER_CONFIG } from '@leasehold/scheduler';
import { CliError } from '../resources/errors.js';
import type { EventSource } from '../replay/source.js';

export interface LeaseWhy {
  readonly networkId: string;
  readonly ip: string;
  readonly subject: string;
  /** Every event of the lease's subject. */
  readonly chain: readonly StoredEvent[];
  /** The LeaseBound that started the current lease, if any. */
  readonly bound?: StoredEvent;
  readonly holder?: { readonly mac: string; readonly clientId?: string };
  /** How the address was chosen. */
  readonly rule: { readonly source: AllocationSource | 'unknown'; readonly text: string };
  /** Who most likely wrote it. */
  readonly agent: { readonly id: string | null; readonly text: string; readonly bound: readonly string[]; readonly live: readonly string[] };
  /** Other networks with a lease at the same address (an ip query). */
  readonly others: readonly string[];
}

export interface WhyLeaseOptions {
  readonly network?: string;
  readonly agentDownTime?: number;
  readonly onPending?: (n: number) => void;
  readonly onEvent?: () => void;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** Finds the lease subject for an ip or a MAC: the one with the latest event. */
async function locate(source: EventSource, target: string, network: string | undefined): Promise<{ subject: string; others: string[] }> {
  const base = network === undefined ? 'lh.evt.lease.*' : `lh.evt.lease.${subjectToken(network)}`;
  const ip = tryParseIpv4(target);
  const mac = target.toLowerCase();
  if (ip === undefined && !MAC.test(mac)) throw new CliError('INVALID_TARGET', `${target} is neither an IPv4 address nor a MAC address`, 'target');
  const filter = ip !== undefined ? `${base}.${subjectToken(formatIpv4(ip))}` : `${base}.*`;
  const latest = new Map<string, number>();
  await source.replay(filter, ({ seq, subject, event }) => {
    if (ip === undefined && (event.data as { mac?: string } | null)?.mac !== mac) return;
    latest.set(subject, seq);
  });
  const ranked = [...latest.entries()].sort((a, b) => b[1] - a[1]);
  if (ranked.length === 0) throw new CliError('NOT_FOUND', `no lease events for ${target} in ${source.name}`, 'target');
  return { subject: ranked[0]![0], others: ranked.slice(1).map(([s]) => s.split('.')[3]!) };
}

function keyBytes(client: { mac: string; clientId?: string }): Uint8Array {
  // RFC 3074 hashes option 61 when the client sent one, else chaddr (the agent does the same).
  return Buffer.from(client.clientId ?? client.mac.replaceAll(':', ''), 'hex');
}

const SOURCE_TEXT: Record<AllocationSource, string> = {
  fixed: 'fixed',
  current: 'the client already held this address: a re-bind of its live lease',
  offered: 'the address offered to the client',
  previous: "the client's previous address (the allocator's stable preference for its last lease)",
  requested: 'the address the client asked for (option 50 in a DISCOVER, or INIT-REBOOT with its old address), free at the time',
  pool: 'the first free address probing the pool from the hash of the client key',
};

/** Explains the current lease of an address or a MAC. */
export async function whyLease(source: EventSource, target: string, options: WhyLeaseOptions = {}): Promise<LeaseWhy> {
  const { subject, others } = await locate(source, target, options.network);
  const [, , , networkId, ipToken] = subject.split('.');
  const ip = parseIpv4(ipToken!.replaceAll('-', '.'));
  const chain: StoredEvent[] = [];
  await source.replay(subject, (stored) => void chain.push(stored));
  const bound = chain.filter((s) => s.event.type === 'LeaseBound').at(-1);
  const base = { networkId: networkId!, ip: formatIpv4(ip), subject, chain, others };
  if (!bound) {
    return { ...base, rule: { source: 'unknown', text: 'no LeaseBound on this address: nothing was allocated' }, agent: { id: null, text: 'no lease was bound', bound: [], live: [] } };
  }
  const event = fromEnvelope(bound.event) as Extract<JournaledLeaseEvent, { type: 'LeaseBound' }>;
  const holder = { mac: event.mac, ...(event.clientId !== undefined ? { clientId: event.clientId } : {}) };

  // The agent's projection of everything before the LeaseBound.
  const model = new AgentModel();
  await source.replay(
    'lh.evt.>',
    (stored) => {
      model.apply(stored);
      options.onEvent?.();
    },
    { toSeq: bound.seq - 1, ...(options.onPending ? { onPending: options.onPending } : {}) },
  );
  return { ...base, bound, holder, rule: rule(model, networkId!, ip, event), agent: agent(model, networkId!, bound, holder, options.agentDownTime ?? DEFAULT_SCHEDULER_CONFIG.agentDownTime) };
}

function rule(model: AgentModel, networkId: string, ip: Ipv4, event: Extract<JournaledLeaseEvent, { type: 'LeaseBound' }>): LeaseWhy['rule'] {
  const table = model.table(networkId);
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

function agent(model: AgentModel, networkId: string, bound: StoredEvent, holder: { mac: string; clientId?: string }, agentDownTime: number): LeaseWhy['agent'] {
  const agents = model.agentsOf(networkId).sort();
  const at = bound.event.at;
  // The agent's own liveness rule (agent_down_time since the last heartbeat, as of the event's time).
  const live = agents.filter((id) => {
    const r = model.agents.get(id);
    return r !== undefined && !r.deleted && at - r.heartbeatAt < agentDownTime;
  });
  const note = 'events do not name their writer; derived from the bindings and heartbeats before the event';
  if (agents.length === 0) return { id: null, text: `no agent was bound to the network before seq ${bound.seq} (${note})`, bound: agents, live };
  if (agents.length === 1) return { id: agents[0]!, text: `${agents[0]}: the only agent bound to the network at seq ${bound.seq}${live.length === 0 ? ' (its last heartbeat was older than agent_down_time)' : ''} (${note})`, bound: agents, live };
  const pool = live.length > 0 ? live : agents;
  const chosen = pool.find((id) => servesClient(pool, id, keyBytes(holder))) ?? null;
  return {
    id: chosen,
    text: `${chosen}: the RFC 3074 split of the live bound agents [${pool.join(', ')}] gives this client to it, so it answered the client's DISCOVER or INIT-REBOOT (a renewal is answered by whichever agent the client unicasts to; ${note})`,
    bound: agents,
    live,
  };
}
