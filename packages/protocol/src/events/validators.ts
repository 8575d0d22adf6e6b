/**
 * One validator per event type and schema version, for every event a fold
 * reads: what a stored event must be before any projection applies it. The
 * schemas describe exactly the types the writers write (checked at compile
 * time below), bounded where a reader computes from a value (a time must be
 * a date, a lease duration what the API accepts). Beyond its data, an event
 * must sit on the subject of its aggregate kind, and the ids in its data that
 * a fold keys on must be the subject's: a `PortCreated` for port B on port
 * A's subject would otherwise give B the version of A's subject.
 *
 * The registries readers hand to `decodeEvent` are derived from this table,
 * so a type and version is known exactly when it has a validator.
 */
import { formatIpv4 } from '../ipv4/address.js';
import type { AgentEventData, BindingEventData } from './agent.js';
import type { LeaseEventData } from './lease.js';
import type { Lease6EventData } from './lease6.js';
import type { NetworkEventData } from './network.js';
import type { ClaimEventData, PortEventData, SegmentClaim } from './port.js';
import type { Ipv4Cidr } from '../ipv4/cidr.js';
import type { Ipv4Range } from '../ipv4/range.js';
import { MAX_VNI, segmentClaimTokens } from './segment.js';
import { array, boolean, cidr, formatPath, ipv4, ipv6, ipv6Prefix, ipv6Range, literal, nullable, number, object, optional, partial, range, record, refine, string, unknown, type Infer, type Schema } from './schema.js';
import { parseIpv6 } from '../ipv6/address.js';
import { ipv6PrefixContains, parseIpv6Prefix } from '../ipv6/prefix.js';
import type { Ipv6TextRange } from './network.js';
import type { EventEnvelope } from '../envelope.js';
import type { AggregateKind } from '../subjects.js';

/** The largest time a Date can hold (ms either side of the epoch): a reader turns times into dates. */
export const MAX_EVENT_TIME = 8.64e15;

// ---- field schemas ----

/** An id: names a map key or a subject token, so never empty, never huge, never `__proto__`. */
const id = string({ minLength: 1, maxLength: 255, notIn: ['__proto__'] });
const text = string();
const time = number({ min: -MAX_EVENT_TIME, max: MAX_EVENT_TIME });
/** A project id (Neutron's project_id): optional, since events written before quotas have none. */
const projectId = optional(string({ maxLength: 255 }));

/** Neutron's standard attributes (description, tags) and the fields kept for clients only: optional everywhere, as events written before them have none. */
const standardAttributes = { description: string({ maxLength: 255 }), tags: array(string({ minLength: 1, maxLength: 255 }), { maxLength: 64 }) };
const networkExtras = { ...standardAttributes, shared: boolean(), portSecurityEnabled: boolean(), isolatedMetadata: nullable(boolean()) };
const portExtras = {
  ...standardAttributes,
  portSecurityEnabled: boolean(),
  bindingHostId: string({ maxLength: 255 }),
  bindingProfile: record(unknown()),
  allowedAddressPairs: array(object({ ipAddress: string({ minLength: 1, maxLength: 49 }), macAddress: optional(string({ maxLength: 255 })) }), { maxLength: 64 }),
};

const networkFields = {
  name: text,
  adminStateUp: boolean(),
  mtu: number({ integer: true, min: 0, max: 65_535 }),
  dnsDomain: text,
  availabilityZoneHints: array(text),
  physicalNetwork: nullable(text),
};

/** Optional in a created network: events written before segments have neither. Which type takes which id is the API's rule (segment.ts). */
const segmentFields = {
  networkType: nullable(literal('flat', 'vlan', 'vxlan')),
  segmentationId: nullable(number({ integer: true, min: 1, max: MAX_VNI })),
};

const subnetFields = {
  name: text,
  gatewayIp: nullable(ipv4()),
  allocationPools: array(range()),
  dynamicPools: array(range()),
  dnsNameservers: array(ipv4()),
  hostRoutes: array(object({ destination: cidr(), nexthop: ipv4() })),
  enableDhcp: boolean(),
  /** Seconds, -1 for infinite: the bounds of the API's lease_duration, which agents turn into lease times. */
  leaseDuration: number({ integer: true, min: -1, max: 2 ** 31 - 1 }),
};

/** Largest pool an agent serves: a /8 (its lease table keeps a bitset per pool). */
export const MAX_POOL_ADDRESSES = 2 ** 24;

