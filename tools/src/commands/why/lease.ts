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
import { AgentModel, allocationRule, answeringAgent } from '@leasehold/agent';
import type { ReadModel } from '@leasehold/api';
import type { StoredEvent } from '@leasehold/journal';
import { fromEnvelope, lease6NetworkIdOf, lease6Subject, leaseNetworkIdOf, type AllocationSource, type JournaledLeaseEvent } from '@leasehold/lease-actor';
import { aggregateSubject, formatIpv4, parseIpv4, subjectToken, tryParseIpv4, type Ipv4 } from '@leasehold/protocol';
import { eventSubjectParts } from '@leasehold/resources';
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
  /** Other networks with a lease at the same address (an ip query), or of the same MAC (a MAC query). */
  readonly others: readonly string[];
  /** A MAC query's leases in the other family (its IPv6 leases, when an IPv4 one is explained). */
  readonly otherFamily: readonly OtherLease[];
}

/** A lease of the MAC asked about, in the family other than the explained one's. */
export interface OtherLease {
  readonly networkId: string;
  /** Its address as `why lease` takes it. */
  readonly ip: string;
}

/** Where a lease's events are: its subject, and the other leases that answer the same question. */
export interface LocatedLease {
  readonly subject: string;
  readonly others: readonly string[];
  readonly otherFamily: readonly OtherLease[];
}

export interface WhyLeaseOptions {
  readonly network?: string;
  readonly agentDownTime?: number;
  readonly onPending?: (n: number) => void;
  readonly onEvent?: () => void;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/**
 * Finds the lease subject for an IPv4 address or a MAC: the one with the
 * latest event, among the retained events and (history compacted) the API
 * snapshot's lease rows, whose version is their last event's sequence. With
 * `withIpv6`, a MAC's IPv6 leases compete too (their events name the MAC the
 * agent knew: its DUID's, a relay's).
 */
export async function locateLease(source: EventSource, target: string, network: string | undefined, model: ReadModel | undefined, withIpv6: boolean): Promise<LocatedLease> {
  const base = network === undefined ? 'lh.evt.lease.*' : `lh.evt.lease.${subjectToken(network)}`;
  const ip = tryParseIpv4(target);
  const mac = target.toLowerCase();
  if (ip === undefined && !MAC.test(mac)) throw new CliError('INVALID_TARGET', `${target} is neither an IPv4 or IPv6 address nor a MAC address`, 'target');
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
  if (ip === undefined && withIpv6) {
    for (const [networkId, byIp] of model?.fleet.leases6 ?? []) {
      if (network !== undefined && networkId !== network) continue;
      for (const row of byIp.values()) if (row.mac === mac) latest.set(lease6Subject(networkId, row.ip), row.version);
    }
    await source.replay(`lh.evt.lease6.${network === undefined ? '*' : subjectToken(network)}.*`, ({ seq, subject, event }) => {
      if ((event.data as { mac?: string } | null)?.mac === mac) latest.set(subject, seq);
    });
  }
  const ranked = [...latest.entries()].sort((a, b) => b[1] - a[1]).map(([subject]) => subject);
  if (ranked.length === 0) throw new CliError('NOT_FOUND', `no lease events for ${target} in ${source.name}${model ? ', nor a lease in the API snapshot' : ''}`, 'target');
  const six = (subject: string) => lease6NetworkIdOf(subject) !== undefined;
  const [subject, ...rest] = ranked as [string, ...string[]];
  const others = rest.filter((s) => six(s) === six(subject)).map((s) => eventSubjectParts(s)!.ids[0]!);
  const otherFamily = rest.filter((s) => six(s) !== six(subject)).map((s) => {
    const [networkId, token] = eventSubjectParts(s)!.ids as [string, string];
    return { networkId, ip: six(s) ? token : token.replaceAll('-', '.') };
  });
  return { subject, others, otherFamily };
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

/** Explains the current IPv4 lease of an address or a MAC. */
export async function whyLease(source: EventSource, target: string, options: WhyLeaseOptions = {}): Promise<LeaseWhy> {
  const history = await source.history();
  return explainLease(source, history, await locateLease(source, target, options.network, history.model, false), options);
}

/** Explains the IPv4 lease `locateLease` found. */
export async function explainLease(source: EventSource, history: HistoryStart, located: LocatedLease, options: WhyLeaseOptions): Promise<LeaseWhy> {
  const { subject, others, otherFamily } = located;
  const [networkId, ipToken] = eventSubjectParts(subject)!.ids;
  const ip = parseIpv4(ipToken!.replaceAll('-', '.'));
  const chain: StoredEvent[] = [];
  await source.replay(subject, (stored) => void chain.push(stored));
  const { origin } = walkAggregate(parseAggregate(subject), history, chain, { now: Date.now() });
  const truncated = truncatedBy(origin);
  const atSnapshot = leaseAtSnapshot(history, networkId!, ip);
  const bound = chain.filter((s) => s.event.type === 'LeaseBound').at(-1);
  const base = { networkId: networkId!, ip: formatIpv4(ip), subject, history, chain, truncated, ...(atSnapshot ? { atSnapshot } : {}), derivedFrom: history.firstRetained, others, otherFamily };
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
  const model = await agentModelBefore(source, bound.seq, options);
  return {
    ...base,
    bound,
    holder,
    rule: allocationRule(model, networkId!, ip, event, history.firstRetained),
    agent: agent(model, networkId!, bound, holder, options.agentDownTime ?? DEFAULT_SCHEDULER_CONFIG.agentDownTime, history),
  };
}

/** The answering agent (agent's answeringAgent), or why it cannot be derived when the bindings before the event were compacted. */
function agent(model: AgentModel, networkId: string, bound: StoredEvent, holder: { mac: string; clientId?: string }, agentDownTime: number, history: HistoryStart): LeaseWhy['agent'] {
  if (model.agentsOf(networkId).length === 0 && history.firstRetained > 1) {
    const held = [...(history.model?.fleet.bindings.get(networkId)?.keys() ?? [])].sort();
    const then = history.snapshot ? `; at snapshot ${snapshotName(history.snapshot)} it was bound to ${held.length > 0 ? held.join(', ') : 'no agent'}` : '';
    const note = 'events do not name their writer; derived from the bindings and heartbeats before the event';
    return { id: null, text: `no binding of the network among the retained events before seq ${bound.seq}: bindings made before event ${history.firstRetained} were compacted${then} (${note})`, bound: [], live: [] };
  }
  return answeringAgent(model, networkId, bound.seq, bound.event.at, holder, agentDownTime);
}

/** The agents' model (AgentModel) folded from every event before stream sequence `seq`: what the deciding agent knew. */
export async function agentModelBefore(source: EventSource, seq: number, options: Pick<WhyLeaseOptions, 'onEvent' | 'onPending'>): Promise<AgentModel> {
  const model = new AgentModel();
  await source.replay(
    'lh.evt.>',
    (stored) => {
      model.apply(stored);
      options.onEvent?.();
    },
    { toSeq: seq - 1, ...(options.onPending ? { onPending: options.onPending } : {}) },
  );
  return model;
}
