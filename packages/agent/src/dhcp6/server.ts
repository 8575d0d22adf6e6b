/**
 * The DHCPv6 server: one datagram in, at most one reply out, like the DHCPv4
 * server (dhcp/server.ts) and beside it. Its sockets (net/dhcp6-sockets.ts)
 * call `handle` → decode → the served network of the interface →
 * the RFC 3074 split among the network's live agents → the decision core
 * (decide.ts, on the network's view: link-views.ts) → the lease changes
 * written (lease-writer.ts) and folded into the model once JetStream
 * acknowledged every one → the reply, encoded, to the address and port the
 * datagram came from (the client's 546, or a relay's 547). A REPLY that
 * grants or extends an address is never built into bytes before its event is
 * durable. Every datagram ends in a counted outcome; nothing thrown escapes.
 */
import { createHash } from 'node:crypto';
import { NotPermittedError, VersionConflictError } from '@leasehold/journal';
import { lease6Subject, type JournaledLease6Event } from '@leasehold/lease-actor';
import { Dhcp6DecodeError, Dhcp6MessageType, decodeDhcp6, dhcp6DuidKey, encodeDhcp6, formatIpv6, getDhcp6Option, parseIpv6, type Dhcp6Duid, type Ipv6 } from '@leasehold/protocol';
import type { ServedNetwork } from '../dhcp/server.js';
import { servesClient } from '../ha/load-balance.js';
import type { AgentModel } from '../state/agent-model.js';
import { answerDhcp6, type Dhcp6LeaseChange } from './decide.js';
import type { Lease6Writer } from './lease-writer.js';
import { Dhcp6Links } from './link-views.js';
import { clientLink, unwrapRelay } from './relay.js';
import { Dhcp6Stats, type Dhcp6Outcome } from './stats.js';
import { duidMac } from './view.js';

/** Where a datagram came from. */
export interface Dhcp6Arrival {
  /** The interface of the socket that heard it. */
  readonly ifname: string;
  /** Its source, where the reply goes (a link-local address with its `%ifname` scope). */
  readonly address: string;
  readonly port: number;
  /** It reached us at a unicast address (the sockets hear multicast groups only: false). */
  readonly unicast: boolean;
  /** Heard on a relay interface's socket (ff05::1:3): only RELAY-FORW, its network found by the relay's link-address. */
  readonly relay?: boolean;
}

export interface Dhcp6Reply {
  readonly bytes: Uint8Array;
  readonly address: string;
  readonly port: number;
}

export interface Dhcp6ServerOptions {
  readonly agentId: string;
  readonly model: Pick<AgentModel, 'network' | 'subnets6' | 'portsOf' | 'lease6Table' | 'onChange' | 'leaseVersion' | 'applyLease6'>;
  readonly writer: Lease6Writer;
  readonly served: () => Iterable<ServedNetwork>;
  /** The live agents bound to a network (this one included), for the RFC 3074 split. */
  readonly liveAgents: (networkId: string) => readonly string[];
  readonly now?: () => number;
}

/** Messages a client multicasts to every server without naming one: the split decides which agent answers. */
const SPLIT: ReadonlySet<number> = new Set([Dhcp6MessageType.Solicit, Dhcp6MessageType.Rebind, Dhcp6MessageType.Confirm, Dhcp6MessageType.InformationRequest]);

/**
 * This agent's DUID (SERVERID): a DUID-UUID (RFC 6355) hashed from the agent
 * id, the same across restarts and hosts, so a client's RENEW still names the
 * agent that serves it. Pure.
 */
export function agentServerDuid(agentId: string): Dhcp6Duid {
  return { kind: 'uuid', uuid: Uint8Array.from(createHash('sha256').update(`leasehold-dhcp6:${agentId}`).digest().subarray(0, 16)) };
}

export class Dhcp6Server {
  readonly stats = new Dhcp6Stats();
  readonly serverDuid: Dhcp6Duid;
  private readonly links: Dhcp6Links;
  private readonly now: () => number;
  /** Network id → the agent's own IPv6 addresses its DNS cache answers on (the reconciler tells). */
  private ownDns = new Map<string, readonly Ipv6[]>();

  constructor(private readonly options: Dhcp6ServerOptions) {
    this.serverDuid = agentServerDuid(options.agentId);
    this.links = new Dhcp6Links(options.model, this.serverDuid, (networkId) => this.ownDns.get(networkId) ?? []);
    this.now = options.now ?? Date.now;
  }

  /**
   * The agent's own IPv6 addresses (RFC 5952 text) its DNS cache answers on,
   * per network: the DNS servers (option 23) of subnets that name none.
   */
  ownDnsServers(byNetwork: ReadonlyMap<string, readonly string[]>): void {
    this.ownDns = new Map([...byNetwork].map(([id, list]) => [id, list.map(parseIpv6)] as const));
  }

  /** Whether DHCPv6 serves a subnet of this network (its sockets open for it). */
  serves(networkId: string): boolean {
    return this.links.serves(networkId);
  }

