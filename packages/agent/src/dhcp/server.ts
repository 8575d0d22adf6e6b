/**
 * The DHCP server: one datagram in, at most one reply out. It reads the
 * agent's projection (networks, ports, lease tables) and writes lease events
 * through a `LeaseWriter`; a DHCPACK is built only after its event is
 * acknowledged by JetStream. Every packet ends in a counted outcome; nothing
 * thrown escapes `handle`.
 *
 * A DHCPREQUEST reads downward, each step a named collaborator given at
 * construction: its socket (net/dhcp-sockets.ts) calls `handle` → decode →
 * flood defences (rate-limit.ts) → scope (scopes.ts) → allocate (the lease
 * table) → write (`LeaseWriter`: lease-writer.ts, durable once JetStream
 * acknowledges) → reply (reply-options.ts, encode), which `handle` returns
 * to the socket that heard it.
 */
import { NotPermittedError, VersionConflictError } from '@leasehold/journal';
import { clientKey, leaseSubject, leaseTimes, type AllocationRequest, type ClientRef, type JournaledLeaseEvent } from '@leasehold/lease-actor';
import {
  BootOp,
  DecodeError,
  DhcpMessageType,
  DhcpOptionCode,
  KeyedTokenBuckets,
  cidrContains,
  decodeDhcp,
  encodeDhcp,
  formatIpv4,
  getOption,
  getRawOption,
  messageType,
  type DhcpMessage,
  type DhcpOption,
  type Ipv4,
  type SubnetState,
} from '@leasehold/protocol';
import { servesClient } from '../ha/load-balance.js';
import { clientOf, destination, formatMac, hostnameOf } from './client-message.js';
import { MacHoldings, type Holding } from './holdings.js';
import { ScopeIndex, type ScopeMatch } from './scopes.js';
import { dhcpLimits, type DhcpLimits } from './rate-limit.js';
import { clientClassRules, clientTags, type ClientClassRule } from './client-classes.js';
import { buildReply } from './reply-options.js';
import { ReplyTemplates, stampReplyHeader, type ReplyHeaderFields } from './reply-templates.js';
import { DhcpStats, type DhcpOutcome } from './stats.js';
import type { DhcpTransaction } from './transaction-log.js';
import type { Arrival, DhcpServerOptions, Reply, Scope } from './server-types.js';

/** The server's types (server-types.ts), where its callers have always imported them from. */
export type { Arrival, LeaseWriter, Reply, ServedNetwork } from './server-types.js';

const INFINITE_LEASE_MS = 100 * 365 * 86_400_000;

/** chaddr as text, for callers of the server (index.ts). */
export { formatMac } from './client-message.js';

export class DhcpServer {
  readonly stats = new DhcpStats();
  readonly limits: DhcpLimits;
  /** Limiter and holdings state, exposed so their bounded size can be checked. */
  readonly macBuckets: KeyedTokenBuckets<string>;
  readonly relayBuckets: KeyedTokenBuckets<Ipv4>;
  readonly holdings = new MacHoldings();
  private readonly templates = new ReplyTemplates();
  private readonly now: () => number;
  private readonly scopes: ScopeIndex;
  private readonly classes: readonly ClientClassRule[];

  constructor(private readonly options: DhcpServerOptions) {
    this.now = options.now ?? Date.now;
    this.limits = dhcpLimits(options.limits);
    this.macBuckets = new KeyedTokenBuckets(this.limits.perMac);
    this.relayBuckets = new KeyedTokenBuckets(this.limits.perRelay);
    this.scopes = new ScopeIndex(options.model, options.served);
    this.classes = options.clientClasses ?? clientClassRules();
    // Every binding in the journal (replayed, ours, our peers') counts towards its chaddr's cap.
    options.model.onChange((change) => {
      if (change.kind !== 'lease') return;
      const { event } = change;
      if (event.type === 'LeaseBound') this.holdings.note(change.networkId, event.mac, event.ip);
      else if (event.type !== 'LeaseRenewed') this.holdings.drop(change.networkId, event.ip);
    });
  }

