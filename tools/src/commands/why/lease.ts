/**
 * `why lease`: the events behind a lease and the rule that produced it.
 * Events do not say which agent wrote them or why the allocator chose the
 * address, so both are derived: the journal up to the lease's LeaseBound is
 * folded into the agent's own projection (AgentModel: networks, ports,
 * bindings, heartbeats, lease tables), and its allocator is asked the
 * question the agent asked. What cannot be derived is said so.
 *
 * On a compacted journal the chain starts at the first retained event. When
 * the lease's own history began before it (its retained events alone do not
 * reach the lease the API snapshot holds), the chain is said to be
 * truncated, with the lease as that snapshot holds it; and the agent's
 * projection the rule is derived from holds only the retained events.
 */
import { AgentModel, servesClient } from '@leasehold/agent';
import type { ReadModel } from '@leasehold/api';
import type { StoredEvent } from '@leasehold/journal';
import { fromEnvelope, leaseNetworkIdOf, type AllocationSource, type JournaledLeaseEvent } from '@leasehold/lease-actor';
import { aggregateSubject, formatIpv4, parseIpv4, rangeContains, subjectToken, tryParseIpv4, type Ipv4 } from '@leasehold/protocol';
import { eventSubjectParts, isAlive } from '@leasehold/resources';
import { DEFAULT_SCHEDULER_CONFIG } from '@leasehold/scheduler';
import { CliError } from '../resources/errors.js';
import { parseAggregate } from '../replay/aggregate.js';
import { snapshotName, type HistoryStart } from '../replay/history-start.js';
import { walkAggregate, type Origin } from '../replay/run.js';
import type { EventSource } from '../replay/source.js';

/** The lease as the API snapshot holds it. */
export interface LeaseAtSnapshot {
  /** `api@812`. */
  readonly snapshot: string;
  readonly seq: number;
  readonly at: number;
  readonly lease: {
    readonly state: string;
    readonly mac: string;
    readonly clientId: string | null;
    readonly hostname: string | null;
    readonly expiresAt: number | null;
    readonly updatedAt: number;
    /** The sequence of its last event up to the snapshot (below the first retained one: compacted). */
    readonly version: number;
  } | null;
}

