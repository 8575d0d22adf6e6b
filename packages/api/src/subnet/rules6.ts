/**
 * The meaning checks of an IPv6 subnet request, Neutron's
 * (db_base_plugin_v2's `_validate_subnet` and `_validate_ipv6_attributes`,
 * ipam's `generate_pools`), with its error texts:
 *
 * - ipv6_address_mode and ipv6_ra_mode are each null, slaac, dhcpv6-stateful
 *   or dhcpv6-stateless; when both are set they must be equal; neither may be
 *   set with enable_dhcp false; a slaac or dhcpv6-stateless subnet (either
 *   mode) must be a /64, since its ports' addresses are EUI-64.
 * - The gateway defaults to the prefix's first address + 1; the default
 *   allocation pool is every address after the prefix's first but the
 *   gateway (IPv6 has no broadcast address, so the last is in the pool).
 * - A DHCP subnet's prefix is at most /126 ("a prefix length that is
 *   incompatible with DHCP service enabled").
 *
 * Neutron answers these as InvalidInput, so they are VALIDATION_FAILED here
 * (INVALID_CIDR is for text that is no CIDR at all). Addresses come in as any
 * RFC 4291 text and are kept as RFC 5952 text. Pure.
 */
import {
  formatIpv6,
  formatIpv6Prefix,
  ipv6PrefixContains,
  ipv6PrefixLast,
  ipv6PrefixesOverlap,
  parseIpv6Prefix,
  tryParseIpv6,
  type Ipv6,
  type Ipv6Mode,
  type Ipv6Prefix,
  type Ipv6TextRange,
  type Subnet6State,
} from '@leasehold/protocol';
import { ApiError } from '../errors.js';
import { versionMismatch, type SubnetFields } from './rules.js';

/** Largest prefix length a DHCP-enabled IPv6 subnet may have (Neutron's). */
export const MAX_DHCP_PREFIX6 = 126;

/** The modes whose ports take their EUI-64 address (Neutron's `is_auto_address_subnet`). */
export function isAutoAddressSubnet(subnet: { readonly ipv6AddressMode: Ipv6Mode | null; readonly ipv6RaMode: Ipv6Mode | null }): boolean {
  const auto = (mode: Ipv6Mode | null) => mode === 'slaac' || mode === 'dhcpv6-stateless';
  return auto(subnet.ipv6AddressMode) || auto(subnet.ipv6RaMode);
}

export function parseSubnet6Cidr(text: string, field = 'cidr'): Ipv6Prefix {
  try {
    const block = parseIpv6Prefix(text);
    // Neutron: "0 is not allowed as CIDR prefix length" (dnsmasq fails on it).
    if (block.prefix === 0) throw new ApiError('VALIDATION_FAILED', '0 is not allowed as CIDR prefix length', field);
    return block;
  } catch (cause) {
    if (cause instanceof ApiError) throw cause;
    throw new ApiError('INVALID_CIDR', `${field} ${JSON.stringify(text)} is not a valid IPv6 CIDR: ${(cause as Error).message}`, field, { cause });
  }
}

export function parseIp6(text: string, field: string): Ipv6 {
  const ip = tryParseIpv6(text);
  if (ip === undefined) throw versionMismatch(text, field, 6) ?? new ApiError('INVALID_IP', `${field} ${JSON.stringify(text)} is not a valid IPv6 address`, field);
  return ip;
}

export interface Ipv6Modes {
  readonly ipv6AddressMode: Ipv6Mode | null;
  readonly ipv6RaMode: Ipv6Mode | null;
}

/** Neutron's checks of the two modes against each other, DHCP and the prefix, with Neutron's texts. */
export function checkIpv6Modes(modes: Ipv6Modes, enableDhcp: boolean, block: Ipv6Prefix): void {
  const { ipv6AddressMode: address, ipv6RaMode: ra } = modes;
  if ((address !== null || ra !== null) && !enableDhcp) {
    throw new ApiError('VALIDATION_FAILED', 'ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False.', ra !== null ? 'ipv6_ra_mode' : 'ipv6_address_mode');
  }
  if (address !== null && ra !== null && address !== ra) {
    throw new ApiError(
      'VALIDATION_FAILED',
      `ipv6_ra_mode set to '${ra}' with ipv6_address_mode set to '${address}' is not valid. If both attributes are set, they must be the same value.`,
      'ipv6_ra_mode',
    );
  }
  if (isAutoAddressSubnet(modes) && block.prefix !== 64) {
    throw new ApiError(
      'VALIDATION_FAILED',
      `Invalid CIDR ${formatIpv6Prefix(block)} for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64.`,
      'cidr',
    );
  }
  if (enableDhcp && block.prefix > MAX_DHCP_PREFIX6) {
    throw new ApiError('VALIDATION_FAILED', 'Subnet has a prefix length that is incompatible with DHCP service enabled.', 'cidr');
  }
}

/** An address of the prefix that is not its first (the subnet-router anycast address, RFC 4291 2.6.1). */
function isHostOf6(block: Ipv6Prefix, ip: Ipv6): boolean {
  return ipv6PrefixContains(block, ip) && ip !== block.address;
}

function resolveGateway6(block: Ipv6Prefix, gateway: string | null | undefined): Ipv6 | null {
  if (gateway === null) return null;
  if (gateway === undefined) return block.address + 1n;
  const ip = parseIp6(gateway, 'gateway_ip');
  if (!isHostOf6(block, ip)) throw new ApiError('GATEWAY_OUTSIDE_CIDR', `gateway_ip ${gateway} is not a host address of ${formatIpv6Prefix(block)}`, 'gateway_ip');
  return ip;
}

