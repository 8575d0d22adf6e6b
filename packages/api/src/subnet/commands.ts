/**
 * Subnet commands: from a request and its network's current state to the
 * events to append on the network's subject, or an `ApiError`. The address
 * checks are in rules.ts. Pure: ids and time come in through
 * `CommandContext`.
 */
import { formatCidr, formatIpv6Prefix, type Subnet6State, type SubnetState } from '@leasehold/protocol';
import { subnet6In, subnetIn, type NetworkEnvelope, type NetworkSnapshot } from '@leasehold/resources';
import type { CommandContext } from '../command.js';
import { standardState } from '../attributes.js';
import { ApiError, notFound } from '../errors.js';
import { activeNetwork, networkEvent } from '../network/commands.js';
import type { Input } from '../wire/schemas.js';
import { checkNoOverlap, parseSubnetCidr, resolveSubnetAddressing } from './rules.js';
import { checkIpv6Modes, checkNoOverlap6, parseSubnet6Cidr, resolveSubnet6Addressing } from './rules6.js';

export const DEFAULT_LEASE_SECONDS = 86_400;

/**
 * The subnet's IP version: the request's ip_version, or (absent, where
 * Neutron requires it) the CIDR's. A CIDR of the other version is Neutron's
 * "cidr '…' does not match the ip_version '…'".
 */
export function subnetIpVersion(req: Pick<Input<'subnetCreate'>, 'cidr' | 'ip_version'>): 4 | 6 {
  const looksV6 = req.cidr.includes(':');
  const version = req.ip_version ?? (looksV6 ? 6 : 4);
  if (looksV6 !== (version === 6)) throw new ApiError('VALIDATION_FAILED', `cidr '${req.cidr}' does not match the ip_version '${version}'`, 'cidr');
  return version;
}

export function createSubnet(snapshot: NetworkSnapshot | undefined, req: Input<'subnetCreate'>, ctx: CommandContext): NetworkEnvelope[] {
  const network = activeNetwork(snapshot, req.network_id, 'network_id');
  if (subnetIpVersion(req) === 6) return [networkEvent(network.id, 'Subnet6Created', { subnet: newSubnet6(snapshot!, req, ctx) }, ctx)];
  // Neutron's _validate_subnet: the IPv6 attributes on an IPv4 subnet.
  for (const field of ['ipv6_ra_mode', 'ipv6_address_mode'] as const) {
    if (req[field] !== undefined && req[field] !== null) throw new ApiError('VALIDATION_FAILED', `${field} is not valid when ip_version is 4`, field);
  }
  const cidr = parseSubnetCidr(req.cidr);
  checkNoOverlap(cidr, Object.values(snapshot!.context.subnets));
  const addressing = resolveSubnetAddressing(cidr, req);
  const subnet: SubnetState = {
    id: ctx.newId(),
    networkId: network.id,
    name: req.name ?? '',
    cidr,
    ...addressing,
    enableDhcp: req.enable_dhcp ?? true,
    leaseDuration: req.lease_duration ?? DEFAULT_LEASE_SECONDS,
    ...standardState(req),
  };
  return [networkEvent(network.id, 'SubnetCreated', { subnet }, ctx)];
}

function newSubnet6(snapshot: NetworkSnapshot, req: Input<'subnetCreate'>, ctx: CommandContext): Subnet6State {
  const cidr = parseSubnet6Cidr(req.cidr);
  const enableDhcp = req.enable_dhcp ?? true;
  const modes = { ipv6AddressMode: req.ipv6_address_mode ?? null, ipv6RaMode: req.ipv6_ra_mode ?? null };
  checkIpv6Modes(modes, enableDhcp, cidr);
  checkNoOverlap6(cidr, Object.values(snapshot.context.subnets6));
  return {
    id: ctx.newId(),
    networkId: snapshot.context.network!.id,
    name: req.name ?? '',
    cidr: formatIpv6Prefix(cidr),
    ...resolveSubnet6Addressing(cidr, req),
    enableDhcp,
    ...modes,
    leaseDuration: req.lease_duration ?? DEFAULT_LEASE_SECONDS,
    ...standardState(req),
  };
}

/** A subnet of either version, by id; NOT_FOUND otherwise. */
export function findAnySubnet(snapshot: NetworkSnapshot | undefined, subnetId: string, field = 'id'): SubnetState | Subnet6State {
  const subnet = snapshot?.value === 'active' ? (subnetIn(snapshot.context, subnetId) ?? subnet6In(snapshot.context, subnetId)) : undefined;
  if (!subnet) throw notFound('subnet', subnetId, field);
  return subnet;
}

