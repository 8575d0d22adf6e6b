/**
 * The DHCPv6 server's decisions (RFC 8415 section 18.3), pure: a decoded
 * message and the link's v6 view in, the reply and the lease changes out, or
 * a named reason to drop. Nothing here sends or journals: the runtime must
 * have every `changes` entry durably acknowledged by JetStream before it
 * sends a reply that grants or extends an address (not wired to sockets yet).
 *
 * Identity is DUID + IAID (RFC 8415 section 12). Addresses come, in order,
 * from the IA's binding, the client's static port (its DUID's MAC), the
 * client's hint if free, then the pools, probing a bounded number of
 * addresses from a point hashed from the identity.
 */
import {
  Dhcp6MessageType,
  Dhcp6StatusCode,
  FNV_OFFSET,
  fnv1a,
  getDhcp6Option,
  getDhcp6Options,
  ipv6PrefixContains,
  ipv6ToBytes,
  type Dhcp6ClientServerMessage,
  type Dhcp6Duid,
  type Dhcp6IaNa,
  type Dhcp6Message,
  type Dhcp6Option,
  type Ipv6,
  type Lease6Message,
  type Lease6Source,
} from '@leasehold/protocol';
import { clientHostname, fqdnReply } from './client-fqdn.js';
import { clientLink, relayedClientMac, unwrapRelay, wrapReply } from './relay.js';
import { discardReason, type Dhcp6DropReason } from './validate.js';
import { dhcp6Identity, duidMac, ipv6FromBytes, type Dhcp6LinkView, type Dhcp6SubnetView } from './view.js';

/** What a bind carries into its event: the message it answers, why the address (the rule), the client's host name (option 39). */
export interface Dhcp6BindCause {
  readonly message: Lease6Message;
  readonly source: Lease6Source;
  readonly hostname?: string;
}

/** A lease change the runtime journals, and has acknowledged, before it sends the reply. */
export type Dhcp6LeaseChange =
  | ({ readonly kind: 'bind'; readonly identity: string; readonly duid: Dhcp6Duid; readonly iaid: number; readonly address: Ipv6; readonly validUntil: number } & Dhcp6BindCause)
  | { readonly kind: 'release' | 'decline'; readonly identity: string; readonly address: Ipv6 };

export type Dhcp6Decision =
  | { readonly kind: 'reply'; readonly reply: Dhcp6Message; readonly changes: readonly Dhcp6LeaseChange[] }
  | { readonly kind: 'drop'; readonly reason: Dhcp6DropReason };

export interface Dhcp6Context {
  /** ms since the epoch. */
  readonly now: number;
  /** The datagram reached us at a unicast address (RFC 8415 sections 16 and 18.4). */
  readonly unicast: boolean;
  /**
   * A direct client's MAC as the runtime found it (the frame's source, or the
   * neighbour entry of its link-local address, as dnsmasq looks it up), for
   * matching static ports when the DUID carries none (DUID-EN, DUID-UUID).
   */
  readonly clientMac?: string;
}

/** Addresses probed per pool before an IA gets NoAddrsAvail: every load loop is bounded, and a /64 pool is 2^64 addresses. */
const MAX_PROBES = 1024;

const { Solicit, Advertise, Request, Confirm, Renew, Rebind, Reply, Release, Decline, InformationRequest } = Dhcp6MessageType;

/** Everything one decision reads, gathered once. */
interface Scope {
  readonly msg: Dhcp6ClientServerMessage;
  readonly view: Dhcp6LinkView;
  /** The subnets of the client's link (all of the view's for a direct message). */
  readonly subnets: readonly Dhcp6SubnetView[];
  readonly now: number;
  /** Addresses given to earlier IAs of this same message. */
  readonly taken: Set<Ipv6>;
  /** The client's MAC, for static ports: from its DUID, else the relay's CLIENT_LINKLAYER_ADDR, else the runtime's. */
  readonly clientMac: string | undefined;
}