interface Range6 {
  readonly first: Ipv6;
  readonly last: Ipv6;
}

function resolvePools6(block: Ipv6Prefix, pools: readonly { start: string; end: string }[]): Range6[] {
  const out = pools.map((pool, i) => {
    const field = `allocation_pools[${i}]`;
    const first = parseIp6(pool.start, `${field}.start`);
    const last = parseIp6(pool.end, `${field}.end`);
    if (first > last) throw new ApiError('VALIDATION_FAILED', `${field}: start ${pool.start} is after end ${pool.end}`, field);
    if (!isHostOf6(block, first) || !isHostOf6(block, last)) {
      throw new ApiError('POOL_OUTSIDE_CIDR', `${field} ${pool.start}-${pool.end} is not inside the host addresses of ${formatIpv6Prefix(block)}`, field);
    }
    return { first, last };
  });
  out.forEach((a, i) =>
    out.slice(i + 1).forEach((b, j) => {
      if (a.first <= b.last && b.first <= a.last) throw new ApiError('POOL_OVERLAP', `allocation_pools[${i}] overlaps allocation_pools[${i + j + 1}]`, `allocation_pools[${i + j + 1}]`);
    }),
  );
  return out;
}

/** Neutron's default pool: every address after the prefix's first, but the gateway. */
export function defaultPools6(block: Ipv6Prefix, gateway: Ipv6 | null): Range6[] {
  const first = block.address + 1n;
  const last = ipv6PrefixLast(block);
  if (first > last) return [];
  if (gateway === null || gateway < first || gateway > last) return [{ first, last }];
  const out: Range6[] = [];
  if (gateway > first) out.push({ first, last: gateway - 1n });
  if (gateway < last) out.push({ first: gateway + 1n, last });
  return out;
}

const textRange = (r: Range6): Ipv6TextRange => ({ first: formatIpv6(r.first), last: formatIpv6(r.last) });

/**
 * The address fields of an IPv6 subnet create (`current` undefined) or
 * update (absent fields keep their value), checked together, as RFC 5952 text.
 * dynamic_pools are an IPv4 (DHCPv4 dynamic range) notion and are refused.
 */
export function resolveSubnet6Addressing(block: Ipv6Prefix, req: SubnetFields, current?: Subnet6State) {
  if (req.dynamic_pools !== undefined && req.dynamic_pools.length > 0) {
    throw new ApiError('VALIDATION_FAILED', 'dynamic_pools are for IPv4 subnets (DHCPv4 dynamic ranges); an IPv6 subnet has none', 'dynamic_pools');
  }
  const gateway = req.gateway_ip === undefined && current ? (current.gatewayIp === null ? null : parseIp6(current.gatewayIp, 'gateway_ip')) : resolveGateway6(block, req.gateway_ip);
  const pools: Range6[] = req.allocation_pools
    ? resolvePools6(block, req.allocation_pools)
    : current && req.gateway_ip === undefined
      ? current.allocationPools.map((p) => ({ first: parseIp6(p.first, 'allocation_pools'), last: parseIp6(p.last, 'allocation_pools') }))
      : defaultPools6(block, gateway);
  if (gateway !== null && pools.some((p) => gateway >= p.first && gateway <= p.last)) {
    throw new ApiError('POOL_OVERLAP', `gateway_ip ${formatIpv6(gateway)} is inside a pool of the subnet`, 'gateway_ip');
  }
  const dnsNameservers = req.dns_nameservers ? req.dns_nameservers.map((text, i) => formatIpv6(parseIp6(text, `dns_nameservers[${i}]`))) : (current?.dnsNameservers ?? []);
  if (new Set(dnsNameservers).size !== dnsNameservers.length) {
    throw new ApiError('VALIDATION_FAILED', 'dns_nameservers lists an address twice', 'dns_nameservers');
  }
  const hostRoutes = req.host_routes
    ? req.host_routes.map((route, i) => {
        const field = `host_routes[${i}]`;
        let destination: Ipv6Prefix;
        try {
          destination = parseIpv6Prefix(route.destination);
        } catch (cause) {
          // Neutron's _validate_host_route: each field must match the subnet's ip_version.
          throw versionMismatch(route.destination, `${field}.destination`, 6) ?? new ApiError('INVALID_CIDR', `${field}.destination ${JSON.stringify(route.destination)} is not a valid IPv6 CIDR`, `${field}.destination`, { cause });
        }
        return { destination: formatIpv6Prefix(destination), nexthop: formatIpv6(parseIp6(route.nexthop, `${field}.nexthop`)) };
      })
    : (current?.hostRoutes ?? []);
  return { gatewayIp: gateway === null ? null : formatIpv6(gateway), allocationPools: pools.map(textRange), dnsNameservers, hostRoutes };
}

/** SUBNET_OVERLAP when `block` shares an address with another IPv6 subnet of the network. */
export function checkNoOverlap6(block: Ipv6Prefix, others: Iterable<Subnet6State>): void {
  for (const other of others) {
    if (ipv6PrefixesOverlap(block, parseIpv6Prefix(other.cidr))) {
      throw new ApiError('SUBNET_OVERLAP', `cidr ${formatIpv6Prefix(block)} overlaps subnet ${other.id} (${other.cidr}) of the same network`, 'cidr');
    }
  }
}