export interface LeaseWhy {
  readonly networkId: string;
  readonly ip: string;
  readonly subject: string;
  /** Where the source's history starts (rendered by the command). */
  readonly history: HistoryStart;
  /** Every retained event of the lease's subject. */
  readonly chain: readonly StoredEvent[];
  /** The lease's events before the first retained one were compacted (or, with no snapshot, may have been). */
  readonly truncated: boolean;
  /** With history compacted: the lease as the API snapshot holds it. */
  readonly atSnapshot?: LeaseAtSnapshot;
  /** The first event the agent projection behind `rule` and `agent` folded (1: all of history). */
  readonly derivedFrom: number;
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

/**
 * Finds the lease subject for an ip or a MAC: the one with the latest event,
 * among the retained events and (history compacted) the API snapshot's lease
 * rows, whose version is their last event's sequence.
 */
async function locate(source: EventSource, target: string, network: string | undefined, model: ReadModel | undefined): Promise<{ subject: string; others: string[] }> {
  const base = network === undefined ? 'lh.evt.lease.*' : `lh.evt.lease.${subjectToken(network)}`;
  const ip = tryParseIpv4(target);
  const mac = target.toLowerCase();
  if (ip === undefined && !MAC.test(mac)) throw new CliError('INVALID_TARGET', `${target} is neither an IPv4 address nor a MAC address`, 'target');
  const filter = ip !== undefined ? `${base}.${subjectToken(formatIpv4(ip))}` : `${base}.*`;
  const latest = new Map<string, number>();
  for (const [networkId, byIp] of model?.fleet.leases ?? []) {
    if (network !== undefined && networkId !== network) continue;
    for (const row of byIp.values()) {
      if (ip !== undefined ? row.ip === ip : row.mac === mac) latest.set(aggregateSubject('lease', networkId, formatIpv4(row.ip)), row.version);
    }
  }
  await source.replay(filter, ({ seq, subject, event }) => {
    if (ip === undefined && (event.data as { mac?: string } | null)?.mac !== mac) return;
    latest.set(subject, seq);
  });
  const ranked = [...latest.entries()].sort((a, b) => b[1] - a[1]);
  if (ranked.length === 0) throw new CliError('NOT_FOUND', `no lease events for ${target} in ${source.name}${model ? ', nor a lease in the API snapshot' : ''}`, 'target');
  return { subject: ranked[0]![0], others: ranked.slice(1).map(([s]) => leaseNetworkIdOf(s)!) };
}

/** The lease row of the API snapshot, for the report. Pure. */
function leaseAtSnapshot(history: HistoryStart, networkId: string, ip: Ipv4): LeaseAtSnapshot | undefined {
  if (!history.model || !history.snapshot) return undefined;
  const row = history.model.fleet.leases.get(networkId)?.get(ip);
  const lease = row
    ? { state: row.state, mac: row.mac, clientId: row.clientId ?? null, hostname: row.hostname ?? null, expiresAt: row.expiresAt ?? null, updatedAt: row.updatedAt, version: row.version }
    : null;
  return { snapshot: snapshotName(history.snapshot), seq: history.snapshot.seq, at: history.snapshot.at, lease };
}

/** Whether the chain lacks the lease's earlier events. Pure. */
const truncatedBy = (origin: Origin): boolean => origin.kind === 'snapshot' || origin.kind === 'partial';

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
  const history = await source.history();
  const { subject, others } = await locate(source, target, options.network, history.model);
  const [networkId, ipToken] = eventSubjectParts(subject)!.ids;
  const ip = parseIpv4(ipToken!.replaceAll('-', '.'));
  const chain: StoredEvent[] = [];
  await source.replay(subject, (stored) => void chain.push(stored));
  const { origin } = walkAggregate(parseAggregate(subject), history, chain, { now: Date.now() });
  const truncated = truncatedBy(origin);
  const atSnapshot = leaseAtSnapshot(history, networkId!, ip);
  const bound = chain.filter((s) => s.event.type === 'LeaseBound').at(-1);
  const base = { networkId: networkId!, ip: formatIpv4(ip), subject, history, chain, truncated, ...(atSnapshot ? { atSnapshot } : {}), derivedFrom: history.firstRetained, others };
  if (!bound) {
    const row = atSnapshot?.lease;
    if (truncated && row) {
      const holder = { mac: row.mac, ...(row.clientId !== null ? { clientId: row.clientId } : {}) };
      const text = `the LeaseBound that started this lease is before event ${history.firstRetained}: it was compacted, and the allocator's reasoning with it (snapshot ${atSnapshot.snapshot} holds the lease: ${row.state}, client ${row.mac})`;
      return { ...base, holder, rule: { source: 'unknown', text }, agent: { id: null, text: `the LeaseBound was compacted: which agent answered cannot be derived`, bound: [], live: [] } };
    }
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
  return {
    ...base,
    bound,
    holder,
    rule: rule(model, networkId!, ip, event, history.firstRetained),
    agent: agent(model, networkId!, bound, holder, options.agentDownTime ?? DEFAULT_SCHEDULER_CONFIG.agentDownTime, history),
  };
}

function rule(model: AgentModel, networkId: string, ip: Ipv4, event: Extract<JournaledLeaseEvent, { type: 'LeaseBound' }>, firstRetained: number): LeaseWhy['rule'] {
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

function agent(model: AgentModel, networkId: string, bound: StoredEvent, holder: { mac: string; clientId?: string }, agentDownTime: number, history: HistoryStart): LeaseWhy['agent'] {
  const agents = model.agentsOf(networkId).sort();
  const at = bound.event.at;
  // The agent's own liveness rule (agent_down_time since the last heartbeat, as of the event's time).
  const live = agents.filter((id) => {
    const r = model.agents.get(id);
    return r !== undefined && isAlive(r, at, agentDownTime);
  });
  const note = 'events do not name their writer; derived from the bindings and heartbeats before the event';
  if (agents.length === 0 && history.firstRetained > 1) {
    const held = [...(history.model?.fleet.bindings.get(networkId)?.keys() ?? [])].sort();
    const then = history.snapshot ? `; at snapshot ${snapshotName(history.snapshot)} it was bound to ${held.length > 0 ? held.join(', ') : 'no agent'}` : '';
    return { id: null, text: `no binding of the network among the retained events before seq ${bound.seq}: bindings made before event ${history.firstRetained} were compacted${then} (${note})`, bound: agents, live };
  }
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