  /**
   * Journals `Lease6Expired` for the served networks' leases whose valid
   * lifetime ended by `now` (at most `limit` per network a pass: the next
   * pass takes the rest), each folded once acknowledged. Every agent of a
   * network does this; the subject's expected version lets one win and the
   * others' conflicts are dropped, as with the IPv4 leases (expiry.ts). Never rejects.
   */
  async expire(now: number, limit = 256): Promise<void> {
    const { model, writer } = this.options;
    for (const served of this.options.served()) {
      if (!this.links.serves(served.networkId)) continue;
      for (const lease of model.lease6Table(served.networkId).expired(now, limit)) {
        const event: JournaledLease6Event = { type: 'Lease6Expired', at: now, ip: formatIpv6(lease.address), expiresAt: lease.validUntil };
        const subject = lease6Subject(served.networkId, event.ip);
        try {
          model.applyLease6(served.networkId, subject, await writer.append(served.networkId, event, model.leaseVersion(subject)), event);
        } catch {
          // A conflict (another agent wrote first) or the journal's outage, which the writer reports.
        }
      }
    }
  }

  /** Handles one datagram; resolves with the reply to send, if any. Never rejects. */
  async handle(data: Uint8Array, arrival: Dhcp6Arrival): Promise<Dhcp6Reply | undefined> {
    this.stats.received++;
    let outcome: Dhcp6Outcome;
    let reply: Dhcp6Reply | undefined;
    try {
      [outcome, reply] = await this.process(data, arrival);
    } catch (error) {
      outcome = error instanceof Dhcp6DecodeError ? 'malformed' : 'journal-error';
    }
    this.stats.count(outcome);
    return reply;
  }

  private async process(data: Uint8Array, arrival: Dhcp6Arrival): Promise<[Dhcp6Outcome, Dhcp6Reply?]> {
    const msg = decodeDhcp6(data);
    const network = arrival.relay ? this.relayedNetwork(msg) : this.network(arrival.ifname);
    if (network === undefined) return ['no-network'];
    const now = this.now();
    const view = this.links.view(network, now)!;
    if (!this.mine(network, msg)) return ['not-ours'];
    const decision = answerDhcp6(msg, view, { now, unicast: arrival.unicast });
    if (decision.kind === 'drop') return [decision.reason];
    const written = await this.write(network, decision.changes, now);
    if (written !== undefined) return [written];
    const type = decision.reply.msgType === Dhcp6MessageType.Advertise ? 'advertise' : 'reply';
    return [type, { bytes: encodeDhcp6(decision.reply), address: arrival.address, port: arrival.port }];
  }

  /** The served network on this interface with a DHCPv6 subnet. */
  private network(ifname: string): string | undefined {
    for (const served of this.options.served()) if (served.ifname === ifname && this.links.serves(served.networkId)) return served.networkId;
    return undefined;
  }

  /** The served network a relayed message is for: the one whose DHCPv6 subnet holds the link-address of the relay next to the client. */
  private relayedNetwork(msg: ReturnType<typeof decodeDhcp6>): string | undefined {
    const unwrapped = unwrapRelay(msg);
    const link = 'drop' in unwrapped ? undefined : clientLink(unwrapped.layers);
    if (link === undefined) return undefined;
    for (const served of this.options.served()) if (this.links.contains(served.networkId, link)) return served.networkId;
    return undefined;
  }

  /** Whether this agent answers: a message naming a server is answered by that server alone (decide.ts); the others split on the client's DUID. */
  private mine(networkId: string, msg: ReturnType<typeof decodeDhcp6>): boolean {
    const agents = this.options.liveAgents(networkId);
    if (agents.length <= 1) return true;
    const unwrapped = unwrapRelay(msg);
    if ('drop' in unwrapped || !SPLIT.has(unwrapped.inner.msgType)) return true;
    const clientId = getDhcp6Option(unwrapped.inner, 1);
    return clientId === undefined || servesClient(agents, this.options.agentId, Buffer.from(dhcp6DuidKey(clientId), 'hex'));
  }

  /** Journals every change, each once acknowledged folded into the model; undefined when all were, else why not. */
  private async write(networkId: string, changes: readonly Dhcp6LeaseChange[], now: number): Promise<Dhcp6Outcome | undefined> {
    const { model, writer } = this.options;
    const table = model.lease6Table(networkId);
    const results = await Promise.allSettled(
      changes.map(async (change) => {
        const event = leaseEvent(change, now, table.binding(change.identity)?.address === change.address);
        const subject = lease6Subject(networkId, event.ip);
        const seq = await writer.append(networkId, event, model.leaseVersion(subject));
        model.applyLease6(networkId, subject, seq, event);
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed === undefined) return undefined;
    const error: unknown = failed.reason;
    return error instanceof VersionConflictError ? 'conflict' : error instanceof NotPermittedError ? 'not-permitted' : 'journal-error';
  }
}

/** The journaled event of one decided change. Pure. */
function leaseEvent(change: Dhcp6LeaseChange, now: number, renewing: boolean): JournaledLease6Event {
  const slash = change.identity.lastIndexOf('/');
  const holder = { ip: formatIpv6(change.address), duid: change.identity.slice(0, slash), iaid: Number(change.identity.slice(slash + 1)) };
  if (change.kind !== 'bind') return { type: change.kind === 'release' ? 'Lease6Released' : 'Lease6Declined', at: now, ...holder };
  const mac = duidMac(change.duid);
  const cause = { message: change.message, source: change.source, ...(change.hostname !== undefined ? { hostname: change.hostname } : {}) };
  return { type: renewing ? 'Lease6Renewed' : 'Lease6Bound', at: now, ...holder, ...(mac !== undefined ? { mac } : {}), ...cause, expiresAt: change.validUntil };
}