/**
 * What is wrong with a subnet's pools taken together: each at most a /8, no
 * two sharing an address, all inside `block` when given. Pure.
 */
export function poolsProblem(pools: readonly Ipv4Range[], block?: Ipv4Cidr): string | undefined {
  const last = block ? block.address + (block.prefix === 0 ? 2 ** 32 : 2 ** (32 - block.prefix)) - 1 : 0;
  for (let i = 0; i < pools.length; i++) {
    const a = pools[i]!;
    if (a.last - a.first + 1 > MAX_POOL_ADDRESSES) return `pool ${formatIpv4(a.first)}-${formatIpv4(a.last)} is larger than a /8`;
    if (block && (a.first < block.address || a.last > last)) return `pool ${formatIpv4(a.first)}-${formatIpv4(a.last)} is outside ${formatIpv4(block.address)}/${block.prefix}`;
    for (let j = i + 1; j < pools.length; j++) {
      const b = pools[j]!;
      if (a.first <= b.last && b.first <= a.last) return `pools ${formatIpv4(a.first)}-${formatIpv4(a.last)} and ${formatIpv4(b.first)}-${formatIpv4(b.last)} overlap`;
    }
  }
  return undefined;
}

const subnetState = refine(object({ id, networkId: id, cidr: cidr(), ...subnetFields, ...partial(standardAttributes) }), 'pools inside the CIDR, disjoint, each at most a /8', (s) =>
  poolsProblem([...s.allocationPools, ...s.dynamicPools], s.cidr),
);
const subnetChanges = refine(object(partial({ ...subnetFields, ...standardAttributes }), { strict: true }), 'pools disjoint, each at most a /8', (c) =>
  poolsProblem([...(c.allocationPools ?? []), ...(c.dynamicPools ?? [])]),
);

const ipv6Mode = nullable(literal('slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'));

const subnet6Fields = {
  name: text,
  gatewayIp: nullable(ipv6()),
  allocationPools: array(ipv6Range()),
  dnsNameservers: array(ipv6()),
  hostRoutes: array(object({ destination: ipv6Prefix(), nexthop: ipv6() })),
  enableDhcp: boolean(),
  leaseDuration: number({ integer: true, min: -1, max: 2 ** 31 - 1 }),
};

/**
 * What is wrong with an IPv6 subnet's pools taken together: no two sharing
 * an address, all inside `prefix` (its text) when given. No size bound: a /64
 * pool is the normal case, and IPAM scans it from a cursor. Pure.
 */
export function pools6Problem(pools: readonly Ipv6TextRange[], prefix?: string): string | undefined {
  const block = prefix === undefined ? undefined : parseIpv6Prefix(prefix);
  const ranges = pools.map((p) => ({ text: `${p.first}-${p.last}`, first: parseIpv6(p.first), last: parseIpv6(p.last) }));
  for (let i = 0; i < ranges.length; i++) {
    const a = ranges[i]!;
    if (block && !(ipv6PrefixContains(block, a.first) && ipv6PrefixContains(block, a.last))) return `pool ${a.text} is outside ${prefix}`;
    for (let j = i + 1; j < ranges.length; j++) {
      const b = ranges[j]!;
      if (a.first <= b.last && b.first <= a.last) return `pools ${a.text} and ${b.text} overlap`;
    }
  }
  return undefined;
}

const subnet6State = refine(
  object({ id, networkId: id, cidr: ipv6Prefix(), ...subnet6Fields, ...partial(standardAttributes), ipv6AddressMode: ipv6Mode, ipv6RaMode: ipv6Mode }),
  'pools inside the prefix and disjoint',
  (s) => pools6Problem(s.allocationPools, s.cidr),
);
const subnet6Changes = refine(object(partial({ ...subnet6Fields, ...standardAttributes }), { strict: true }), 'pools disjoint', (c) => pools6Problem(c.allocationPools ?? []));

const fixedIps6 = array(object({ subnetId: id, ipAddress: ipv6() }));
const extraDhcpOpts6 = array(object({ optName: text, optValue: text }));

const portFields = {
  name: text,
  macAddress: string({ maxLength: 255 }),
  fixedIps: array(object({ subnetId: id, ipAddress: ipv4() })),
  dnsName: text,
  extraDhcpOpts: array(object({ optName: text, optValue: text })),
  deviceOwner: text,
  deviceId: text,
  adminStateUp: boolean(),
};

