/**
 * The IPv6 half of a port request's fixed_ips, as Neutron reads it
 * (ipam_backend_mixin's `_classify_subnets`, `_test_fixed_ips_for_port`,
 * `_get_auto_address_ips`):
 *
 * - A slaac or dhcpv6-stateless subnet ("auto-address") gives every port of
 *   the network its EUI-64 address, listed or not: the host takes it by
 *   SLAAC whatever IPAM says, so it is never claimed from a pool, and an
 *   explicit ip_address on such a subnet is refused.
 * - Any other IPv6 subnet (dhcpv6-stateful, or no mode) gives pool addresses
 *   as an IPv4 subnet does, claimed on `lh.evt.ipam.<network>.<address>`;
 *   with fixed_ips absent, one from the first such subnet with pools.
 *
 * Pure.
 */
import { eui64Address, formatIpv6, ipv6PrefixContains, parseIpv6Prefix, type FixedIp6, type Ipv6, type Subnet6State } from '@leasehold/protocol';
import { subnet6In, subnetIn, type NetworkSnapshot } from '@leasehold/resources';
import { ApiError, notFound } from '../errors.js';
import { isAutoAddressSubnet, parseIp6 } from '../subnet/rules6.js';

/** One pool address a port should hold on a stateful IPv6 subnet: a given one, or any free one. */
export interface AddressRequest6 {
  readonly subnet: Subnet6State;
  /** RFC 5952 text, or undefined for any free pool address. */
  readonly ip: string | undefined;
  readonly field: string;
}

/** The network's auto-address subnets, whose EUI-64 addresses every port gets. */
export function autoAddressSubnets(network: NetworkSnapshot): Subnet6State[] {
  return Object.values(network.context.subnets6).filter(isAutoAddressSubnet);
}

/** The EUI-64 fixed IPs of a port with `mac` on the network's auto-address subnets. Pure. */
export function autoAddresses(network: NetworkSnapshot, mac: string): FixedIp6[] {
  return autoAddressSubnets(network).map((s) => ({ subnetId: s.id, ipAddress: formatIpv6(eui64Address(parseIpv6Prefix(s.cidr), mac)) }));
}

/** True when the entry names an IPv6 subnet or address (the rest is the IPv4 half's). */
export function isIpv6Entry(network: NetworkSnapshot, entry: { subnet_id?: string | undefined; ip_address?: string | undefined }): boolean {
  if (entry.ip_address !== undefined) return entry.ip_address.includes(':');
  return entry.subnet_id !== undefined && subnet6In(network.context, entry.subnet_id) !== undefined;
}

/**
 * The stateful IPv6 addresses `fixedIps` asks for (its entries `isIpv6Entry`
 * calls IPv6; fields.ts's `resolveAddressRequests` reads the others).
 * Absent `fixedIps`: one from the first stateful subnet with pools.
 */
export function resolveAddressRequests6(
  network: NetworkSnapshot,
  fixedIps: readonly { subnet_id?: string | undefined; ip_address?: string | undefined }[] | undefined,
): AddressRequest6[] {
  const stateful = Object.values(network.context.subnets6).filter((s) => !isAutoAddressSubnet(s));
  if (fixedIps === undefined) {
    const first = stateful.find((s) => s.allocationPools.length > 0);
    return first ? [{ subnet: first, ip: undefined, field: 'fixed_ips' }] : [];
  }
  const out: AddressRequest6[] = [];
  fixedIps.forEach((entry, n) => {
    if (!isIpv6Entry(network, entry)) return;
    const field = `fixed_ips[${n}]`;
    const ip = entry.ip_address === undefined ? undefined : parseIp6(entry.ip_address, `${field}.ip_address`);
    let subnet: Subnet6State | undefined;
    if (entry.subnet_id !== undefined) {
      subnet = subnet6In(network.context, entry.subnet_id);
      if (!subnet) {
        if (subnetIn(network.context, entry.subnet_id)) {
          throw new ApiError('INVALID_IP', `${field}.ip_address ${entry.ip_address} is not a host address of subnet ${entry.subnet_id} (an IPv4 subnet)`, `${field}.ip_address`);
        }
        throw notFound('subnet', entry.subnet_id, `${field}.subnet_id`);
      }
    } else {
      subnet = Object.values(network.context.subnets6).find((s) => ipv6PrefixContains(parseIpv6Prefix(s.cidr), ip!));
      if (!subnet) throw new ApiError('IP_OUTSIDE_SUBNETS', `${field}.ip_address ${entry.ip_address} is in none of the network's subnets`, `${field}.ip_address`);
    }
    if (isAutoAddressSubnet(subnet)) {
      if (ip === undefined) return; // its EUI-64 address comes with every port
      throw new ApiError(
        'INVALID_IP',
        `IPv6 address ${entry.ip_address} cannot be directly assigned to a port on subnet ${subnet.id} as the subnet is configured for automatic addresses`,
        `${field}.ip_address`,
      );
    }
    if (ip !== undefined) checkPortAddress6(subnet, ip, `${field}.ip_address`);
    out.push({ subnet, ip: ip === undefined ? undefined : formatIpv6(ip), field });
  });
  const seen = new Set<string>();
  for (const r of out) {
    if (r.ip === undefined) continue;
    if (seen.has(r.ip)) throw new ApiError('VALIDATION_FAILED', `${r.field}.ip_address ${r.ip} is listed twice`, `${r.field}.ip_address`);
    seen.add(r.ip);
  }
  return out;
}

/** An address a port may hold on a stateful IPv6 subnet: inside it, not its first (anycast) address, not its gateway. */
function checkPortAddress6(subnet: Subnet6State, ip: Ipv6, field: string): void {
  const block = parseIpv6Prefix(subnet.cidr);
  if (!ipv6PrefixContains(block, ip) || ip === block.address) {
    throw new ApiError('INVALID_IP', `${field} ${formatIpv6(ip)} is not a host address of subnet ${subnet.id} (${subnet.cidr})`, field);
  }
  if (subnet.gatewayIp !== null && formatIpv6(ip) === subnet.gatewayIp) {
    throw new ApiError('IP_ALREADY_ALLOCATED', `${field} ${formatIpv6(ip)} is the gateway of subnet ${subnet.id}`, field);
  }
}