/** True for an IPv6 subnet (its CIDR is text). Pure. */
export function isSubnet6(subnet: SubnetState | Subnet6State): subnet is Subnet6State {
  return typeof subnet.cidr === 'string';
}

export function updateSubnet(snapshot: NetworkSnapshot | undefined, req: Input<'subnetUpdate'>, ctx: CommandContext): NetworkEnvelope[] {
  const any = findAnySubnet(snapshot, req.id);
  // The modes stay as created: every port's EUI-64 address on the subnet follows from them.
  for (const [field, current] of [
    ['ipv6_address_mode', isSubnet6(any) ? any.ipv6AddressMode : null],
    ['ipv6_ra_mode', isSubnet6(any) ? any.ipv6RaMode : null],
  ] as const) {
    if (req[field] === undefined || req[field] === current) continue;
    throw new ApiError('VALIDATION_FAILED', isSubnet6(any) ? `${field} cannot be changed after the subnet is created (it is ${String(current)})` : `${field} is not valid when ip_version is 4`, field);
  }
  if (isSubnet6(any)) return updateSubnet6(any, req, ctx);
  const subnet = any;
  const addressing = resolveSubnetAddressing(subnet.cidr, req, subnet);
  const changes = updateChanges(req, addressing);
  if (Object.keys(changes).length === 0) return [];
  return [networkEvent(subnet.networkId, 'SubnetUpdated', { subnetId: subnet.id, changes }, ctx)];
}

function updateSubnet6(subnet: Subnet6State, req: Input<'subnetUpdate'>, ctx: CommandContext): NetworkEnvelope[] {
  const block = parseSubnet6Cidr(subnet.cidr);
  const addressing = resolveSubnet6Addressing(block, req, subnet);
  // Neutron's _validate_ipv6_update_dhcp.
  if (req.enable_dhcp === false && (subnet.ipv6AddressMode !== null || subnet.ipv6RaMode !== null)) {
    throw new ApiError('VALIDATION_FAILED', 'Cannot disable enable_dhcp with ipv6 attributes set', 'enable_dhcp');
  }
  if (req.enable_dhcp === true) checkIpv6Modes(subnet, true, block);
  const changes = updateChanges(req, addressing);
  if (Object.keys(changes).length === 0) return [];
  return [networkEvent(subnet.networkId, 'Subnet6Updated', { subnetId: subnet.id, changes }, ctx)];
}

/** A subnet with ports holding addresses in it cannot go: the caller counts them. */
export function deleteSubnet(snapshot: NetworkSnapshot | undefined, subnetId: string, portsUsing: number, ctx: CommandContext): NetworkEnvelope[] {
  const subnet = findAnySubnet(snapshot, subnetId);
  if (portsUsing > 0) {
    throw new ApiError('SUBNET_IN_USE', `subnet ${subnetId} (${subnetCidrText(subnet)}) still has ${portsUsing} port address(es)`, 'id');
  }
  return [networkEvent(subnet.networkId, 'SubnetDeleted', { subnetId }, ctx)];
}

/** The CIDR of a subnet of either version as text. Pure. */
export function subnetCidrText(subnet: SubnetState | Subnet6State): string {
  return isSubnet6(subnet) ? subnet.cidr : formatCidr(subnet.cidr);
}

/**
 * The fields an update names, as the event's `changes`, for either version:
 * the addressing already resolved against the subnet (an IPv6 subnet has no
 * dynamic pools, so none are named). Pure.
 */
function updateChanges(req: Input<'subnetUpdate'>, addressing: { gatewayIp: unknown; allocationPools: unknown; dynamicPools?: unknown; dnsNameservers: unknown; hostRoutes: unknown }): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  if (req.name !== undefined) changes.name = req.name;
  if (req.gateway_ip !== undefined) changes.gatewayIp = addressing.gatewayIp;
  if (req.allocation_pools !== undefined || req.gateway_ip !== undefined) changes.allocationPools = addressing.allocationPools;
  if (req.dynamic_pools !== undefined && 'dynamicPools' in addressing) changes.dynamicPools = addressing.dynamicPools;
  if (req.dns_nameservers !== undefined) changes.dnsNameservers = addressing.dnsNameservers;
  if (req.host_routes !== undefined) changes.hostRoutes = addressing.hostRoutes;
  if (req.enable_dhcp !== undefined) changes.enableDhcp = req.enable_dhcp;
  if (req.lease_duration !== undefined) changes.leaseDuration = req.lease_duration;
  Object.assign(changes, standardState(req));
  return changes;
}