const ipClaim = object({ networkId: id, subnetId: id, ip: ipv4(), portId: id });
const ip6Claim = object({ networkId: id, subnetId: id, ip: ipv6(), portId: id });
const macClaim = object({ networkId: id, mac: string({ minLength: 1, maxLength: 255 }), portId: id });
const segmentClaim = object({ networkId: id, networkType: literal('flat', 'vlan', 'vxlan'), physicalNetwork: nullable(text), segmentationId: nullable(number({ integer: true, min: 1, max: MAX_VNI })) });

const client = { mac: string({ maxLength: 255 }), clientId: optional(string({ maxLength: 1024 })) };
const leaseTimes = { expiresAt: time, renewAt: time, rebindAt: time };
/** An IPv6 lease's holder: DUID as hex (RFC 8415 11.1: at most 130 bytes), IAID, the MAC when known. */
const holder6 = { duid: string({ minLength: 2, maxLength: 260 }), iaid: number({ integer: true, min: 0, max: 0xffff_ffff }), mac: optional(string({ maxLength: 255 })) };
/** A bind's or renewal's cause and name (optional: written later than v1's first events). The host name is one DNS label (RFC 1123). */
const cause6 = {
  message: optional(literal('solicit', 'request', 'renew', 'rebind')),
  source: optional(literal('current', 'fixed', 'requested', 'pool')),
  hostname: optional(string({ minLength: 1, maxLength: 63 })),
};

const bindingReason = literal('new-network', 'auto-schedule', 'failover', 'rebalance', 'manual');
const unbindingReason = literal('agent-down', 'agent-deleted', 'network-deleted', 'rebalance', 'manual', 'dhcp-disabled', 'unreachable');

// ---- the schemas, one per type and version ----

const schemas = {
  NetworkCreated: { 1: object({ network: object({ id, ...networkFields, ...partial(segmentFields), projectId, ...partial(networkExtras) }) }) },
  NetworkUpdated: { 1: object({ changes: object(partial({ ...networkFields, ...segmentFields, ...networkExtras }), { strict: true }) }) },
  NetworkDeleted: { 1: object({}) },
  SubnetCreated: { 1: object({ subnet: subnetState }) },
  SubnetUpdated: { 1: object({ subnetId: id, changes: subnetChanges }) },
  SubnetDeleted: { 1: object({ subnetId: id }) },
  Subnet6Created: { 1: object({ subnet: subnet6State }) },
  Subnet6Updated: { 1: object({ subnetId: id, changes: subnet6Changes }) },
  PortCreated: { 1: object({ port: object({ id, networkId: id, ...portFields, fixedIps6: optional(fixedIps6), extraDhcpOpts6: optional(extraDhcpOpts6), projectId, ...partial(portExtras) }) }) },
  PortUpdated: { 1: object({ changes: object(partial({ ...portFields, fixedIps6, extraDhcpOpts6, ...portExtras }), { strict: true }) }) },
  PortDeleted: { 1: object({ networkId: id }) },
  IpAllocated: { 1: ipClaim },
  IpReleased: { 1: ipClaim },
  Ip6Allocated: { 1: ip6Claim },
  Ip6Released: { 1: ip6Claim },
  MacClaimed: { 1: macClaim },
  MacReleased: { 1: macClaim },
  SegmentClaimed: { 1: segmentClaim },
  SegmentReleased: { 1: segmentClaim },
  AgentHeartbeat: {
    1: object({
      agentId: id,
      host: text,
      availabilityZone: text,
      networks: array(id),
      load: number({ min: 0 }),
      interfaceMappings: record(text),
      relayInterfaces: optional(array(text)),
      reportIntervalMs: number({ min: 0 }),
      version: text,
    }),
  },
  AgentAdminStateChanged: { 1: object({ agentId: id, adminStateUp: boolean() }) },
  AgentDeleted: { 1: object({ agentId: id }) },
  NetworkScheduled: { 1: object({ networkId: id, agentId: id, reason: bindingReason, strategy: optional(text), inputs: optional(unknown()) }) },
  NetworkUnscheduled: { 1: object({ networkId: id, agentId: id, reason: unbindingReason, inputs: optional(unknown()) }) },
  LeaseBound: { 1: object({ ip: ipv4(), ...client, hostname: optional(text), ...leaseTimes }) },
  LeaseRenewed: { 1: object({ ip: ipv4(), ...client, hostname: optional(text), ...leaseTimes }) },
  LeaseReleased: { 1: object({ ip: ipv4(), ...client }) },
  LeaseDeclined: { 1: object({ ip: ipv4(), ...client, quarantineUntil: time, message: optional(text) }) },
  LeaseExpired: { 1: object({ ip: ipv4(), expiresAt: time }) },
  Lease6Bound: { 1: object({ ip: ipv6(), ...holder6, ...cause6, expiresAt: time }) },
  Lease6Renewed: { 1: object({ ip: ipv6(), ...holder6, ...cause6, expiresAt: time }) },
  Lease6Released: { 1: object({ ip: ipv6(), ...holder6 }) },
  Lease6Declined: { 1: object({ ip: ipv6(), ...holder6 }) },
  Lease6Expired: { 1: object({ ip: ipv6(), expiresAt: time }) },
} as const;