/** The answer to one received message (relayed or not). Pure. */
export function answerDhcp6(msg: Dhcp6Message, view: Dhcp6LinkView, ctx: Dhcp6Context): Dhcp6Decision {
  const unwrapped = unwrapRelay(msg);
  if ('drop' in unwrapped) return { kind: 'drop', reason: unwrapped.drop };
  const { inner, layers } = unwrapped;
  const link = clientLink(layers);
  const subnets = link === undefined ? view.subnets : view.subnets.filter((s) => ipv6PrefixContains(s.prefix, link));
  if (subnets.length === 0) return { kind: 'drop', reason: 'unknown-link' };
  const unicast = layers.length === 0 && ctx.unicast;
  const reason = discardReason(inner, view.serverDuid, unicast);
  if (reason !== undefined) return { kind: 'drop', reason };
  const duid = getDhcp6Option(inner, 1);
  const clientMac = (duid === undefined ? undefined : duidMac(duid)) ?? relayedClientMac(layers) ?? (layers.length === 0 ? ctx.clientMac : undefined);
  const decision = decide({ msg: inner, view, subnets, now: ctx.now, taken: new Set(), clientMac }, unicast);
  return decision.kind === 'drop' ? decision : { ...decision, reply: wrapReply(decision.reply as Dhcp6ClientServerMessage, layers) };
}

function decide(scope: Scope, unicast: boolean): Dhcp6Decision {
  const type = scope.msg.msgType;
  // RFC 8415 18.4: this server never sends SERVER_UNICAST, so unicast REQUEST, RENEW, RELEASE, DECLINE get UseMulticast.
  if (unicast) return reply(scope, Reply, [status(Dhcp6StatusCode.UseMulticast, 'use multicast')]);
  switch (type) {
    case Solicit:
      return solicit(scope);
    case Request:
      return request(scope);
    case Confirm:
      return confirm(scope);
    case Renew:
    case Rebind:
      return extend(scope, type === Rebind);
    case Release:
    case Decline:
      return giveBack(scope, type === Release ? 'release' : 'decline');
    case InformationRequest:
      return reply(scope, Reply, [...configuration(scope), ...refreshTime(scope.view)]);
    default:
      return { kind: 'drop', reason: 'unsupported-message-type' };
  }
}

/** 18.3.1: ADVERTISE what a REQUEST would get; with rapid commit (and the server allowing it), REPLY and commit. */
function solicit(scope: Scope): Dhcp6Decision {
  const rapid = getDhcp6Option(scope.msg, 14) === true && scope.view.rapidCommit;
  const { ias, changes } = assignAll(scope);
  const options = [...(rapid ? [{ code: 14, value: true } as const] : []), ...ias, ...noIaStatus(scope), ...configuration(scope), ...fqdn(scope)];
  return reply(scope, rapid ? Reply : Advertise, options, rapid ? changes : []);
}

/** 18.3.2: assign an address to every IA_NA, NoAddrsAvail inside the IA where none is left. */
function request(scope: Scope): Dhcp6Decision {
  const { ias, changes } = assignAll(scope);
  return reply(scope, Reply, [...ias, ...noIaStatus(scope), ...configuration(scope), ...fqdn(scope)], changes);
}

/** 18.3.3: Success when every address is on the client's link, NotOnLink otherwise; no reply without addresses. */
function confirm(scope: Scope): Dhcp6Decision {
  const addresses = [...getDhcp6Options(scope.msg, 3), ...getDhcp6Options(scope.msg, 4)].flatMap((ia) => getDhcp6Options(ia, 5).map((a) => ipv6FromBytes(a.address)));
  if (addresses.length === 0) return { kind: 'drop', reason: 'confirm-without-addresses' };
  const allOnLink = addresses.every((a) => onLink(scope, a));
  return reply(scope, Reply, [allOnLink ? status(Dhcp6StatusCode.Success, 'all addresses still on link') : status(Dhcp6StatusCode.NotOnLink, 'not on link')]);
}

