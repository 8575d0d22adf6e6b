/**
 * Why an IPv6 lease is what it is, as explain-lease.ts says it for an IPv4
 * one: each event's cause (the client message it answered, or the expiry
 * pass), the rule that chose the address, and the agent that answered.
 * A Lease6Bound written by this build names its message and rule; the rule
 * is also derived, as for IPv4: the agent's own projection of the journal
 * before the event gives the DHCPv6 decision core (dhcp6/decide.ts) the view
 * it had, and the core is asked for this client's IA without a hint. An
 * older event that names no rule is explained by that answer alone. Pure
 * given the model.
 */
import type { JournaledLease6Event } from '@leasehold/lease-actor';
import { Dhcp6MessageType, decodeDhcp6, encodeDhcp6, formatIpv6, ipv6PrefixContains, parseIpv6, parseIpv6Prefix, type Dhcp6Message, type Dhcp6Option, type Lease6Source } from '@leasehold/protocol';
import { answerDhcp6 } from '../dhcp6/decide.js';
import { Dhcp6Links } from '../dhcp6/link-views.js';
import { agentServerDuid } from '../dhcp6/server.js';
import { answeringAgent, type AnsweringAgent } from './explain-lease.js';
import type { AgentModel } from './agent-model.js';

type Lease6Bound = Extract<JournaledLease6Event, { type: 'Lease6Bound' }>;

export interface Lease6Rule {
  readonly source: Lease6Source | 'unknown';
  readonly text: string;
}

const MESSAGE_TEXT = {
  solicit: "the client's SOLICIT with RAPID_COMMIT (RFC 8415 18.3.1: answered with a committed REPLY)",
  request: "the client's REQUEST (RFC 8415 18.3.2)",
  renew: "the client's RENEW to the server that bound it (RFC 8415 18.3.4)",
  rebind: "the client's REBIND to any server (RFC 8415 18.3.5)",
} as const;

/** What caused one journaled IPv6 lease event. Pure. */
export function lease6Cause(event: JournaledLease6Event): string {
  switch (event.type) {
    case 'Lease6Bound':
      return event.message ? MESSAGE_TEXT[event.message] : "a REQUEST or rapid-commit SOLICIT (the event does not say which: written before events named their message)";
    case 'Lease6Renewed':
      return `${event.message ? MESSAGE_TEXT[event.message] : 'a RENEW, REBIND or REQUEST of the holder (the event does not say which)'}: the IA's binding extended`;
    case 'Lease6Released':
      return "the client's RELEASE (RFC 8415 18.3.7): the address given back";
    case 'Lease6Declined':
      return "the client's DECLINE (RFC 8415 18.3.8): another host uses the address; quarantined";
    case 'Lease6Expired':
      return `the agents' expiry pass: the valid lifetime ended at ${new Date(event.expiresAt).toISOString()} unrenewed`;
  }
}

/** The SOLICIT (rapid commit, no hint) of the event's IA, as the decision core reads it: the DUID's hex put back as CLIENTID. Pure. */
function solicitOf(event: Lease6Bound) {
  const duid = Buffer.from(event.duid, 'hex');
  const options: Dhcp6Option[] = [{ code: 1, raw: Uint8Array.from(duid) }, { code: 14, value: true }, { code: 3, value: { iaid: event.iaid, t1: 0, t2: 0, options: [] } }];
  const solicit: Dhcp6Message = { msgType: Dhcp6MessageType.Solicit, transactionId: 0, options };
  return decodeDhcp6(encodeDhcp6(solicit));
}

/** What the decision core, on `model` as it stood before `event`, gives the event's IA without a hint, or why it gives nothing. */
function coreAnswer(model: AgentModel, networkId: string, event: Lease6Bound): { address: string; source: Lease6Source } | { none: string } {
  const view = new Dhcp6Links(model, agentServerDuid('explain')).view(networkId, event.at);
  if (view === undefined) return { none: `network ${networkId} had no DHCPv6 subnet before this event` };
  let message;
  try {
    message = solicitOf(event);
  } catch (error) {
    return { none: `the event's DUID ${event.duid} is not one a client sends (${(error as Error).message})` };
  }
  const decision = answerDhcp6(message, view, { now: event.at, unicast: false, ...(event.mac !== undefined ? { clientMac: event.mac } : {}) });
  const bind = decision.kind === 'reply' ? decision.changes.find((c) => c.kind === 'bind') : undefined;
  if (bind === undefined || bind.kind !== 'bind') return { none: decision.kind === 'drop' ? `it drops the message (${decision.reason})` : 'it has no address for the IA (NoAddrsAvail)' };
  return { address: formatIpv6(bind.address), source: bind.source };
}