/** Every event type a fold reads, with the data of each (the writers' types). */
export type EventDataByType = NetworkEventData & PortEventData & ClaimEventData & AgentEventData & BindingEventData & LeaseEventData & Lease6EventData;
export type KnownEventType = keyof EventDataByType;

// Compile-time proof that each schema accepts exactly what its writers write: a field added to
// a writer's type and not here (or the reverse) fails the typecheck.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Described = { [K in KnownEventType]: Same<Infer<(typeof schemas)[K][1]>, EventDataByType[K]> };
const described: Described = {
  NetworkCreated: true,
  NetworkUpdated: true,
  NetworkDeleted: true,
  SubnetCreated: true,
  SubnetUpdated: true,
  SubnetDeleted: true,
  Subnet6Created: true,
  Subnet6Updated: true,
  PortCreated: true,
  PortUpdated: true,
  PortDeleted: true,
  IpAllocated: true,
  IpReleased: true,
  Ip6Allocated: true,
  Ip6Released: true,
  MacClaimed: true,
  MacReleased: true,
  SegmentClaimed: true,
  SegmentReleased: true,
  AgentHeartbeat: true,
  AgentAdminStateChanged: true,
  AgentDeleted: true,
  NetworkScheduled: true,
  NetworkUnscheduled: true,
  LeaseBound: true,
  LeaseRenewed: true,
  LeaseReleased: true,
  LeaseDeclined: true,
  LeaseExpired: true,
  Lease6Bound: true,
  Lease6Renewed: true,
  Lease6Released: true,
  Lease6Declined: true,
  Lease6Expired: true,
};
void described;

// ---- where each type lives, and which of its ids the subject names ----

/**
 * The id tokens of a subject, as positions in it (no string is cut on the
 * hot path): token i spans `starts[i]` up to `ends[i]`.
 */
interface Tokens {
  subject: string;
  readonly starts: number[];
  readonly ends: number[];
}
type Identity = (ids: Tokens, data: Record<string, unknown>) => string | undefined;

interface Home {
  readonly kind: AggregateKind;
  /** Tokens after the kind: one id, or two (network, address or MAC). */
  readonly ids: 1 | 2;
  readonly identity?: Identity;
}

function tokenText(ids: Tokens, index: number): string {
  return ids.subject.slice(ids.starts[index], ids.ends[index]);
}

/** True when token `index` is the subject token of `value` (`subjectToken`: dots become dashes). */
function tokenIs(ids: Tokens, index: number, value: string): boolean {
  const start = ids.starts[index]!;
  if (ids.ends[index]! - start !== value.length) return false;
  if (ids.subject.startsWith(value, start)) return true;
  return value.includes('.') && ids.subject.startsWith(value.replaceAll('.', '-'), start);
}

function same(field: string, ids: Tokens, index: number, value: string): string | undefined {
  return tokenIs(ids, index, value) ? undefined : `${field} ${JSON.stringify(value)} is not the subject's (${tokenText(ids, index)})`;
}

/** True when token `index` is `ip` with dashes ("198-18-0-10"), read digit by digit. */
function tokenIsIp(ids: Tokens, index: number, ip: number): boolean {
  const { subject } = ids;
  const end = ids.ends[index]!;
  let i = ids.starts[index]!;
  for (let octet = 3; octet >= 0; octet--) {
    let value = 0;
    let digits = 0;
    for (; i < end; i++) {
      const c = subject.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      value = value * 10 + c;
      digits++;
    }
    if (digits === 0 || digits > 3 || value !== ((ip >>> (octet * 8)) & 0xff)) return false;
    if (octet > 0) {
      if (subject.charCodeAt(i) !== 45) return false; // '-'
      i++;
    }
  }
  return i === end;
}