  /** Handles one datagram; resolves with the reply to send, if any. Never rejects. */
  async handle(data: Uint8Array, arrival: Arrival): Promise<Reply | undefined> {
    this.stats.received++;
    let outcome: DhcpOutcome = 'ignored';
    let reply: Reply | undefined;
    const tx: DhcpTransaction | undefined = this.options.transactions && {};
    try {
      [outcome, reply] = await this.process(data, arrival, tx);
    } catch (error) {
      outcome = error instanceof DecodeError ? 'malformed' : 'journal-error';
    }
    this.stats.count(outcome);
    if (tx) this.options.transactions!.record(tx, arrival.ifname, outcome, reply?.bytes);
    return reply;
  }

  private async process(data: Uint8Array, arrival: Arrival, tx: DhcpTransaction | undefined): Promise<[DhcpOutcome, Reply?]> {
    const msg = decodeDhcp(data);
    if (tx) tx.msg = msg;
    if (msg.op !== BootOp.Request) return ['not-a-request'];
    const type = messageType(msg);
    if (type === undefined) return ['unsupported-type'];
    // The relay-only socket also hears every broadcast; those belong to the interface sockets.
    if (arrival.ifname === undefined && msg.giaddr === 0) return ['ignored'];
    // Flood defences come before any lookup, allocation or journal write; the relay's
    // bucket first, so a relay spraying random chaddrs is cut before it fills the MAC table.
    const now = this.now();
    if (msg.giaddr !== 0 && !this.relayBuckets.take(msg.giaddr, now)) return ['rate-limited-relay'];
    const client = clientOf(msg);
    if (!this.macBuckets.take(client.mac, now)) return ['rate-limited-mac'];
    const scope = this.scope(msg, arrival);
    if (!scope) return ['no-network'];
    if (tx) {
      tx.network = scope.network;
      tx.subnets = scope.subnets;
      tx.tags = [...clientTags(msg, this.classes)];
    }
    switch (type) {
      case DhcpMessageType.Discover:
        return this.discover(msg, scope, client);
      case DhcpMessageType.Request:
        return this.request(msg, scope, client);
      case DhcpMessageType.Release:
        return this.release(msg, scope, client);
      case DhcpMessageType.Decline:
        return this.decline(msg, scope, client);
      case DhcpMessageType.Inform:
        return this.inform(msg, scope);
      default:
        return ['unsupported-type'];
    }
  }

  private scope(msg: DhcpMessage, arrival: Arrival): Scope | undefined {
    let match: ScopeMatch | undefined;
    if (msg.giaddr !== 0) {
      // RFC 2131 4.3.1: giaddr names the client's subnet.
      match = this.scopes.forRelay(msg.giaddr);
    } else {
      match = arrival.ifname === undefined ? undefined : this.scopes.forInterface(arrival.ifname);
      // RFC 2131 4.3.2 RENEWING: a relayed client unicasts straight to us, not through the
      // relay, so its ciaddr names the subnet; only when no interface's network takes the packet.
      if (!match && msg.ciaddr !== 0) match = this.scopes.forUnicast(msg.ciaddr);
    }
    if (!match) return undefined;
    const table = this.options.model.table(match.entry.served.networkId);
    return table && { served: match.entry.served, network: match.entry.network, subnets: match.subnets, table, arrival };
  }

  /** The served set changed (the agent reconciled): the next packet finds its network in a rebuilt index. */
  servedChanged(): void {
    this.scopes.invalidate();
  }

  /**
   * The addresses this client's chaddr holds on the network when it is at its
   * cap and this client id holds none of them (so serving it would take one
   * more); undefined when it may go on. Ports' MACs are exempt: they only
   * ever get their fixed address.
   */
  private capped(scope: Scope, client: ClientRef, now: number): Holding[] | undefined {
    const cap = this.limits.maxLeasesPerMac;
    if (cap <= 0) return undefined;
    const networkId = scope.served.networkId;
    if (this.options.model.portByMac(networkId, client.mac)) return undefined;
    const held = this.holdings.held(networkId, client.mac, scope.table, now);
    if (held.length < cap) return undefined;
    const key = clientKey(client);
    return held.some((h) => clientKey(h.holder) === key) ? undefined : held;
  }

