/**
 * A network's segment: where on the wire its DHCP port sits (Neutron's
 * provider:network_type, provider:physical_network and
 * provider:segmentation_id, one ML2 segment). The one reading of the three
 * fields for every package: the API validates and keeps segments unique with
 * it, the scheduler and agents read it.
 *
 * A network of events written before segments has no type: one with a
 * physical network is `flat` on it (the mapped interface itself, as agents
 * always served it), one without is untyped (null: no segment of its own,
 * served on an agent's `*` interface or relays).
 */
import type { NetworkState, NetworkType } from './network.js';

/** VLAN ids Neutron's vlan type driver accepts (802.1Q's 1-4094). */
const MIN_VLAN_ID = 1;
const MAX_VLAN_ID = 4094;
/** VNIs Neutron's vxlan type driver accepts (24 bits, 0 not used). */
const MIN_VNI = 1;
export const MAX_VNI = 2 ** 24 - 1;

/** A network's segment, all three fields known. */
export interface NetworkSegment {
  readonly networkType: NetworkType;
  /** Null for vxlan (a tunnel: no physical network in Neutron), set for flat and vlan. */
  readonly physicalNetwork: string | null;
  /** The VLAN id or VNI; null for flat. */
  readonly segmentationId: number | null;
}

/** The segment of a network, or null for an untyped one. Pure. */
export function networkSegment(network: Pick<NetworkState, 'physicalNetwork' | 'networkType' | 'segmentationId'>): NetworkSegment | null {
  const networkType = network.networkType ?? (network.physicalNetwork === null ? null : 'flat');
  if (networkType === null) return null;
  return { networkType, physicalNetwork: network.physicalNetwork, segmentationId: network.segmentationId ?? null };
}

/**
 * What makes a segment one Neutron's type drivers would refuse, in their
 * words (ML2's type_flat.py, type_vlan.py, type_tunnel.py), or undefined.
 * One difference: a VLAN segment always names its physical network, since
 * no VLAN ranges are configured here to pick one from. Pure.
 */
export function segmentProblem(segment: NetworkSegment): { field: string; message: string } | undefined {
  const { networkType: type, physicalNetwork, segmentationId } = segment;
  if (type === 'flat') {
    if (physicalNetwork === null) return { field: 'provider:physical_network', message: 'physical_network required for flat provider network' };
    if (segmentationId !== null) return { field: 'provider:segmentation_id', message: 'segmentation_id prohibited for flat provider network' };
    return undefined;
  }
  if (type === 'vlan') {
    if (physicalNetwork === null) {
      const message = segmentationId === null ? 'physical_network required for VLAN provider network' : 'segmentation_id requires physical_network for VLAN provider network';
      return { field: 'provider:physical_network', message };
    }
    if (segmentationId !== null && !inRange(segmentationId, MIN_VLAN_ID, MAX_VLAN_ID)) {
      return { field: 'provider:segmentation_id', message: `segmentation_id out of range (${MIN_VLAN_ID} through ${MAX_VLAN_ID})` };
    }
    return undefined;
  }
  if (physicalNetwork !== null) return { field: 'provider:physical_network', message: 'provider:physical_network specified for vxlan network' };
  if (segmentationId !== null && !inRange(segmentationId, MIN_VNI, MAX_VNI)) {
    return { field: 'provider:segmentation_id', message: `segmentation_id out of range (${MIN_VNI} through ${MAX_VNI})` };
  }
  return undefined;
}

const inRange = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;

/**
 * The key two networks share exactly when they would serve on the same
 * segment: one flat network per physical network, a VLAN id once per
 * physical network, a VNI once. Only for a segment with its id (a flat one,
 * or one `segmentProblem` passed with its segmentation id). Pure.
 */
export function segmentKey(segment: NetworkSegment): string {
  if (segment.networkType === 'vxlan') return `vxlan:${segment.segmentationId}`;
  if (segment.networkType === 'vlan') return `vlan:${segment.physicalNetwork}:${segment.segmentationId}`;
  return `flat:${segment.physicalNetwork}`;
}

/**
 * The two subject tokens of a segment's claim (`lh.evt.segment.<scope>.<id>`,
 * see resources' claim/subjects.ts): scope `vxlan` for a VNI, else the
 * physical network (`p:<name>` when the name can be a token as it is, else
 * `h:<hex of its UTF-8>`, so no two names share one); id `flat`,
 * `vlan-<vid>` or the VNI. Pure.
 */
export function segmentClaimTokens(segment: NetworkSegment): readonly [scope: string, id: string] {
  if (segment.networkType === 'vxlan') return ['vxlan', String(segment.segmentationId)];
  const name = segment.physicalNetwork ?? '';
  const scope = /^[A-Za-z0-9_-]+$/.test(name) ? `p:${name}` : `h:${[...new TextEncoder().encode(name)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  return [scope, segment.networkType === 'vlan' ? `vlan-${segment.segmentationId}` : 'flat'];
}
