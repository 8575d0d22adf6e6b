/**
 * `why lease <ipv6>`: the events behind an IPv6 lease (DHCPv6), each with
 * its cause, the rule that chose the address and the agent that answered,
 * as `why lease` explains an IPv4 one (lease.ts). The address is any textual
 * form of it; the subject spells it in RFC 5952 text. The derivations are the
 * agent's own (explain-lease6.ts): the journal up to the lease's Lease6Bound
 * folded into the agent's projection, whose DHCPv6 decision core is asked
 * the question the agent was asked.
 *
 * On a compacted journal a chain that does not start with a bind is said to
 * be truncated (the API snapshot's IPv6 lease row is not shown in its place
 * yet). A MAC finds its IPv6 lease through lease.ts' `locateLease`
 * (any-lease.ts).
 */
import { answeringAgent6, lease6Cause, lease6Rule, type AnsweringAgent, type Lease6Rule } from '@leasehold/agent';
import type { StoredEvent } from '@leasehold/journal';
import { lease6FromEnvelope, lease6NetworkIdOf, type JournaledLease6Event } from '@leasehold/lease-actor';
import { formatIpv6, parseIpv6, subjectToken, type Ipv6 } from '@leasehold/protocol';
import { eventSubjectParts } from '@leasehold/resources';
import { DEFAULT_SCHEDULER_CONFIG } from '@leasehold/scheduler';
import { CliError } from '../resources/errors.js';
import type { HistoryStart } from '../replay/history-start.js';
import type { EventSource } from '../replay/source.js';
import { agentModelBefore, type LocatedLease, type OtherLease, type WhyLeaseOptions } from './lease.js';

type Lease6Bound = Extract<JournaledLease6Event, { type: 'Lease6Bound' }>;

export interface Lease6Why {
  readonly networkId: string;
  /** RFC 5952 text. */
  readonly ip: string;
  readonly subject: string;
  readonly history: HistoryStart;
  /** Every retained event of the address's subject, each with what caused it. */
  readonly chain: readonly StoredEvent[];
  readonly causes: readonly string[];
  /** The chain's earlier events were compacted (it does not start with a bind, on a compacted journal). */
  readonly truncated: boolean;
  /** The first event the agent projection behind `rule` and `agent` folded (1: all of history). */
  readonly derivedFrom: number;
  /** The Lease6Bound that started the current lease, if any. */
  readonly bound?: StoredEvent;
  readonly holder?: { readonly duid: string; readonly iaid: number; readonly mac?: string; readonly hostname?: string };
  readonly rule: Lease6Rule;
  readonly agent: AnsweringAgent;
  /** Other networks with a lease at the same address (or of the same MAC). */
  readonly others: readonly string[];
  /** A MAC query's IPv4 leases (when its IPv6 lease is the one explained). */
  readonly otherFamily: readonly OtherLease[];
}

/** The lease6 subject of `ip` with the latest event (on `network` when given), and the other networks'. */
async function locate6(source: EventSource, ip: Ipv6, network: string | undefined): Promise<LocatedLease> {
  const text = formatIpv6(ip);
  const latest = new Map<string, number>();
  await source.replay(`lh.evt.lease6.${network === undefined ? '*' : subjectToken(network)}.${text}`, ({ seq, subject }) => void latest.set(subject, seq));
  const ranked = [...latest.entries()].sort((a, b) => b[1] - a[1]);
  if (ranked.length === 0) throw new CliError('NOT_FOUND', `no IPv6 lease events for ${text} in ${source.name}`, 'target');
  return { subject: ranked[0]![0], others: ranked.slice(1).map(([s]) => lease6NetworkIdOf(s)!), otherFamily: [] };
}

/** Explains the current lease of an IPv6 address. */
export async function whyLease6(source: EventSource, ip: Ipv6, options: WhyLeaseOptions = {}): Promise<Lease6Why> {
  const history = await source.history();
  return explainLease6(source, history, await locate6(source, ip, options.network), options);
}

/** Explains the IPv6 lease on `located.subject` (found by its address, or by a MAC with lease.ts' `locateLease`). */
export async function explainLease6(source: EventSource, history: HistoryStart, located: LocatedLease, options: WhyLeaseOptions): Promise<Lease6Why> {
  const { subject, others, otherFamily } = located;
  const networkId = lease6NetworkIdOf(subject)!;
  const ip = parseIpv6(eventSubjectParts(subject)!.ids[1]!);
  const chain: StoredEvent[] = [];
  await source.replay(subject, (stored) => void chain.push(stored));
  const events = chain.map((s) => lease6FromEnvelope(s.event));
  const truncated = history.firstRetained > 1 && events[0]?.type !== 'Lease6Bound';
  const boundAt = events.findLastIndex((e) => e.type === 'Lease6Bound');
  const base = { networkId, ip: formatIpv6(ip), subject, history, chain, causes: events.map(lease6Cause), truncated, derivedFrom: history.firstRetained, others, otherFamily };
  if (boundAt < 0) {
    const why = truncated ? `the Lease6Bound that started it is before event ${history.firstRetained}: it was compacted, and the reasoning with it` : 'no Lease6Bound on this address: nothing was bound';
    return { ...base, rule: { source: 'unknown', text: why }, agent: { id: null, text: truncated ? 'the Lease6Bound was compacted: which agent answered cannot be derived' : 'no lease was bound', bound: [], live: [] } };
  }
  const bound = chain[boundAt]!;
  const event = events[boundAt] as Lease6Bound;
  const later = events.slice(boundAt).reverse().find((e) => (e.type === 'Lease6Bound' || e.type === 'Lease6Renewed') && e.hostname !== undefined);
  const hostname = later !== undefined && 'hostname' in later ? later.hostname : undefined;
  const holder = { duid: event.duid, iaid: event.iaid, ...(event.mac !== undefined ? { mac: event.mac } : {}), ...(hostname !== undefined ? { hostname } : {}) };

  // The agent's projection of everything before the Lease6Bound.
  const model = await agentModelBefore(source, bound.seq, options);
  const agentDownTime = options.agentDownTime ?? DEFAULT_SCHEDULER_CONFIG.agentDownTime;
  const agent: AnsweringAgent =
    model.agentsOf(networkId).length === 0 && history.firstRetained > 1
      ? { id: null, text: `no binding of the network among the retained events before seq ${bound.seq}: bindings made before event ${history.firstRetained} were compacted`, bound: [], live: [] }
      : answeringAgent6(model, networkId, bound.seq, bound.event.at, event, agentDownTime);
  return { ...base, bound, holder, rule: lease6Rule(model, networkId, event, history.firstRetained), agent };
}
