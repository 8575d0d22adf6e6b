/** A subnet as the API shows it (`SubnetView`). Pure. */
import { formatCidr, formatIpv4, type SubnetState } from '@leasehold/protocol';
import { projectFields } from '../quota.js';
import type { SubnetView } from '../wire/views.js';

/** `version`: its network's; `project`: its network's project. */
export function subnetView(s: SubnetState, version: number, project?: string): SubnetView {
  const pools = (ranges: SubnetState['allocationPools']) => ranges.map((r) => ({ start: formatIpv4(r.first), end: formatIpv4(r.last) }));
  return {
    id: s.id,
    network_id: s.networkId,
    name: s.name,
    ip_version: 4,
    cidr: formatCidr(s.cidr),
    gateway_ip: s.gatewayIp === null ? null : formatIpv4(s.gatewayIp),
    allocation_pools: pools(s.allocationPools),
    dynamic_pools: pools(s.dynamicPools),
    dns_nameservers: s.dnsNameservers.map(formatIpv4),
    host_routes: s.hostRoutes.map((r) => ({ destination: formatCidr(r.destination), nexthop: formatIpv4(r.nexthop) })),
    enable_dhcp: s.enableDhcp,
    lease_duration: s.leaseDuration,
    ...projectFields(project),
    revision_number: version,
  };
}