/** Where `ip` sits: the pool and subnet holding it, or the link's prefix. */
function whereIs(model: AgentModel, networkId: string, ip: string): string {
  const address = parseIpv6(ip);
  for (const subnet of model.subnets6(networkId)) {
    const pool = subnet.allocationPools.find((p) => address >= parseIpv6(p.first) && address <= parseIpv6(p.last));
    if (pool) return `pool ${pool.first}-${pool.last} of subnet ${subnet.id}`;
    if (ipv6PrefixContains(parseIpv6Prefix(subnet.cidr), address)) return `subnet ${subnet.id} (${subnet.cidr}), outside its pools`;
  }
  return 'outside every IPv6 subnet of the network';
}

/** The text of one rule for this event. */
function ruleText(model: AgentModel, networkId: string, event: Lease6Bound, source: Lease6Source): string {
  const where = whereIs(model, networkId, event.ip);
  const identity = `${event.duid}/${event.iaid}`;
  switch (source) {
    case 'fixed': {
      const port = event.mac === undefined ? undefined : model.portByMac(networkId, event.mac);
      const name = port ? `port ${port.id}${port.name ? ` (${port.name})` : ''}` : 'a port';
      return `fixed address of ${name} with MAC ${event.mac ?? 'unknown'} (Neutron's static ports: a known MAC gets its port's address and no other, as dnsmasq's dhcp-host)`;
    }
    case 'current':
      return `${where}: the IA's own binding (${identity}), still free for it`;
    case 'requested':
      return `${where}: the address the client named in its IA (the one it was advertised, or its hint), free at the time`;
    case 'pool':
      return `${where}: the first free address probing the pool from the hash of the client's identity (${identity})`;
  }
}

/** How the DHCPv6 server, as `model` stood before `event`, chose its address; `firstRetained` > 1 when older events were compacted. */
export function lease6Rule(model: AgentModel, networkId: string, event: Lease6Bound, firstRetained = 1): Lease6Rule {
  const core = coreAnswer(model, networkId, event);
  const said = event.source;
  if ('none' in core) {
    const compacted = firstRetained > 1 ? `; events before ${firstRetained} were compacted, and the view may have been built by them` : '';
    if (said) return { source: said, text: `${ruleText(model, networkId, event, said)} (as the event says; the decision core replayed to the event cannot be asked: ${core.none}${compacted})` };
    return { source: 'unknown', text: `the event names no rule, and the decision core replayed to the event cannot be asked: ${core.none}${compacted}` };
  }
  if (core.address === event.ip) {
    const source = said ?? core.source;
    const also = source === core.source ? '' : `; the decision core replayed to the event gives the same address by rule ${core.source}`;
    return { source, text: `${ruleText(model, networkId, event, source)}${also}` };
  }
  const otherwise = `the decision core alone would have given ${core.address} (${core.source})`;
  // Only a hint explains an address the core would not pick (events written before rules were named: guessed so when in a pool).
  if (said === 'requested' || (said === undefined && whereIs(model, networkId, event.ip).startsWith('pool '))) {
    return { source: 'requested', text: `${ruleText(model, networkId, event, 'requested')}; ${otherwise}${said ? '' : ' (the event names no rule: the client must have asked for it)'}` };
  }
  return { source: 'unknown', text: `the decision core replayed to the seq before this event would not give ${event.ip} to this IA (${otherwise}${said ? `; the event says ${said}` : ''}): written by an agent with another view, or a bug` };
}

/** Which agent most likely answered: the RFC 3074 split on the client's DUID among the live bound agents, as the DHCPv6 server splits (dhcp6/server.ts). */
export function answeringAgent6(model: AgentModel, networkId: string, boundSeq: number, at: number, event: Lease6Bound, agentDownTime: number): AnsweringAgent {
  const split = "the client's SOLICIT (its REQUEST and RENEWs name that agent's DUID; a REBIND is split the same way";
  return answeringAgent(model, networkId, boundSeq, at, { mac: event.mac ?? '', clientId: event.duid }, agentDownTime, split);
}
