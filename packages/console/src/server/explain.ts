/**
 * The lease page's "why": the rule that chose the address and the agent
 * that answered, derived as `leasehold why lease` derives them (agent's
 * allocationRule and answeringAgent) from the agent's own projection of
 * every event before the lease's last LeaseBound.
 */
import { AgentModel, allocationRule, answeringAgent } from '@leasehold/agent';
import { firstRetainedOf, type Journal, type StoredEvent } from '@leasehold/journal';
import { fromEnvelope, type JournaledLeaseEvent } from '@leasehold/lease-actor';
import { EVENT_SUBJECT_PREFIX, tryParseIpv4 } from '@leasehold/protocol';
import { DEFAULT_SCHEDULER_CONFIG } from '@leasehold/scheduler';
import type { LeaseExplanation } from './shapes.js';
import { MAX_TIME_TRAVEL_EVENTS } from './time-travel.js';

/**
 * Null when the lease has no LeaseBound among the retained events.
 * `agentDownTimeMs`: the API's agent_down_time (the console's option;
 * Neutron's default 75 s), which decides who was alive when it was bound.
 */
export async function explainLease(journal: Journal, networkId: string, ip: string, chain: readonly StoredEvent[], agentDownTimeMs = DEFAULT_SCHEDULER_CONFIG.agentDownTime): Promise<LeaseExplanation | null> {
  const bound = chain.filter((s) => s.event.type === 'LeaseBound').at(-1);
  const address = tryParseIpv4(ip);
  if (!bound || address === undefined) return null;
  const { state } = await journal.jsm.streams.info(journal.layout.stream);
  if (bound.seq - firstRetainedOf(state) > MAX_TIME_TRAVEL_EVENTS) {
    return { seq: bound.seq, rule: { source: 'unknown', text: `over ${MAX_TIME_TRAVEL_EVENTS} events precede this lease: run leasehold why lease ${ip} to derive its rule` }, agent: { id: null, text: 'not derived here (see the rule)' } };
  }
  const event = fromEnvelope(bound.event) as Extract<JournaledLeaseEvent, { type: 'LeaseBound' }>;
  const model = new AgentModel();
  if (bound.seq > 1) await journal.replay(`${EVENT_SUBJECT_PREFIX}.>`, (stored) => model.apply(stored), { toSeq: bound.seq - 1, onBadEvent: () => {} });
  const holder = { mac: event.mac, ...(event.clientId !== undefined ? { clientId: event.clientId } : {}) };
  const rule = allocationRule(model, networkId, address, event, firstRetainedOf(state));
  const agent = answeringAgent(model, networkId, bound.seq, bound.event.at, holder, agentDownTimeMs);
  return { seq: bound.seq, rule, agent: { id: agent.id, text: agent.text } };
}
