/**
 * A network's segment from a create or update request (Neutron's provider
 * attributes), checked as ML2's type drivers check it, given a segmentation
 * id when the caller named none, and refused when another live network
 * already serves on it (point 2 of issue 18: no two networks on one segment,
 * so none silently shadows another on an agent).
 *
 * Defaults, where Neutron's ML2 would take them from tenant_network_types
 * and the type drivers' ranges: no type and no physical network is an
 * untyped network (as before segments: served on an agent's `*` interface
 * or relays, never in conflict); a physical network without a type is flat
 * on it (what agents always did with one); vlan or vxlan without an id gets
 * the lowest free one (Neutron picks a free one from its ranges).
 */
import { networkSegment, segmentKey, segmentProblem, type NetworkSegment, type NetworkState } from '@leasehold/protocol';
import { ApiError } from '../errors.js';

/** The provider attributes of a request, as its schema parsed them. */
export interface ProviderAttributes {
  readonly 'provider:network_type'?: NetworkSegment['networkType'] | undefined;
  readonly 'provider:physical_network'?: string | null | undefined;
  readonly 'provider:segmentation_id'?: number | null | undefined;
}

type SegmentFields = Pick<NetworkState, 'physicalNetwork' | 'networkType' | 'segmentationId'>;

/** True when another network serves on the segment, or is claiming it. */
export type SegmentTaken = (segment: NetworkSegment) => boolean;

const SEGMENTATION_ID_RANGE = { vlan: [1, 4094], vxlan: [1, 2 ** 24 - 1] } as const;

/**
 * The segment fields a network gets from `req` over `current` (its fields
 * today; none for a create), or an ApiError. `taken`: whether another
 * network holds a segment (segment-claims.ts). Pure given `taken`.
 */
export function decideSegment(req: ProviderAttributes, current: SegmentFields | undefined, taken: SegmentTaken): SegmentFields {
  const physicalNetwork = req['provider:physical_network'] !== undefined ? req['provider:physical_network'] : (current?.physicalNetwork ?? null);
  const typeGiven = req['provider:network_type'];
  const idGiven = req['provider:segmentation_id'];
  let networkType = typeGiven !== undefined ? typeGiven : (current ? (networkSegment(current)?.networkType ?? null) : null);
  // As a create decides: a physical network named on an untyped network makes it flat, and
  // a flat network that drops its physical network (`net update --no-physical-network`) is untyped.
  if (typeGiven === undefined && networkType === null && physicalNetwork !== null) networkType = 'flat';
  if (typeGiven === undefined && networkType === 'flat' && physicalNetwork === null) networkType = null;
  const typeChanged = networkType !== (current ? (networkSegment(current)?.networkType ?? null) : null);
  let segmentationId = idGiven !== undefined ? idGiven : typeChanged ? null : (current?.segmentationId ?? null);
  if (networkType === null) {
    if (segmentationId !== null) throw new ApiError('VALIDATION_FAILED', 'provider:network_type required', 'provider:network_type');
    return { physicalNetwork, networkType: null, segmentationId: null };
  }
  const problem = segmentProblem({ networkType, physicalNetwork, segmentationId });
  if (problem) throw new ApiError('VALIDATION_FAILED', problem.message, problem.field);
  if (segmentationId === null && networkType !== 'flat') segmentationId = lowestFree(networkType, physicalNetwork, taken);
  const segment: NetworkSegment = { networkType, physicalNetwork, segmentationId };
  if (taken(segment)) throw inUse(segment);
  return segment;
}

/** True when a request names any provider attribute. Pure. */
export function providerChange(req: ProviderAttributes): boolean {
  return req['provider:physical_network'] !== undefined || req['provider:network_type'] !== undefined || req['provider:segmentation_id'] !== undefined;
}

/** The segment keys of the live networks other than `exceptId`. Pure. */
export function segmentKeysOf(networks: Iterable<SegmentFields & { readonly id: string }>, exceptId?: string): Set<string> {
  const keys = new Set<string>();
  for (const n of networks) {
    const segment = n.id === exceptId ? null : networkSegment(n);
    if (segment) keys.add(segmentKey(segment));
  }
  return keys;
}

function lowestFree(networkType: 'vlan' | 'vxlan', physicalNetwork: string | null, taken: SegmentTaken): number {
  const [min, max] = SEGMENTATION_ID_RANGE[networkType];
  for (let id = min; id <= max; id++) {
    if (!taken({ networkType, physicalNetwork, segmentationId: id })) return id;
  }
  const where = networkType === 'vlan' ? `VLAN ids on physical network ${physicalNetwork}` : 'VNIs';
  throw new ApiError('SEGMENT_IN_USE', `Unable to create the network. No ${networkType} segmentation ID available: every one of the ${where} is in use.`, 'provider:segmentation_id');
}

/** Neutron's VlanIdInUse, TunnelIdInUse and FlatNetworkInUse (409). Pure. */
export function inUse(segment: NetworkSegment): ApiError {
  const { networkType, physicalNetwork, segmentationId } = segment;
  const message =
    networkType === 'flat'
      ? `Unable to create the flat network. Physical network ${physicalNetwork} is in use.`
      : networkType === 'vlan'
        ? `Unable to create the network. The VLAN ${segmentationId} on physical network ${physicalNetwork} is in use.`
        : `Unable to create the network. The tunnel ID ${segmentationId} is in use.`;
  return new ApiError('SEGMENT_IN_USE', message, networkType === 'flat' ? 'provider:physical_network' : 'provider:segmentation_id');
}