/**
 * 18.3.4 RENEW and 18.3.5 REBIND: an IA with a binding gets its address with
 * fresh lifetimes, and any other address it listed with lifetimes 0 (no
 * longer its). Without a binding, RENEW gets NoBinding in the IA; REBIND gets
 * lifetimes 0 for addresses not on the link, and no reply when that leaves
 * nothing to say.
 */
function extend(scope: Scope, rebind: boolean): Dhcp6Decision {
  const ias: Dhcp6Option[] = [];
  const changes: Dhcp6LeaseChange[] = [];
  const duid = getDhcp6Option(scope.msg, 1)!;
  for (const ia of getDhcp6Options(scope.msg, 3)) {
    const identity = dhcp6Identity(duid, ia.iaid);
    const binding = scope.view.bindings.get(identity);
    const listed = getDhcp6Options(ia, 5).map((a) => ipv6FromBytes(a.address));
    if (binding === undefined) {
      if (!rebind) {
        ias.push(iaOption(scope, ia.iaid, [], status(Dhcp6StatusCode.NoBinding, 'no binding for this IA')));
        continue;
      }
      const offLink = listed.filter((a) => !onStatefulLink(scope, a));
      if (offLink.length > 0) ias.push(iaOption(scope, ia.iaid, offLink.map((a) => iaAddress(a, 0))));
      continue;
    }
    const keep = onStatefulLink(scope, binding.address);
    const stale = listed.filter((a) => a !== binding.address || !keep);
    const lifetime = scope.view.leaseTime;
    ias.push(iaOption(scope, ia.iaid, [...(keep ? [iaAddress(binding.address, lifetime)] : []), ...stale.map((a) => iaAddress(a, 0))]));
    if (keep) changes.push({ kind: 'bind', identity, duid, iaid: ia.iaid, address: binding.address, validUntil: scope.now + lifetime * 1000, ...cause(scope, rebind ? 'rebind' : 'renew', 'current') });
  }
  if (rebind && ias.length === 0) return { kind: 'drop', reason: 'rebind-without-binding' };
  return reply(scope, Reply, [...ias, ...configuration(scope), ...fqdn(scope)], changes);
}

/** 18.3.7 RELEASE and 18.3.8 DECLINE: give back each bound address; NoBinding in the IAs the server does not know. */
function giveBack(scope: Scope, kind: 'release' | 'decline'): Dhcp6Decision {
  const duid = getDhcp6Option(scope.msg, 1)!;
  const unknown: Dhcp6Option[] = [];
  const changes: Dhcp6LeaseChange[] = [];
  for (const ia of getDhcp6Options(scope.msg, 3)) {
    const identity = dhcp6Identity(duid, ia.iaid);
    const binding = scope.view.bindings.get(identity);
    const listed = getDhcp6Options(ia, 5).map((a) => ipv6FromBytes(a.address));
    if (binding === undefined || !listed.includes(binding.address)) {
      unknown.push(iaOption(scope, ia.iaid, [], status(Dhcp6StatusCode.NoBinding, 'no binding for this IA')));
      continue;
    }
    changes.push({ kind, identity, address: binding.address });
  }
  return reply(scope, Reply, [status(Dhcp6StatusCode.Success, `${kind} received`), ...unknown], changes);
}

