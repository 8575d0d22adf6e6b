/** A network as the API shows it (`NetworkView`). Pure. */
import { networkSegment, type NetworkState } from '@leasehold/protocol';
import { networkAttributesView, timesView, type ResourceTimes } from '../attributes.js';
import { projectFields } from '../quota.js';
import type { NetworkView } from '../wire/views.js';
import type { NetworkSnapshot } from '@leasehold/resources';

/** `times`: the read model's for the network. */
export function networkView(snapshot: NetworkSnapshot, version: number, times?: ResourceTimes): NetworkView {
  const n = snapshot.context.network as NetworkState;
  const segment = networkSegment(n);
  return {
    id: n.id,
    name: n.name,
    admin_state_up: n.adminStateUp,
    status: n.adminStateUp ? 'ACTIVE' : 'DOWN',
    mtu: n.mtu,
    dns_domain: n.dnsDomain,
    availability_zone_hints: [...n.availabilityZoneHints],
    'provider:physical_network': n.physicalNetwork,
    'provider:network_type': segment?.networkType ?? null,
    'provider:segmentation_id': segment?.segmentationId ?? null,
    subnets: [...Object.keys(snapshot.context.subnets), ...Object.keys(snapshot.context.subnets6)],
    ...projectFields(n.projectId),
    revision_number: version,
    ...networkAttributesView(n),
    'leasehold:isolated_metadata': n.isolatedMetadata ?? null,
    ...timesView(times),
  };
}