  /**
   * Whether serving this client would take one more dynamic lease on a network
   * already at `leaseMax` (dnsmasq's dhcp-lease-max). A client keeping what it
   * holds or was offered, and a port's MAC (its fixed address), never is.
   */
  private atLeaseMax(scope: Scope, client: ClientRef, request: AllocationRequest): boolean {
    const max = this.limits.leaseMax;
    if (max <= 0 || this.options.model.portByMac(scope.served.networkId, client.mac)) return false;
    // allocate settles lapsed offers first, so the count below is as of now.
    const allocation = scope.table.allocate(request);
    if (!allocation.ok || allocation.source === 'fixed' || allocation.source === 'current' || allocation.source === 'offered') return false;
    return scope.table.dynamicInUse() >= max;
  }

  /** This agent answers the client's broadcasts when the RFC 3074 split gives it to us. */
  private mine(scope: Scope, msg: DhcpMessage): boolean {
    const agents = this.options.liveAgents(scope.served.networkId);
    const key = getOption(msg, DhcpOptionCode.ClientIdentifier) ?? msg.chaddr;
    return agents.length === 0 || servesClient(agents, this.options.agentId, key);
  }

  private async discover(msg: DhcpMessage, scope: Scope, client: ClientRef): Promise<[DhcpOutcome, Reply?]> {
    if (!this.mine(scope, msg)) return ['not-ours'];
    const now = this.now();
    const capped = this.capped(scope, client, now);
    if (capped) {
      // At its cap, a chaddr with a new client id is offered what it already holds, as the holder.
      const held = capped.find((h) => h.bound);
      if (!held) return ['lease-cap'];
      client = held.holder;
    }
    const requestedIp = capped ? undefined : getOption(msg, DhcpOptionCode.RequestedIpAddress);
    const subnetId = scope.subnets.length === 1 ? scope.subnets[0]!.id : undefined;
    if (this.atLeaseMax(scope, client, { ...client, now, ...(requestedIp ? { requestedIp } : {}), ...(subnetId ? { subnetId } : {}) })) return ['lease-max'];
    const { allocation, event } = scope.table.offer({ ...client, now, ...(requestedIp ? { requestedIp } : {}), ...(subnetId ? { subnetId } : {}) });
    if (!allocation.ok) return ['no-address'];
    if (event) this.holdings.note(scope.served.networkId, client.mac, event.ip);
    const subnet = subnetOf(scope, allocation.ip);
    if (!subnet) return ['no-address'];
    return ['offer', this.reply(msg, scope, subnet, DhcpMessageType.Offer, allocation.ip)];
  }

  private async request(msg: DhcpMessage, scope: Scope, client: ClientRef): Promise<[DhcpOutcome, Reply?]> {
    const serverId = getOption(msg, DhcpOptionCode.ServerIdentifier);
    const requested = getOption(msg, DhcpOptionCode.RequestedIpAddress);
    const ip = requested ?? msg.ciaddr;
    const subnet = ip === 0 ? undefined : subnetOf(scope, ip);
    if (serverId !== undefined) {
      // SELECTING (RFC 2131 4.3.2): only the server the client chose answers.
      if (!subnet || serverId !== this.serverId(scope, subnet)) return ['other-server'];
    } else if (msg.ciaddr === 0 && !this.mine(scope, msg)) {
      // INIT-REBOOT is broadcast: split like a DISCOVER. RENEWING (ciaddr, unicast) is ours.
      return ['not-ours'];
    }
    if (!subnet) return ['nak', this.nak(msg, scope, scope.subnets[0]!)];
    const now = this.now();
    const capped = this.capped(scope, client, now);
    if (capped) {
      // Only an address this chaddr already holds, and then as its holder (RFC 2131 4.3.2: NAK sends it back to DISCOVER).
      const held = capped.find((h) => h.ip === ip);
      if (!held) return ['lease-cap', this.nak(msg, scope, subnet)];
      client = held.holder;
    }
    if (this.atLeaseMax(scope, client, { ...client, requestedIp: ip, subnetId: subnet.id, now })) return ['lease-max', this.nak(msg, scope, subnet)];
    const allocation = scope.table.allocate({ ...client, requestedIp: ip, subnetId: subnet.id, now });
    if (!allocation.ok || allocation.ip !== ip) return ['nak', this.nak(msg, scope, subnet)];

    const held = scope.table.leaseOf(client, now);
    const leaseMs = subnet.leaseDuration < 0 ? INFINITE_LEASE_MS : subnet.leaseDuration * 1000;
    const hostname = hostnameOf(msg);
    const base = { ...client, ip, at: now, ...leaseTimes(now, leaseMs), ...(hostname ? { hostname } : {}) };
    const event: JournaledLeaseEvent =
      held && held.ip === ip && held.status !== 'offered' ? { type: 'LeaseRenewed', ...base } : { type: 'LeaseBound', ...base };
    if (scope.table.check(event)) return ['nak', this.nak(msg, scope, subnet)];
    // Hold the address while the write is in flight, so no DISCOVER hands it out meanwhile.
    if (event.type === 'LeaseBound') {
      scope.table.offer({ ...client, requestedIp: ip, subnetId: subnet.id, now });
      this.holdings.note(scope.served.networkId, client.mac, ip);
    }

    const outcome = await this.write(scope.served.networkId, event);
    if (outcome !== 'ack') return [outcome];
    return ['ack', this.reply(msg, scope, subnet, DhcpMessageType.Ack, ip)];
  }

