/**
 * Network commands: from a request and the aggregate's current state to the
 * events to append, or an `ApiError`. Subnets are part of the network
 * aggregate (their commands, in ../subnet/, build events with
 * `networkEvent`). Pure: ids and time come in through `CommandContext`.
 */
import type { NetworkEventData, NetworkState } from '@leasehold/protocol';
import { toNetworkEnvelope, type NetworkEnvelope, type NetworkEvent, type NetworkSnapshot } from '@leasehold/resources';
import { networkAttributes } from '../attributes.js';
import { envelopeIds, type CommandContext } from '../command.js';
import { ApiError, notFound } from '../errors.js';
import type { Input } from '../wire/schemas.js';
import { decideSegment, providerChange, type SegmentTaken } from './segment.js';

export const DEFAULT_MTU = 1500;

/** The envelope of a network aggregate event, at the context's time with its ids (resources' `toNetworkEnvelope`). Pure given the context. */
export function networkEvent<K extends keyof NetworkEventData>(networkId: string, type: K, data: NetworkEventData[K], ctx: CommandContext): NetworkEnvelope {
  return toNetworkEnvelope(networkId, { ...data, type, at: ctx.now } as NetworkEvent, envelopeIds(ctx));
}

function normalizeDomain(domain: string | undefined): string {
  if (!domain) return '';
  return domain.endsWith('.') ? domain.toLowerCase() : `${domain.toLowerCase()}.`;
}

/**
 * `projectId`: the network's project, from the request (see `requestedProject`).
 * `taken`: whether another network holds a segment (segment-claims.ts).
 */
export function createNetwork(req: Input<'networkCreate'>, projectId: string, taken: SegmentTaken, ctx: CommandContext): NetworkEnvelope[] {
  const segment = decideSegment(req, undefined, taken);
  const network: NetworkState = {
    id: ctx.newId(),
    name: req.name ?? '',
    adminStateUp: req.admin_state_up ?? true,
    mtu: req.mtu ?? DEFAULT_MTU,
    dnsDomain: normalizeDomain(req.dns_domain),
    availabilityZoneHints: req.availability_zone_hints ?? [],
    ...segment,
    projectId,
    ...networkAttributes(req),
    // Null is the agents' default, as is absent: only a choice is written.
    ...(typeof req['leasehold:isolated_metadata'] === 'boolean' ? { isolatedMetadata: req['leasehold:isolated_metadata'] } : {}),
  };
  return [networkEvent(network.id, 'NetworkCreated', { network }, ctx)];
}

export function activeNetwork(snapshot: NetworkSnapshot | undefined, id: string, field = 'id'): NetworkState {
  const network = snapshot?.value === 'active' ? snapshot.context.network : null;
  if (!network) throw notFound('network', id, field);
  return network;
}

/** `taken`: whether another network holds a segment (segment-claims.ts). */
export function updateNetwork(snapshot: NetworkSnapshot | undefined, req: Input<'networkUpdate'>, taken: SegmentTaken, ctx: CommandContext): NetworkEnvelope[] {
  const network = activeNetwork(snapshot, req.id);
  const changes: Record<string, unknown> = {};
  if (req.name !== undefined) changes.name = req.name;
  if (req.admin_state_up !== undefined) changes.adminStateUp = req.admin_state_up;
  if (req.mtu !== undefined) changes.mtu = req.mtu;
  if (req.dns_domain !== undefined) changes.dnsDomain = normalizeDomain(req.dns_domain);
  if (req.availability_zone_hints !== undefined) changes.availabilityZoneHints = req.availability_zone_hints;
  Object.assign(changes, networkAttributes(req));
  const isolatedMetadata = req['leasehold:isolated_metadata'];
  if (isolatedMetadata !== undefined && isolatedMetadata !== (network.isolatedMetadata ?? null)) changes.isolatedMetadata = isolatedMetadata;
  if (providerChange(req)) {
    const segment = decideSegment(req, network, taken);
    if (segment.physicalNetwork !== network.physicalNetwork) changes.physicalNetwork = segment.physicalNetwork;
    if (segment.networkType !== (network.networkType ?? null) || segment.segmentationId !== (network.segmentationId ?? null)) {
      changes.networkType = segment.networkType;
      changes.segmentationId = segment.segmentationId;
    }
  }
  if (Object.keys(changes).length === 0) return [];
  return [networkEvent(network.id, 'NetworkUpdated', { changes }, ctx)];
}

/**
 * Deleting a network deletes its subnets first (one event each). Ports
 * other than DHCP ports must be gone: the caller counts them.
 */
export function deleteNetwork(snapshot: NetworkSnapshot | undefined, id: string, userPorts: number, ctx: CommandContext): NetworkEnvelope[] {
  const network = activeNetwork(snapshot, id);
  if (userPorts > 0) {
    throw new ApiError('NETWORK_IN_USE', `network ${id} still has ${userPorts} port(s); delete them first`, 'id');
  }
  const subnets = [...Object.keys(snapshot!.context.subnets), ...Object.keys(snapshot!.context.subnets6)];
  return [
    ...subnets.map((subnetId) => networkEvent(network.id, 'SubnetDeleted', { subnetId }, ctx)),
    networkEvent(network.id, 'NetworkDeleted', {}, ctx),
  ];
}
