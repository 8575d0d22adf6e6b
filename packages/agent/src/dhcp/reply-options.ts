/**
 * The option list of a DHCPOFFER, DHCPACK or an ACK to DHCPINFORM, from what
 * the agent knows of the network, subnet and port (RFC 2131 section 4.3,
 * table 3; RFC 2132). Neutron's dnsmasq configuration and dnsmasq's own
 * choices are the yardstick: what goes in, what a port's extra_dhcp_opts
 * change, and which options a client gets without asking.
 */
import {
  DhcpMessageType,
  DhcpOptionCode as Code,
  cidrBroadcast,
  encodeClasslessRoutes,
  prefixToMask,
  type ClasslessRoute,
  type DhcpOption,
  type Ipv4,
  type Ipv4Cidr,
  type NetworkState,
  type PortState,
  type RelayAgentSubOption,
  type SubnetState,
} from '@leasehold/protocol';
import { SERVER_IP_ADDRESS, takeBootFields, type BootFields } from './boot-fields.js';
import { parseExtraDhcpOpts, type ExtraDhcpOptError, type ExtraOption } from './option-names.js';
import { selectExtraOptions } from './tag-match.js';

/** Microsoft's pre-RFC 3442 classless static routes; same encoding as 121. */
export const MS_CLASSLESS_ROUTES = 249;

/** 169.254.169.254, the metadata service's link-local address (Neutron's METADATA_V4_IP). */
export const METADATA_ADDRESS = 0xa9fea9fe;

/** 0xFFFFFFFF seconds: RFC 2132 section 9.2's infinite lease. */
export const INFINITE_LEASE = 0xffffffff;

export interface ReplyOptionsInput {
  /** `DhcpMessageType.Offer` or `.Ack` (an answer to INFORM is an ACK with `leaseSeconds` undefined). */
  readonly messageType: number;
  /** Option 54: the agent's address on the subnet. */
  readonly serverId: Ipv4;
  readonly network: NetworkState;
  readonly subnet: SubnetState;
  /** The client's port (Neutron's static mode): its extra_dhcp_opts apply, and its dnsName is the default host name. */
  readonly port?: PortState;
  /** Lease length; -1 or 0xFFFFFFFF for an infinite lease (Neutron's lease_duration -1); undefined for INFORM. */
  readonly leaseSeconds: number | undefined;
  /** Option 12; defaults to `port.dnsName`; "" sends none. */
  readonly hostname?: string;
  /** The client's option 55, in its order (may be empty: see `buildReplyOptions`). */
  readonly requested: readonly number[];
  /** The client's option 82, echoed last (RFC 3046 section 2.2). */
  readonly relayAgentInfo?: readonly RelayAgentSubOption[] | DhcpOption;
  /** The client's option 61, echoed (RFC 6842 section 3). */
  readonly clientIdentifier?: Uint8Array;
  /** DNS server to give when the subnet lists none: the agent's own cache, as Neutron's dnsmasq does. */
  readonly dnsFallback?: Ipv4 | undefined;
  /**
   * The subnet's other DHCP servers (the other agents' DHCP port addresses),
   * given after `dnsFallback` when the subnet lists none: Neutron announces
   * every DHCP port of a subnet as its DNS servers when there is more than one.
   */
  readonly dnsPeers?: readonly Ipv4[] | undefined;
  /** The network's other subnets on the same link: on-link routes (router 0.0.0.0) in option 121, as Neutron adds them. */
  readonly onLinkCidrs?: readonly Ipv4Cidr[];
  /**
   * Where clients reach 169.254.169.254 (Neutron's isolated metadata, agent/src/metadata/): the
   * DHCP port's address on an isolated subnet, the gateway on a routed one; a /32 route in 121/249
   * after the subnet's host routes (one of those for 169.254.169.254/32 wins). Undefined: none.
   */
  readonly metadataRouter?: Ipv4;
  /** The port's extra_dhcp_opts already parsed (with this `serverId`); parsed from `port` when absent. */
  readonly extraOptions?: readonly ExtraOption[];
  /** The client's tags (client-classes.ts): which of the extra options' `tag:` tests hold. None: only untagged and `tag:!` entries apply. */
  readonly tags?: ReadonlySet<string>;
  /** Called for each of the port's extra_dhcp_opts that cannot be parsed; the entry is skipped. */
  readonly onInvalidExtraOpt?: (error: ExtraDhcpOptError) => void;
}

/** A caller passed an impossible input (a message type other than OFFER/ACK, an OFFER without a lease). */
export class ReplyOptionsError extends Error {
  override name = 'ReplyOptionsError';
}

/**
 * What a client that sends no option 55 gets besides the mandatory options.
 * dnsmasq then sends everything it has; this is the set every IPv4 stack uses.
 */