  private async release(msg: DhcpMessage, scope: Scope, client: ClientRef): Promise<[DhcpOutcome, Reply?]> {
    const held = scope.table.leaseOf(client, this.now());
    if (!held || held.ip !== msg.ciaddr || held.status === 'offered') return ['ignored'];
    const outcome = await this.write(scope.served.networkId, { type: 'LeaseReleased', ...client, ip: msg.ciaddr, at: this.now() });
    return [outcome === 'ack' ? 'release' : outcome];
  }

  private async decline(msg: DhcpMessage, scope: Scope, client: ClientRef): Promise<[DhcpOutcome, Reply?]> {
    const ip = getOption(msg, DhcpOptionCode.RequestedIpAddress);
    if (ip === undefined || !subnetOf(scope, ip)) return ['ignored'];
    const message = getRawOption(msg, 56);
    const event = scope.table.declineEvent(client, ip, this.now(), message ? new TextDecoder('latin1').decode(message) : undefined);
    if (scope.table.check(event)) return ['ignored'];
    const outcome = await this.write(scope.served.networkId, event);
    return [outcome === 'ack' ? 'decline' : outcome];
  }

  private async inform(msg: DhcpMessage, scope: Scope): Promise<[DhcpOutcome, Reply?]> {
    const subnet = msg.ciaddr === 0 ? undefined : subnetOf(scope, msg.ciaddr);
    if (!subnet) return ['no-network'];
    return ['inform', this.reply(msg, scope, subnet, DhcpMessageType.Ack, 0)];
  }

  /** Appends a lease event and folds it in once durable; a lost race is a conflict, not an error. */
  private async write(networkId: string, event: JournaledLeaseEvent): Promise<DhcpOutcome> {
    const { model, writer } = this.options;
    const subject = leaseSubject(networkId, event.ip);
    try {
      const seq = await writer.append(networkId, event, model.leaseVersion(subject));
      model.applyLease(networkId, subject, seq, event);
      return 'ack';
    } catch (error) {
      return error instanceof VersionConflictError ? 'conflict' : error instanceof NotPermittedError ? 'not-permitted' : 'journal-error';
    }
  }

  private serverId(scope: Scope, subnet: SubnetState): Ipv4 {
    // A network reached only through relays: its DHCP port's address is on none of our
    // interfaces, so its clients could not unicast their renewals there (RFC 2131 4.3.2);
    // the address the relay reaches us at, they can.
    if (scope.served.ifname === undefined && scope.arrival.ifaddr !== undefined) return scope.arrival.ifaddr;
    return scope.served.serverIps.get(subnet.id) ?? scope.arrival.ifaddr ?? [...scope.served.serverIps.values()][0] ?? 0;
  }

