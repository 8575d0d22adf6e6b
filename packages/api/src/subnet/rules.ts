/**
 * The meaning checks of a subnet request: addresses parse, the gateway and
 * the pools lie inside the CIDR, pools do not overlap each other or the
 * gateway, and the subnet does not overlap its network's other subnets.
 * Defaults follow Neutron: the gateway is the first host, the allocation
 * pool is the whole host range minus the gateway. Pure.
 */
import {
  cidrBroadcast,
  cidrContains,
  cidrFirstHost,
  cidrLastHost,
  cidrNetwork,
  cidrOverlaps,
  formatCidr,
  formatIpv4,
  parseCidr,
  rangesOverlap,
  tryParseIpv4,
  type HostRoute,
  type Ipv4,
  type Ipv4Cidr,
  type Ipv4Range,
  type SubnetState,
} from '@leasehold/protocol';
import { ApiError } from '../errors.js';

/** Smallest and largest prefix a DHCP subnet may have. */
export const MIN_PREFIX = 8;
export const MAX_PREFIX = 30;

export function parseSubnetCidr(text: string, field = 'cidr'): Ipv4Cidr {
  let block: Ipv4Cidr;
  try {
    block = parseCidr(text);
  } catch (cause) {
    throw new ApiError('INVALID_CIDR', `${field} ${JSON.stringify(text)} is not a valid IPv4 CIDR: ${(cause as Error).message}`, field, { cause });
  }
  if (block.prefix < MIN_PREFIX || block.prefix > MAX_PREFIX) {
    throw new ApiError('INVALID_CIDR', `${field} ${text}: the prefix must be between /${MIN_PREFIX} and /${MAX_PREFIX}`, field);
  }
  return block;
}

/** Neutron's name of a subnet field in its ip_version check (db_base_plugin_v2's `_validate_ip_version`). */
function neutronFieldName(field: string): string | undefined {
  if (field === 'gateway_ip') return 'gateway_ip';
  if (field.startsWith('dns_nameservers[')) return 'dns_nameserver';
  if (field.endsWith('.nexthop')) return 'nexthop';
  if (field.endsWith('.destination')) return 'destination';
  return undefined;
}

/**
 * Neutron's refusal of an address or prefix of the other IP version in a
 * subnet's gateway, DNS servers or routes ("dns_nameserver '2001:db8::53'
 * does not match the ip_version '4'."), or undefined when `text` does not
 * look like one. Pure.
 */
export function versionMismatch(text: string, field: string, version: 4 | 6): ApiError | undefined {
  const name = neutronFieldName(field);
  const other = version === 4 ? text.includes(':') : /^\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?$/.test(text);
  if (name === undefined || !other) return undefined;
  return new ApiError(name === 'destination' ? 'INVALID_CIDR' : 'INVALID_IP', `${name} '${text}' does not match the ip_version '${version}'.`, field);
}

export function parseIp(text: string, field: string): Ipv4 {
  const ip = tryParseIpv4(text);
  if (ip === undefined) throw versionMismatch(text, field, 4) ?? new ApiError('INVALID_IP', `${field} ${JSON.stringify(text)} is not a valid IPv4 address`, field);
  return ip;
}

function parseRouteCidr(text: string, field: string): Ipv4Cidr {
  try {
    return parseCidr(text);
  } catch (cause) {
    throw versionMismatch(text, field, 4) ?? new ApiError('INVALID_CIDR', `${field} ${JSON.stringify(text)} is not a valid IPv4 CIDR`, field, { cause });
  }
}

/** True when `ip` is a host address of the block (not its network or broadcast address). */
export function isHostOf(block: Ipv4Cidr, ip: Ipv4): boolean {
  return ip >= cidrFirstHost(block) && ip <= cidrLastHost(block);
}

export function resolveGateway(block: Ipv4Cidr, gateway: string | null | undefined): Ipv4 | null {
  if (gateway === null) return null;
  if (gateway === undefined) return cidrFirstHost(block);
  const ip = parseIp(gateway, 'gateway_ip');
  if (!cidrContains(block, ip) || ip === cidrNetwork(block) || ip === cidrBroadcast(block)) {
    throw new ApiError('GATEWAY_OUTSIDE_CIDR', `gateway_ip ${gateway} is not a host address of ${formatCidr(block)}`, 'gateway_ip');
  }
  return ip;
}

export function resolvePools(block: Ipv4Cidr, pools: readonly { start: string; end: string }[], field: string): Ipv4Range[] {
  const out = pools.map((pool, i) => {
    const first = parseIp(pool.start, `${field}[${i}].start`);
    const last = parseIp(pool.end, `${field}[${i}].end`);
    if (first > last) throw new ApiError('VALIDATION_FAILED', `${field}[${i}]: start ${pool.start} is after end ${pool.end}`, `${field}[${i}]`);
    if (!isHostOf(block, first) || !isHostOf(block, last)) {
      throw new ApiError('POOL_OUTSIDE_CIDR', `${field}[${i}] ${pool.start}-${pool.end} is not inside the host addresses of ${formatCidr(block)}`, `${field}[${i}]`);
    }
    return { first, last };
  });
  checkDisjoint(out, field);
  return out;
}