export const DEFAULT_OPTIONS: readonly number[] = [Code.Routers, Code.DomainNameServers, Code.DomainName, Code.InterfaceMtu, Code.BroadcastAddress, Code.ClasslessStaticRoutes];

/** A reply's options and its BOOTP boot fields (siaddr, sname, file). */
export interface ReplyContent {
  readonly options: DhcpOption[];
  readonly boot: BootFields;
}

/**
 * Builds the options and boot fields of a reply, the options in the order clients expect: 53, 54, 51,
 * 58, 59, 1, then the client's option 55 order, then forced options by code,
 * then the echoed 61 and 82 (RFC 3046 section 2.2 puts 82 last).
 *
 * - 51/58/59 for a lease: T1 = lease/2, T2 = lease*7/8 (RFC 2131 section
 *   4.4.5), or the port's T1/T2 if they keep T1 <= T2 <= lease; none for an
 *   infinite lease (as dnsmasq) or for INFORM (RFC 2131 section 4.3.5).
 * - Always 53, 54, 1 (most clients need the mask even unasked; dnsmasq sends
 *   it). Other options only when in option 55, or forced by a port's
 *   "force:" extra_dhcp_opt; a client without option 55 gets
 *   `DEFAULT_OPTIONS` and the port's extra_dhcp_opts.
 * - 3 is the gateway, else a 0.0.0.0/0 host route's nexthop (Neutron). 6 is
 *   the subnet's servers ([0.0.0.0] sends none, Neutron's way to hide DNS;
 *   0.0.0.0 elsewhere is this server), else `dnsFallback` and `dnsPeers`. 15 and 119 the
 *   network's dns domain; 26 its MTU; 28 the broadcast address (not on /31,
 *   /32); 12 the host name.
 * - 121 (and 249 when asked for) when there are routes besides the default:
 *   on-link subnets, then host routes, then the metadata route
 *   (`metadataRouter`), then 0.0.0.0/0 via the router of
 *   option 3, since a client that takes 121 ignores 3 (RFC 3442 section 3).
 *   That default route is added to a port's own 121/249 too if it lacks one.
 * - A port's extra_dhcp_opts replace the computed option of the same code;
 *   an empty value removes it (dnsmasq). Of several entries of one code, the
 *   one whose `tag:` tests hold for `tags` and are the most wins
 *   (tag-match.ts).
 * - 66 and 67 go in the sname and file header fields unless asked for
 *   (boot-fields.ts, dnsmasq's rule); `server-ip-address` sets siaddr.
 *
 * Throws `ReplyOptionsError` for an impossible input. Pure apart from
 * calling `onInvalidExtraOpt` (on every call); a port's parsed extra options
 * are memoized per port object, which changes no result.
 */
export function buildReply(input: ReplyOptionsInput): ReplyContent {
  const { messageType, serverId, network, subnet } = input;
  if (messageType !== DhcpMessageType.Offer && messageType !== DhcpMessageType.Ack) {
    throw new ReplyOptionsError(`message type ${messageType} is not OFFER (2) or ACK (5)`);
  }
  if (messageType === DhcpMessageType.Offer && input.leaseSeconds === undefined) {
    throw new ReplyOptionsError('an OFFER needs a lease time (RFC 2131 table 3)');
  }
  const extras = extraOptionsOf(input);

  const head: DhcpOption[] = [{ code: Code.MessageType, value: messageType }, { code: Code.ServerIdentifier, value: serverId }];
  if (input.leaseSeconds !== undefined) head.push(...leaseOptions(input.leaseSeconds, extras));

  const { values, routes } = computedOptions(input);
  for (const [code, extra] of extras) {
    if (code === Code.RenewalTime || code === Code.RebindingTime || code === SERVER_IP_ADDRESS || isRouteCode(code)) continue;
    if (extra.option === undefined) values.delete(code);
    else values.set(code, extra.option);
  }
  addRoutes(values, routes, extras);
  const boot = takeBootFields(values, extras, input.requested, serverId);

  const mask = values.get(Code.SubnetMask);
  if (mask !== undefined) head.push(mask);

  const body: DhcpOption[] = [];
  const placed = new Set<number>(head.map((o) => o.code));
  const place = (code: number): void => {
    const option = values.get(code);
    if (option === undefined || placed.has(code)) return;
    placed.add(code);
    body.push(option);
  };
  if (input.requested.length > 0) {
    for (const code of input.requested) place(code);
  } else {
    for (const code of DEFAULT_OPTIONS) place(code);
    for (const code of [...extras.keys()].sort((a, b) => a - b)) place(code);
  }
  for (const code of [...extras.keys()].sort((a, b) => a - b)) if (extras.get(code)!.force) place(code);
  // A boot name left as an option (boot-fields.ts) goes even unasked: too long for its header field, it has no other way.
  place(Code.TftpServerName);
  place(Code.BootfileName);

  if (input.clientIdentifier !== undefined) body.push({ code: Code.ClientIdentifier, value: input.clientIdentifier });
  const relay = input.relayAgentInfo;
  if (relay !== undefined) body.push(Array.isArray(relay) ? { code: Code.RelayAgentInformation, value: relay } : (relay as DhcpOption));
  return { options: head.concat(body), boot };
}