  private reply(msg: DhcpMessage, scope: Scope, subnet: SubnetState, type: number, yiaddr: Ipv4): Reply {
    const serverId = this.serverId(scope, subnet);
    const port = yiaddr === 0 ? undefined : this.options.model.portByMac(scope.served.networkId, formatMac(msg.chaddr));
    const inform = type === DhcpMessageType.Ack && yiaddr === 0;
    const requested = getOption(msg, DhcpOptionCode.ParameterRequestList) ?? [];
    const relayInfo = getOption(msg, DhcpOptionCode.RelayAgentInformation);
    const clientId = getOption(msg, DhcpOptionCode.ClientIdentifier);
    const maxSize = getOption(msg, DhcpOptionCode.MaxMessageSize);
    const fields: ReplyHeaderFields = { xid: msg.xid, flags: msg.flags, ciaddr: inform || type === DhcpMessageType.Ack ? msg.ciaddr : 0, yiaddr, giaddr: msg.giaddr, chaddr: msg.chaddr };
    const encode = (header: ReplyHeaderFields): Uint8Array => {
      const { options, boot } = buildReply({
        messageType: type,
        serverId,
        network: scope.network,
        subnet,
        ...(port ? { port } : {}),
        leaseSeconds: inform ? undefined : subnet.leaseDuration < 0 ? 0xffffffff : subnet.leaseDuration,
        ...(port?.dnsName ? { hostname: port.dnsName } : {}),
        requested,
        ...(relayInfo ? { relayAgentInfo: relayInfo } : {}),
        ...(clientId ? { clientIdentifier: clientId } : {}),
        onLinkCidrs: scope.subnets.filter((s) => s.id !== subnet.id).map((s) => s.cidr),
        dnsFallback: serverId,
        dnsPeers: scope.served.peerServerIps?.get(subnet.id),
        metadataRouter: scope.served.metadataRoutes?.get(subnet.id),
        // Tags matter only to a port's tag: entries; a client without a port pays nothing.
        ...(port && port.extraDhcpOpts.length > 0 ? { tags: clientTags(msg, this.classes) } : {}),
      });
      const out: DhcpMessage = { op: BootOp.Reply, htype: msg.htype, hops: 0, secs: 0, ...header, siaddr: boot.siaddr, sname: boot.sname, file: boot.file, options };
      // dnsmasq overloads sname/file only for clients that sent option 55 (not BOOTP clients).
      return encodeDhcp(out, { maxSize: maxSize ?? 576, requested, overload: requested.length > 0 });
    };
    // The common case, a client with no port and nothing to echo: the scope's template, stamped (reply-templates.ts).
    const templated = !port && !inform && relayInfo === undefined && clientId === undefined;
    const bytes = templated
      ? stampReplyHeader(
          this.templates.get(scope.subnets, `${type}|${subnet.id}|${serverId}|${msg.htype}|${msg.chaddr.length}|${maxSize ?? ''}|${requested.join(',')}`, () =>
            encode({ xid: 0, flags: 0, ciaddr: 0, yiaddr: 0, giaddr: 0, chaddr: new Uint8Array(msg.chaddr.length) }),
          ),
          fields,
        )
      : encode(fields);
    return { bytes, ...destination(msg, type) };
  }

  private nak(msg: DhcpMessage, scope: Scope, subnet: SubnetState): Reply {
    const options: DhcpOption[] = [
      { code: DhcpOptionCode.MessageType, value: DhcpMessageType.Nak },
      { code: DhcpOptionCode.ServerIdentifier, value: this.serverId(scope, subnet) },
    ];
    const relayInfo = getOption(msg, DhcpOptionCode.RelayAgentInformation);
    if (relayInfo) options.push({ code: DhcpOptionCode.RelayAgentInformation, value: relayInfo });
    const out: DhcpMessage = { op: BootOp.Reply, htype: msg.htype, hops: 0, xid: msg.xid, secs: 0, flags: msg.flags, ciaddr: 0, yiaddr: 0, siaddr: 0, giaddr: msg.giaddr, chaddr: msg.chaddr, sname: '', file: '', options };
    return { bytes: encodeDhcp(out), ...destination(msg, DhcpMessageType.Nak) };
  }
}

function subnetOf(scope: Scope, ip: Ipv4): SubnetState | undefined {
  return scope.subnets.find((s) => cidrContains(s.cidr, ip));
}