function checkDisjoint(pools: readonly Ipv4Range[], field: string, others: readonly Ipv4Range[] = [], othersField = field): void {
  pools.forEach((a, i) => {
    pools.slice(i + 1).forEach((b, j) => {
      if (rangesOverlap(a, b)) throw new ApiError('POOL_OVERLAP', `${field}[${i}] overlaps ${field}[${i + j + 1}]`, `${field}[${i + j + 1}]`);
    });
    others.forEach((b, j) => {
      if (rangesOverlap(a, b)) throw new ApiError('POOL_OVERLAP', `${field}[${i}] overlaps ${othersField}[${j}]`, `${field}[${i}]`);
    });
  });
}

/** Neutron's default pool: every host address except the gateway. */
export function defaultPools(block: Ipv4Cidr, gateway: Ipv4 | null): Ipv4Range[] {
  const first = cidrFirstHost(block);
  const last = cidrLastHost(block);
  if (gateway === null || gateway < first || gateway > last) return [{ first, last }];
  const out: Ipv4Range[] = [];
  if (gateway > first) out.push({ first, last: gateway - 1 });
  if (gateway < last) out.push({ first: gateway + 1, last });
  return out;
}

export interface SubnetFields {
  readonly gateway_ip?: string | null | undefined;
  readonly allocation_pools?: readonly { start: string; end: string }[] | undefined;
  readonly dynamic_pools?: readonly { start: string; end: string }[] | undefined;
  readonly dns_nameservers?: readonly string[] | undefined;
  readonly host_routes?: readonly { destination: string; nexthop: string }[] | undefined;
}

/**
 * Resolves the address fields of a create (with `current` undefined) or an
 * update (fields absent from the request keep their current value), and
 * checks them together.
 */
export function resolveSubnetAddressing(block: Ipv4Cidr, req: SubnetFields, current?: SubnetState) {
  const gatewayIp = req.gateway_ip === undefined && current ? current.gatewayIp : resolveGateway(block, req.gateway_ip);
  const allocationPools = req.allocation_pools
    ? resolvePools(block, req.allocation_pools, 'allocation_pools')
    : current && req.gateway_ip === undefined
      ? current.allocationPools
      : defaultPools(block, gatewayIp);
  const dynamicPools = req.dynamic_pools ? resolvePools(block, req.dynamic_pools, 'dynamic_pools') : (current?.dynamicPools ?? []);
  try {
    checkDisjoint(dynamicPools, 'dynamic_pools', allocationPools, 'allocation_pools');
  } catch (error) {
    // A default nobody chose collides: say so, and how to choose (issue 21: a bare POOL_OVERLAP left users guessing).
    const defaulted = !req.allocation_pools && !(current && req.gateway_ip === undefined);
    if (!defaulted || !(error instanceof ApiError)) throw error;
    throw new ApiError(
      'POOL_OVERLAP',
      `${error.message}: allocation_pools was not given, so it defaulted to every host address of ${formatCidr(block)} but the gateway (Neutron's default); ` +
        'give allocation_pools outside the dynamic pools (leasehold subnet create --pool START-END)',
      'allocation_pools',
    );
  }
  if (gatewayIp !== null) {
    const inPool = [...allocationPools, ...dynamicPools].findIndex((p) => gatewayIp >= p.first && gatewayIp <= p.last);
    if (inPool >= 0) {
      throw new ApiError('POOL_OVERLAP', `gateway_ip ${formatIpv4(gatewayIp)} is inside a pool of the subnet`, 'gateway_ip');
    }
  }
  const dnsNameservers = req.dns_nameservers
    ? req.dns_nameservers.map((text, i) => parseIp(text, `dns_nameservers[${i}]`))
    : (current?.dnsNameservers ?? []);
  if (new Set(dnsNameservers).size !== dnsNameservers.length) {
    throw new ApiError('VALIDATION_FAILED', 'dns_nameservers lists an address twice', 'dns_nameservers');
  }
  const hostRoutes: readonly HostRoute[] = req.host_routes
    ? req.host_routes.map((route, i) => ({
        destination: parseRouteCidr(route.destination, `host_routes[${i}].destination`),
        nexthop: parseIp(route.nexthop, `host_routes[${i}].nexthop`),
      }))
    : (current?.hostRoutes ?? []);
  return { gatewayIp, allocationPools, dynamicPools, dnsNameservers, hostRoutes };
}

/** SUBNET_OVERLAP when `block` shares an address with another subnet of the network. */
export function checkNoOverlap(block: Ipv4Cidr, others: Iterable<SubnetState>): void {
  for (const other of others) {
    if (cidrOverlaps(block, other.cidr)) {
      throw new ApiError('SUBNET_OVERLAP', `cidr ${formatCidr(block)} overlaps subnet ${other.id} (${formatCidr(other.cidr)}) of the same network`, 'cidr');
    }
  }
}