interface ParsedExtras {
  readonly serverId: Ipv4;
  readonly options: readonly ExtraOption[];
  /** The selection when no entry has tags (the same for every client), kept so a reply builds no map. */
  readonly untagged: ReadonlyMap<number, ExtraOption> | undefined;
  readonly errors: readonly ExtraDhcpOptError[];
}

// Port states are immutable (an update makes a new object), so a port's parsed
// extra options can be kept for as long as the object lives.
const parsedByPort = new WeakMap<PortState, ParsedExtras>();
const NO_EXTRAS: ReadonlyMap<number, ExtraOption> = new Map();

/** The port's extra options that apply to this client, by code (tag-match.ts). Errors are reported on every call. */
function extraOptionsOf(input: ReplyOptionsInput): ReadonlyMap<number, ExtraOption> {
  if (input.extraOptions !== undefined) return selectExtraOptions(input.extraOptions, input.tags);
  const port = input.port;
  if (port === undefined || port.extraDhcpOpts.length === 0) return NO_EXTRAS;
  let parsed = parsedByPort.get(port);
  if (parsed === undefined || parsed.serverId !== input.serverId) {
    const { options, errors } = parseExtraDhcpOpts(port.extraDhcpOpts, { serverId: input.serverId });
    parsed = { serverId: input.serverId, options, untagged: options.some((o) => o.tags) ? undefined : selectExtraOptions(options), errors };
    parsedByPort.set(port, parsed);
  }
  if (input.onInvalidExtraOpt) for (const error of parsed.errors) input.onInvalidExtraOpt(error);
  return parsed.untagged ?? selectExtraOptions(parsed.options, input.tags);
}

function leaseOptions(leaseSeconds: number, extras: ReadonlyMap<number, ExtraOption>): DhcpOption[] {
  if (!Number.isInteger(leaseSeconds) || leaseSeconds < -1 || leaseSeconds > INFINITE_LEASE) {
    throw new ReplyOptionsError(`lease time ${leaseSeconds} is not -1 (infinite) or an integer in 0..${INFINITE_LEASE}`);
  }
  if (leaseSeconds === -1 || leaseSeconds === INFINITE_LEASE) return [{ code: Code.LeaseTime, value: INFINITE_LEASE }];
  let t1 = Math.floor(leaseSeconds / 2);
  let t2 = Math.floor((leaseSeconds * 7) / 8);
  const setT1 = timeValue(extras.get(Code.RenewalTime));
  const setT2 = timeValue(extras.get(Code.RebindingTime));
  if (setT1 !== undefined || setT2 !== undefined) {
    const a = setT1 ?? t1;
    const b = setT2 ?? t2;
    // RFC 2131 section 4.4.5: the client renews, then rebinds, before the lease ends.
    if (a <= b && b <= leaseSeconds) [t1, t2] = [a, b];
  }
  return [
    { code: Code.LeaseTime, value: leaseSeconds },
    { code: Code.RenewalTime, value: t1 },
    { code: Code.RebindingTime, value: t2 },
  ];
}

function timeValue(extra: ExtraOption | undefined): number | undefined {
  const option = extra?.option;
  return option !== undefined && 'value' in option && typeof option.value === 'number' ? option.value : undefined;
}

