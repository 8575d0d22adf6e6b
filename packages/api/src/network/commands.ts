/**
 * Network and subnet commands: from a request and the aggregate's current
 * state to the events to append, or an `ApiError`. Pure: ids and time come in
 * through `CommandContext`.
 */
import { formatCidr, type EventEnvelope, type NetworkEventData, type NetworkState, type SubnetState } from '@leasehold/protocol';
import { ApiError, notFound } from '../errors.js';
import type { Input } from '../wire/schemas.js';
import { subnetIn, type NetworkEvent, type NetworkSnapshot } from './machine.js';
import { checkNoOverlap, parseSubnetCidr, resolveSubnetAddressing } from '../subnet/rules.js';

export interface CommandContext {
  readonly now: number;
  readonly newId: () => string;
  readonly correlation?: string;
}

export const DEFAULT_MTU = 1500;
export const DEFAULT_LEASE_SECONDS = 86_400;

/** Builds an envelope for a network aggregate event. Pure given the context. */
export function networkEvent<K extends keyof NetworkEventData>(
  networkId: string,
  type: K,
  data: NetworkEventData[K],
  ctx: CommandContext,
): EventEnvelope<K, NetworkEventData[K]> {
  return {
    type,
    v: 1,
    id: ctx.newId(),
    aggregate: `network/${networkId}`,
    at: ctx.now,
    data,
    ...(ctx.correlation ? { correlation: ctx.correlation } : {}),
  };
}

function normalizeDomain(domain: string | undefined): string {
  if (!domain) return '';
  return domain.endsWith('.') ? domain.toLowerCase() : `${domain.toLowerCase()}.`;
}

/** `projectId`: the network's project, from the request (see `requestedProject`). */
export function createNetwork(req: Input<'networkCreate'>, projectId: string, ctx: CommandContext): NetworkEvent[] {
  const network: NetworkState = {
    id: ctx.newId(),
    name: req.name ?? '',
    adminStateUp: req.admin_state_up ?? true,
    mtu: req.mtu ?? DEFAULT_MTU,
    dnsDomain: normalizeDomain(req.dns_domain),
    availabilityZoneHints: req.availability_zone_hints ?? [],
    physicalNetwork: req['provider:physical_network'] ?? null,
    projectId,
  };
  return [networkEvent(network.id, 'NetworkCreated', { network }, ctx)];
}

export function activeNetwork(snapshot: NetworkSnapshot | undefined, id: string, field = 'id'): NetworkState {
  const network = snapshot?.value === 'active' ? snapshot.context.network : null;
  if (!network) throw notFound('network', id, field);
  return network;
}

export function updateNetwork(snapshot: NetworkSnapshot | undefined, req: Input<'networkUpdate'>, ctx: CommandContext): NetworkEvent[] {
  const network = activeNetwork(snapshot, req.id);
  const changes: Record<string, unknown> = {};
  if (req.name !== undefined) changes.name = req.name;
  if (req.admin_state_up !== undefined) changes.adminStateUp = req.admin_state_up;
  if (req.mtu !== undefined) changes.mtu = req.mtu;
  if (req.dns_domain !== undefined) changes.dnsDomain = normalizeDomain(req.dns_domain);
  if (req.availability_zone_hints !== undefined) changes.availabilityZoneHints = req.availability_zone_hints;
  if (req['provider:physical_network'] !== undefined) changes.physicalNetwork = req['provider:physical_network'];
  if (Object.keys(changes).length === 0) return [];
  return [networkEvent(network.id, 'NetworkUpdated', { changes }, ctx)];
}

/**
 * Deleting a network deletes its subnets first (one event each). Ports
 * other than DHCP ports must be gone: the caller counts them.
 */
export function deleteNetwork(snapshot: NetworkSnapshot | undefined, id: string, userPorts: number, ctx: CommandContext): NetworkEvent[] {
  const network = activeNetwork(snapshot, id);
  if (userPorts > 0) {
    throw new ApiError('NETWORK_IN_USE', `network ${id} still has ${userPorts} port(s); delete them first`, 'id');
  }
  const subnets = Object.keys(snapshot!.context.subnets);
  return [
    ...subnets.map((subnetId) => networkEvent(network.id, 'SubnetDeleted', { subnetId }, ctx)),
    networkEvent(network.id, 'NetworkDeleted', {}, ctx),
  ];
}

export function createSubnet(snapshot: NetworkSnapshot | undefined, req: Input<'subnetCreate'>, ctx: CommandContext): NetworkEvent[] {
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

export function updateSubnet(snapshot: NetworkSnapshot | undefined, req: Input<'subnetUpdate'>, ctx: CommandContext): NetworkEvent[] {
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
export function deleteSubnet(snapshot: NetworkSnapshot | undefined, subnetId: string, portsUsing: number, ctx: CommandContext): NetworkEvent[] {
  const subnet = findSubnet(snapshot, subnetId);
  if (portsUsing > 0) {
    throw new ApiError('SUBNET_IN_USE', `subnet ${subnetId} (${formatCidr(subnet.cidr)}) still has ${portsUsing} port address(es)`, 'id');
  }
  return [networkEvent(subnet.networkId, 'SubnetDeleted', { subnetId }, ctx)];
}
