/**
 * The field schemas the event validators (validators.ts) are built from: ids,
 * times, Neutron's network, subnet and port fields, IPv4 and IPv6 pool checks,
 * claims, lease clients and holders, binding reasons. Bounded where a reader
 * computes from a value (a time must be a date, a lease duration what the API
 * accepts).
 */
import { formatIpv4 } from '../ipv4/address.js';
import type { Ipv4Cidr } from '../ipv4/cidr.js';
import type { Ipv4Range } from '../ipv4/range.js';
import { parseIpv6 } from '../ipv6/address.js';
import { ipv6PrefixContains, parseIpv6Prefix } from '../ipv6/prefix.js';
import type { Ipv6TextRange } from './network.js';
import { MAX_VNI } from './segment.js';
import { array, boolean, cidr, ipv4, ipv6, ipv6Prefix, ipv6Range, literal, nullable, number, object, optional, partial, range, record, refine, string, unknown } from './schema.js';

/** The largest time a Date can hold (ms either side of the epoch): a reader turns times into dates. */
export const MAX_EVENT_TIME = 8.64e15;

// ---- field schemas ----

/** An id: names a map key or a subject token, so never empty, never huge, never `__proto__`. */
export const id = string({ minLength: 1, maxLength: 255, notIn: ['__proto__'] });
export const text = string();
export const time = number({ min: -MAX_EVENT_TIME, max: MAX_EVENT_TIME });
/** A project id (Neutron's project_id): optional, since events written before quotas have none. */
export const projectId = optional(string({ maxLength: 255 }));

/** Neutron's standard attributes (description, tags) and the fields kept for clients only: optional everywhere, as events written before them have none. */
const standardAttributes = { description: string({ maxLength: 255 }), tags: array(string({ minLength: 1, maxLength: 255 }), { maxLength: 64 }) };
export const networkExtras = { ...standardAttributes, shared: boolean(), portSecurityEnabled: boolean(), isolatedMetadata: nullable(boolean()) };
export const portExtras = {
  ...standardAttributes,
  portSecurityEnabled: boolean(),
  bindingHostId: string({ maxLength: 255 }),
  bindingProfile: record(unknown()),
  allowedAddressPairs: array(object({ ipAddress: string({ minLength: 1, maxLength: 49 }), macAddress: optional(string({ maxLength: 255 })) }), { maxLength: 64 }),
};

export const networkFields = {
  name: text,
  adminStateUp: boolean(),
  mtu: number({ integer: true, min: 0, max: 65_535 }),
  dnsDomain: text,
  availabilityZoneHints: array(text),
  physicalNetwork: nullable(text),
};

/** Optional in a created network: events written before segments have neither. Which type takes which id is the API's rule (segment.ts). */
export const segmentFields = {
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

export const subnetState = refine(object({ id, networkId: id, cidr: cidr(), ...subnetFields, ...partial(standardAttributes) }), 'pools inside the CIDR, disjoint, each at most a /8', (s) =>
  poolsProblem([...s.allocationPools, ...s.dynamicPools], s.cidr),
);
export const subnetChanges = refine(object(partial({ ...subnetFields, ...standardAttributes }), { strict: true }), 'pools disjoint, each at most a /8', (c) =>
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

export const subnet6State = refine(
  object({ id, networkId: id, cidr: ipv6Prefix(), ...subnet6Fields, ...partial(standardAttributes), ipv6AddressMode: ipv6Mode, ipv6RaMode: ipv6Mode }),
  'pools inside the prefix and disjoint',
  (s) => pools6Problem(s.allocationPools, s.cidr),
);
export const subnet6Changes = refine(object(partial({ ...subnet6Fields, ...standardAttributes }), { strict: true }), 'pools disjoint', (c) => pools6Problem(c.allocationPools ?? []));

export const fixedIps6 = array(object({ subnetId: id, ipAddress: ipv6() }));
export const extraDhcpOpts6 = array(object({ optName: text, optValue: text }));

export const portFields = {
  name: text,
  macAddress: string({ maxLength: 255 }),
  fixedIps: array(object({ subnetId: id, ipAddress: ipv4() })),
  dnsName: text,
  extraDhcpOpts: array(object({ optName: text, optValue: text })),
  deviceOwner: text,
  deviceId: text,
  adminStateUp: boolean(),
};

export const ipClaim = object({ networkId: id, subnetId: id, ip: ipv4(), portId: id });
export const ip6Claim = object({ networkId: id, subnetId: id, ip: ipv6(), portId: id });
export const macClaim = object({ networkId: id, mac: string({ minLength: 1, maxLength: 255 }), portId: id });
export const segmentClaim = object({ networkId: id, networkType: literal('flat', 'vlan', 'vxlan'), physicalNetwork: nullable(text), segmentationId: nullable(number({ integer: true, min: 1, max: MAX_VNI })) });

export const client = { mac: string({ maxLength: 255 }), clientId: optional(string({ maxLength: 1024 })) };
export const leaseTimes = { expiresAt: time, renewAt: time, rebindAt: time };
/** An IPv6 lease's holder: DUID as hex (RFC 8415 11.1: at most 130 bytes), IAID, the MAC when known. */
export const holder6 = { duid: string({ minLength: 2, maxLength: 260 }), iaid: number({ integer: true, min: 0, max: 0xffff_ffff }), mac: optional(string({ maxLength: 255 })) };
/** A bind's or renewal's cause and name (optional: written later than v1's first events). The host name is one DNS label (RFC 1123). */
export const cause6 = {
  message: optional(literal('solicit', 'request', 'renew', 'rebind')),
  source: optional(literal('current', 'fixed', 'requested', 'pool')),
  hostname: optional(string({ minLength: 1, maxLength: 63 })),
};

export const bindingReason = literal('new-network', 'auto-schedule', 'failover', 'rebalance', 'manual');
export const unbindingReason = literal('agent-down', 'agent-deleted', 'network-deleted', 'rebalance', 'manual', 'dhcp-disabled', 'unreachable');