const networkId0: Identity = (ids, d) => same('data.networkId', ids, 0, d.networkId as string);
const agentId0: Identity = (ids, d) => same('data.agentId', ids, 0, d.agentId as string);
const leaseIp: Identity = (ids, d) => (tokenIsIp(ids, 1, d.ip as number) ? undefined : `data.ip ${formatIpv4(d.ip as number)} is not the subject's address (${tokenText(ids, 1)})`);
const ipClaimIds: Identity = (ids, d) => networkId0(ids, d) ?? leaseIp(ids, d);
/** An IPv6 claim's subject token is its address's RFC 5952 text, as is its data (the schema holds it to that spelling). */
const ip6ClaimIds: Identity = (ids, d) => networkId0(ids, d) ?? same('data.ip', ids, 1, d.ip as string);
/** An IPv6 lease's subject token is its address's RFC 5952 text, as the IPv6 claims'. */
const lease6Ip: Identity = (ids, d) => same('data.ip', ids, 1, d.ip as string);
const macClaimIds: Identity = (ids, d) => networkId0(ids, d) ?? same('data.mac', ids, 1, d.mac as string);
/** A segment claim's subject names its segment, not its network (segment.ts). */
const segmentClaimIds: Identity = (ids, d) => {
  const [scope, segment] = segmentClaimTokens(d as unknown as SegmentClaim);
  return same('data (its segment)', ids, 0, scope) ?? same('data (its segment)', ids, 1, segment);
};

const network: Home = { kind: 'network', ids: 1 };
const homes: Readonly<Record<KnownEventType, Home>> = {
  NetworkCreated: { ...network, identity: (ids, d) => same('data.network.id', ids, 0, (d.network as { id: string }).id) },
  NetworkUpdated: network,
  NetworkDeleted: network,
  SubnetCreated: { ...network, identity: (ids, d) => same('data.subnet.networkId', ids, 0, (d.subnet as { networkId: string }).networkId) },
  SubnetUpdated: network,
  SubnetDeleted: network,
  Subnet6Created: { ...network, identity: (ids, d) => same('data.subnet.networkId', ids, 0, (d.subnet as { networkId: string }).networkId) },
  Subnet6Updated: network,
  PortCreated: { kind: 'port', ids: 1, identity: (ids, d) => same('data.port.id', ids, 0, (d.port as { id: string }).id) },
  PortUpdated: { kind: 'port', ids: 1 },
  PortDeleted: { kind: 'port', ids: 1 },
  IpAllocated: { kind: 'ipam', ids: 2, identity: ipClaimIds },
  IpReleased: { kind: 'ipam', ids: 2, identity: ipClaimIds },
  Ip6Allocated: { kind: 'ipam', ids: 2, identity: ip6ClaimIds },
  Ip6Released: { kind: 'ipam', ids: 2, identity: ip6ClaimIds },
  MacClaimed: { kind: 'mac', ids: 2, identity: macClaimIds },
  MacReleased: { kind: 'mac', ids: 2, identity: macClaimIds },
  SegmentClaimed: { kind: 'segment', ids: 2, identity: segmentClaimIds },
  SegmentReleased: { kind: 'segment', ids: 2, identity: segmentClaimIds },
  AgentHeartbeat: { kind: 'agent', ids: 1, identity: agentId0 },
  AgentAdminStateChanged: { kind: 'agent', ids: 1, identity: agentId0 },
  AgentDeleted: { kind: 'agent', ids: 1, identity: agentId0 },
  NetworkScheduled: { kind: 'binding', ids: 1, identity: networkId0 },
  NetworkUnscheduled: { kind: 'binding', ids: 1, identity: networkId0 },
  LeaseBound: { kind: 'lease', ids: 2, identity: leaseIp },
  LeaseRenewed: { kind: 'lease', ids: 2, identity: leaseIp },
  LeaseReleased: { kind: 'lease', ids: 2, identity: leaseIp },
  LeaseDeclined: { kind: 'lease', ids: 2, identity: leaseIp },
  LeaseExpired: { kind: 'lease', ids: 2, identity: leaseIp },
  Lease6Bound: { kind: 'lease6', ids: 2, identity: lease6Ip },
  Lease6Renewed: { kind: 'lease6', ids: 2, identity: lease6Ip },
  Lease6Released: { kind: 'lease6', ids: 2, identity: lease6Ip },
  Lease6Declined: { kind: 'lease6', ids: 2, identity: lease6Ip },
  Lease6Expired: { kind: 'lease6', ids: 2, identity: lease6Ip },
};