/** The options computed from the subnet, network and input, before the port's extra options, and the routes besides the default. */
function computedOptions(input: ReplyOptionsInput): { values: Map<number, DhcpOption>; routes: ClasslessRoute[] } {
  const { subnet, network, serverId } = input;
  const values = new Map<number, DhcpOption>();
  values.set(Code.SubnetMask, { code: Code.SubnetMask, value: prefixToMask(subnet.cidr.prefix) });

  const router = gatewayOf(subnet);
  if (router !== undefined) values.set(Code.Routers, { code: Code.Routers, value: [router] });

  const dns = subnet.dnsNameservers;
  if (dns.length === 1 && dns[0] === 0) {
    // Neutron: dns_nameservers = ["0.0.0.0"] means "announce no DNS server".
  } else if (dns.length > 0) {
    values.set(Code.DomainNameServers, { code: Code.DomainNameServers, value: dns.map((ip) => (ip === 0 ? serverId : ip)) });
  } else if (input.dnsFallback !== undefined) {
    const peers = (input.dnsPeers ?? []).filter((ip) => ip !== input.dnsFallback);
    values.set(Code.DomainNameServers, { code: Code.DomainNameServers, value: [input.dnsFallback, ...peers] });
  }

  const hostname = trimDot(input.hostname ?? input.port?.dnsName ?? '');
  if (hostname !== '') values.set(Code.HostName, { code: Code.HostName, value: latin1(hostname) });

  const domain = trimDot(network.dnsDomain);
  if (domain !== '') {
    values.set(Code.DomainName, { code: Code.DomainName, value: latin1(domain) });
    if (isSearchDomain(domain)) values.set(Code.DomainSearch, { code: Code.DomainSearch, value: [`${domain}.`] });
  }

  if (Number.isInteger(network.mtu) && network.mtu >= 68 && network.mtu <= 0xffff) {
    values.set(Code.InterfaceMtu, { code: Code.InterfaceMtu, value: network.mtu });
  }
  // RFC 3021: a /31 has no broadcast address; a /32 has no other host.
  if (subnet.cidr.prefix <= 30) values.set(Code.BroadcastAddress, { code: Code.BroadcastAddress, value: cidrBroadcast(subnet.cidr) });

  const routes: ClasslessRoute[] = [];
  for (const block of input.onLinkCidrs ?? []) {
    if (block.address !== subnet.cidr.address || block.prefix !== subnet.cidr.prefix) routes.push(routeTo(block, 0));
  }
  for (const hr of subnet.hostRoutes) if (hr.destination.prefix !== 0) routes.push(routeTo(hr.destination, hr.nexthop));
  const metadata = input.metadataRouter;
  if (metadata !== undefined && !routes.some((r) => r.prefix === 32 && r.destination === METADATA_ADDRESS)) {
    routes.push({ destination: METADATA_ADDRESS, prefix: 32, router: metadata });
  }
  return { values, routes };
}

/** The subnet's gateway; without one, the nexthop of a 0.0.0.0/0 host route (Neutron's dnsmasq driver does the same). */
function gatewayOf(subnet: SubnetState): Ipv4 | undefined {
  if (subnet.gatewayIp !== null) return subnet.gatewayIp;
  return subnet.hostRoutes.find((hr) => hr.destination.prefix === 0)?.nexthop;
}

function routeTo(block: Ipv4Cidr, router: Ipv4): ClasslessRoute {
  return { destination: (block.address & prefixToMask(block.prefix)) >>> 0, prefix: block.prefix, router };
}

function isRouteCode(code: number): boolean {
  return code === Code.ClasslessStaticRoutes || code === MS_CLASSLESS_ROUTES;
}

/**
 * Options 121 and 249: the port's own routes, else the subnet's (249 copies
 * 121, as Neutron configures them). Neutron sends them only when there is
 * more than the default route. RFC 3442 section 3: a client that receives
 * 121 ignores 3, so both carry 0.0.0.0/0 through the router option 3 names
 * (the port's own router option included), added when missing. Mutates
 * `values`.
 */
function addRoutes(values: Map<number, DhcpOption>, computed: readonly ClasslessRoute[], extras: ReadonlyMap<number, ExtraOption>): void {
  const routers = values.get(Code.Routers);
  const router = routers !== undefined && 'value' in routers ? (routers.value as readonly Ipv4[])[0] : undefined;
  let inherited: readonly ClasslessRoute[] | undefined = computed.length > 0 ? computed : undefined;
  for (const code of [Code.ClasslessStaticRoutes, MS_CLASSLESS_ROUTES]) {
    const extra = extras.get(code);
    if (extra !== undefined && extra.option === undefined) {
      if (code === Code.ClasslessStaticRoutes) inherited = undefined; // suppressed by an empty value, 249 with it
      continue;
    }
    if (extra?.option !== undefined && extra.routes === undefined) {
      values.set(code, extra.option); // routes not known (built elsewhere): sent as given
      continue;
    }
    const routes = extra?.routes ?? inherited;
    if (routes === undefined) continue;
    if (code === Code.ClasslessStaticRoutes) inherited = routes;
    const full = router === undefined || routes.some((r) => r.prefix === 0) ? routes : [...routes, { destination: 0, prefix: 0, router }];
    values.set(code, code === Code.ClasslessStaticRoutes ? { code, value: full } : { code, raw: encodeClasslessRoutes(full) });
  }
}

function trimDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

const utf8 = new TextEncoder();

/** The codec's text is one character per byte: send non-ASCII names as their UTF-8 bytes. */
function latin1(text: string): string {
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  let s = '';
  for (const b of utf8.encode(text)) s += String.fromCharCode(b);
  return s;
}

const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** True when the codec can write the name in option 119 (RFC 1035 labels, 255 bytes). */
function isSearchDomain(domain: string): boolean {
  return domain.length + 2 <= 255 && domain.split('.').every((label) => LABEL.test(label));
}