/** An address for every IA_NA of the message; IA_TA (temporary addresses) are not offered. */
function assignAll(scope: Scope): { ias: Dhcp6Option[]; changes: Dhcp6LeaseChange[] } {
  const duid = getDhcp6Option(scope.msg, 1)!;
  const ias: Dhcp6Option[] = [];
  const changes: Dhcp6LeaseChange[] = [];
  for (const option of scope.msg.options) {
    if (option.code === 4 && 'value' in option) {
      ias.push({ code: 4, value: { iaid: option.value.iaid, options: [status(Dhcp6StatusCode.NoAddrsAvail, 'no temporary addresses')] } });
    }
    if (option.code !== 3 || !('value' in option)) continue;
    const ia = option.value;
    // 18.3.2: a REQUEST naming an address whose prefix is not the link's gets the IA back with NotOnLink (a SOLICIT's hints are only hints).
    if (scope.msg.msgType === Request && getDhcp6Options(ia, 5).some((a) => !onLink(scope, ipv6FromBytes(a.address)))) {
      ias.push(iaOption(scope, ia.iaid, [], status(Dhcp6StatusCode.NotOnLink, 'not on link')));
      continue;
    }
    const identity = dhcp6Identity(duid, ia.iaid);
    const chosen = chooseAddress(scope, identity, ia);
    if (chosen === undefined) {
      ias.push(iaOption(scope, ia.iaid, [], status(Dhcp6StatusCode.NoAddrsAvail, 'no addresses available')));
      continue;
    }
    const { address, source } = chosen;
    scope.taken.add(address);
    ias.push(iaOption(scope, ia.iaid, [iaAddress(address, scope.view.leaseTime)]));
    const message = scope.msg.msgType === Solicit ? 'solicit' : 'request';
    changes.push({ kind: 'bind', identity, duid, iaid: ia.iaid, address, validUntil: scope.now + scope.view.leaseTime * 1000, ...cause(scope, message, source) });
  }
  return { ias, changes };
}

/** The address for one IA and the rule that gave it, in the order the module comment names. */
function chooseAddress(scope: Scope, identity: string, ia: Dhcp6IaNa): { address: Ipv6; source: Lease6Source } | undefined {
  const binding = scope.view.bindings.get(identity);
  if (binding !== undefined && onStatefulLink(scope, binding.address) && isFree(scope, binding.address, identity)) return { address: binding.address, source: 'current' };
  const reserved = scope.clientMac === undefined ? undefined : scope.view.reservations.get(scope.clientMac);
  // A static port's client gets its port's address or nothing, as dnsmasq gives a dhcp-host its own address.
  if (reserved !== undefined) return onStatefulLink(scope, reserved) && !scope.taken.has(reserved) ? { address: reserved, source: 'fixed' } : undefined;
  for (const hint of getDhcp6Options(ia, 5)) {
    const address = ipv6FromBytes(hint.address);
    if (inPool(scope, address) && isFree(scope, address, identity)) return { address, source: 'requested' };
  }
  const address = allocate(scope, identity);
  return address === undefined ? undefined : { address, source: 'pool' };
}

/** A bind's cause: the message, the rule, and the client's host name when it sent one. Pure. */
function cause(scope: Scope, message: Lease6Message, source: Lease6Source): Dhcp6BindCause {
  const hostname = clientHostname(scope.msg.options);
  return { message, source, ...(hostname !== undefined ? { hostname } : {}) };
}

/** Option 39 back to a client that sent one (RFC 4704 section 5), naming it under the link's domain. */
function fqdn(scope: Scope): Dhcp6Option[] {
  const option = fqdnReply(scope.msg.options, scope.subnets.flatMap((s) => s.domainList)[0]);
  return option === undefined ? [] : [option];
}

/** The first free pool address probing from a point hashed from the identity, at most MAX_PROBES per pool. */
function allocate(scope: Scope, identity: string): Ipv6 | undefined {
  // fnv1a is a signed 32-bit value (Math.imul): unsigned before it becomes an offset.
  const hash = BigInt(fnv1a(FNV_OFFSET, identity) >>> 0);
  for (const subnet of scope.subnets) {
    if (subnet.mode !== 'stateful') continue;
    for (const pool of subnet.pools) {
      const size = pool.end - pool.start + 1n;
      if (size <= 0n) continue;
      const first = hash % size;
      const probes = size < BigInt(MAX_PROBES) ? Number(size) : MAX_PROBES;
      for (let i = 0; i < probes; i++) {
        const address = pool.start + ((first + BigInt(i)) % size);
        if (isFree(scope, address, identity)) return address;
      }
    }
  }
  return undefined;
}