const PREFIX = 'lh.evt.';

/**
 * One Tokens, reused by every call: the check is synchronous and never
 * re-entered, and the hot path then allocates nothing for a subject.
 */
const scratch: Tokens = { subject: '', starts: [0, 0], ends: [0, 0] };

/** The id tokens of `subject` when it is `lh.evt.<kind>.<id>` (or `.<id>.<id>` for two), else undefined. */
function idTokensOf(subject: string, kind: string, count: 1 | 2): Tokens | undefined {
  if (!subject.startsWith(PREFIX) || !subject.startsWith(kind, PREFIX.length) || subject.charCodeAt(PREFIX.length + kind.length) !== 46) return undefined;
  const first = PREFIX.length + kind.length + 1;
  const dot = subject.indexOf('.', first);
  scratch.subject = subject;
  scratch.starts[0] = first;
  if (count === 1) {
    if (dot >= 0 || first >= subject.length) return undefined;
    scratch.ends[0] = subject.length;
    return scratch;
  }
  if (dot <= first || dot + 1 >= subject.length || subject.indexOf('.', dot + 1) >= 0) return undefined;
  scratch.ends[0] = dot;
  scratch.starts[1] = dot + 1;
  scratch.ends[1] = subject.length;
  return scratch;
}

/** The aggregate kinds whose subjects hold only the events of this table. */
const OWNED_KINDS: ReadonlySet<string> = new Set(Object.values(homes).map((h) => h.kind));

/** The data schema of each known type, by version. */
export const eventSchemas: { readonly [K in KnownEventType]: Readonly<Record<number, Schema<EventDataByType[K]>>> } = schemas;

/** Versions this build reads, by type (the registries are made from it). */
export const eventVersions: ReadonlyMap<string, readonly number[]> = new Map(
  Object.entries(schemas).map(([type, byVersion]) => [type, Object.keys(byVersion).map(Number)]),
);

/** True for the event types of this table. Pure. */
export function isKnownEventType(type: string): type is KnownEventType {
  return Object.hasOwn(homes, type);
}

/**
 * What is wrong with the data of a `type` event at schema version `v`, or
 * undefined when it is valid. Unknown types and versions are wrong. Pure;
 * allocates nothing when the data is valid.
 */
export function checkEventData(type: string, v: number, data: unknown): string | undefined {
  if (!isKnownEventType(type)) return `unknown event type ${JSON.stringify(type)}`;
  const schema = (eventSchemas[type] as Readonly<Record<number, Schema<unknown>>>)[v];
  if (!schema) return `${type} v${v} is not a schema version this build reads (${eventVersions.get(type)!.join(', ')})`;
  const p = schema.check(data);
  return p ? `${type} v${v}: ${formatPath('data', p.path)}: ${p.message}` : undefined;
}

/**
 * What keeps a stored event out of the folds, or undefined when every fold
 * may apply it: a type of this table must be at a version it reads, with
 * valid data and a valid time, on the subject of its aggregate whose ids its
 * data repeat; any other type is refused on the subjects of this table's
 * aggregates and left to its readers elsewhere (a test's subjects, a newer
 * build's kinds). The envelope itself was checked by `decodeEvent`. Pure;
 * allocates nothing for a valid event but the positions of the subject's ids.
 */
export function checkStoredEvent(subject: string, event: EventEnvelope): string | undefined {
  const { type } = event;
  if (!isKnownEventType(type)) {
    const kind = subject.startsWith(PREFIX) ? subject.slice(PREFIX.length, (subject.indexOf('.', PREFIX.length) + 1 || subject.length + 1) - 1) : undefined;
    return kind !== undefined && OWNED_KINDS.has(kind) ? `unknown event type ${JSON.stringify(type)} on a ${kind} subject` : undefined;
  }
  const home = homes[type];
  const ids = idTokensOf(subject, home.kind, home.ids);
  if (!ids) return `${type} belongs on lh.evt.${home.kind}.${home.ids === 1 ? '<id>' : '<network>.<id>'}, not on ${subject}`;
  if (!(Math.abs(event.at) <= MAX_EVENT_TIME)) return `at ${event.at} is not a time`;
  const problem = checkEventData(type, event.v, event.data);
  if (problem !== undefined) return problem;
  return home.identity?.(ids, event.data as Record<string, unknown>);
}
