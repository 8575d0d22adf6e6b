/**
 * Subnet commands: from a request and its network's current state to the
 * events to append on the network's subject, or an `ApiError`. The address
 * checks are in rules.ts. Pure: ids and time come in through
 * `CommandContext`.
 */
import { formatCidr, type SubnetState } from '@leasehold/protocol';
import { subnetIn, type NetworkEnvelope, type NetworkSnapshot } from '@leasehold/resources';
import type { CommandContext } from '../command.js';
import { ApiError, notFound } from '../errors.js';
import { activeNetwork, networkEvent } from '../network/commands.js';
import type { Input } from '../wire/schemas.js';
import { checkNoOverlap, parseSubnetCidr, resolveSubnetAddressing } from './rules.js';

export const DEFAULT_LEASE_SECONDS = 86_400;

export function createSubnet(snapshot: NetworkSnapshot | undefined, req: Input<'subnetCreate'>, ctx: CommandContext): NetworkEnvelope[] {
  const network = activeNetwork(snapshot, req.network_id, 'network_id');
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
  };
  return [networkEvent(network.id, 'SubnetCreated', { subnet }, ctx)];
}

export function findSubnet(snapshot: NetworkSnapshot | undefined, subnetId: string, field = 'id'): SubnetState {
  const subnet = snapshot?.value === 'active' ? subnetIn(snapshot.context, subnetId) : undefined;
  if (!subnet) throw notFound('subnet', subnetId, field);
  return subnet;
}

export function updateSubnet(snapshot: NetworkSnapshot | undefined, req: Input<'subnetUpdate'>, ctx: CommandContext): NetworkEnvelope[] {
  const subnet = findSubnet(snapshot, req.id);
  const addressing = resolveSubnetAddressing(subnet.cidr, req, subnet);
  const changes: Record<string, unknown> = {};
  if (req.name !== undefined) changes.name = req.name;
  if (req.gateway_ip !== undefined) changes.gatewayIp = addressing.gatewayIp;
  if (req.allocation_pools !== undefined || req.gateway_ip !== undefined) changes.allocationPools = addressing.allocationPools;
  if (req.dynamic_pools !== undefined) changes.dynamicPools = addressing.dynamicPools;
  if (req.dns_nameservers !== undefined) changes.dnsNameservers = addressing.dnsNameservers;
  if (req.host_routes !== undefined) changes.hostRoutes = addressing.hostRoutes;
  if (req.enable_dhcp !== undefined) changes.enableDhcp = req.enable_dhcp;
  if (req.lease_duration !== undefined) changes.leaseDuration = req.lease_duration;
  if (Object.keys(changes).length === 0) return [];
  return [networkEvent(subnet.networkId, 'SubnetUpdated', { subnetId: subnet.id, changes }, ctx)];
}

/** A subnet with ports holding addresses in it cannot go: the caller counts them. */
export function deleteSubnet(snapshot: NetworkSnapshot | undefined, subnetId: string, portsUsing: number, ctx: CommandContext): NetworkEnvelope[] {
  const subnet = findSubnet(snapshot, subnetId);
  if (portsUsing > 0) {
    throw new ApiError('SUBNET_IN_USE', `subnet ${subnetId} (${formatCidr(subnet.cidr)}) still has ${portsUsing} port address(es)`, 'id');
  }
  return [networkEvent(subnet.networkId, 'SubnetDeleted', { subnetId }, ctx)];
}