function isFree(scope: Scope, address: Ipv6, identity: string): boolean {
  if (scope.taken.has(address)) return false;
  const holder = scope.view.holders.get(address);
  return holder === undefined || holder === identity;
}

function onLink(scope: Scope, address: Ipv6): boolean {
  return scope.subnets.some((s) => ipv6PrefixContains(s.prefix, address));
}

function onStatefulLink(scope: Scope, address: Ipv6): boolean {
  return scope.subnets.some((s) => s.mode === 'stateful' && ipv6PrefixContains(s.prefix, address));
}

function inPool(scope: Scope, address: Ipv6): boolean {
  return scope.subnets.some((s) => s.mode === 'stateful' && s.pools.some((p) => address >= p.start && address <= p.end));
}

/** A SOLICIT or REQUEST without any IA: say so at the top level, as RFC 8415 18.3.1 and 18.3.2 do for unusable IAs. */
function noIaStatus(scope: Scope): Dhcp6Option[] {
  const hasIa = scope.msg.options.some((o) => o.code === 3 || o.code === 4);
  return hasIa ? [] : [status(Dhcp6StatusCode.NoAddrsAvail, 'no IA in the message')];
}

function iaOption(scope: Scope, iaid: number, addresses: Dhcp6Option[], iaStatus?: Dhcp6Option): Dhcp6Option {
  const lease = scope.view.leaseTime;
  // RFC 8415 21.4: T1 0.5 and T2 0.8 times the shortest preferred lifetime; 0 leaves them to the client when nothing is granted.
  const granted = addresses.length > 0 && iaStatus === undefined;
  const t1 = granted ? Math.floor(lease / 2) : 0;
  const t2 = granted ? Math.floor((lease * 4) / 5) : 0;
  return { code: 3, value: { iaid, t1, t2, options: iaStatus === undefined ? addresses : [...addresses, iaStatus] } };
}

function iaAddress(address: Ipv6, lifetime: number): Dhcp6Option {
  return { code: 5, value: { address: ipv6ToBytes(address), preferredLifetime: lifetime, validLifetime: lifetime, options: [] } };
}

function status(code: number, message: string): Dhcp6Option {
  return { code: 13, value: { status: code, message } };
}

/** DNS_SERVERS (23) and DOMAIN_LIST (24) of the link's subnets, when the client's ORO asks for them (RFC 8415 18.3). */
function configuration(scope: Scope): Dhcp6Option[] {
  const oro = getDhcp6Option(scope.msg, 6) ?? [];
  const out: Dhcp6Option[] = [];
  const dns = [...new Set(scope.subnets.flatMap((s) => s.dnsServers))];
  const domains = [...new Set(scope.subnets.flatMap((s) => s.domainList))];
  if (oro.includes(23) && dns.length > 0) out.push({ code: 23, value: dns.map(ipv6ToBytes) });
  if (oro.includes(24) && domains.length > 0) out.push({ code: 24, value: domains });
  return out;
}

function refreshTime(view: Dhcp6LinkView): Dhcp6Option[] {
  return view.informationRefreshTime === undefined ? [] : [{ code: 32, value: view.informationRefreshTime }];
}

/** A reply to `scope.msg`: same transaction id, the client's CLIENTID echoed (RFC 8415 18.3), our SERVERID. */
function reply(scope: Scope, msgType: number, options: readonly Dhcp6Option[], changes: readonly Dhcp6LeaseChange[] = []): Dhcp6Decision {
  const clientId = getDhcp6Option(scope.msg, 1);
  const head: Dhcp6Option[] = clientId === undefined ? [] : [{ code: 1, value: clientId }];
  head.push({ code: 2, value: scope.view.serverDuid });
  return { kind: 'reply', reply: { msgType, transactionId: scope.msg.transactionId, options: [...head, ...options] }, changes };
}
