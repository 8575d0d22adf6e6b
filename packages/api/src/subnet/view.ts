/** A subnet as the API shows it (`SubnetView`). Pure. */
import { formatCidr, formatIpv4, type Subnet6State, type SubnetState } from '@leasehold/protocol';
import { isSubnet6 } from './commands.js';
import { standardView, timesView, type ResourceTimes } from '../attributes.js';
import { projectFields } from '../quota.js';
import type { SubnetView } from '../wire/views.js';

/** `version`: its network's; `project`: its network's project; `times`: the read model's for the subnet. */
export function subnetView(s: SubnetState | Subnet6State, version: number, project?: string, times?: ResourceTimes): SubnetView {
  if (isSubnet6(s)) return subnet6View(s, version, project, times);
  const pools = (ranges: SubnetState['allocationPools']) => ranges.map((r) => ({ start: formatIpv4(r.first), end: formatIpv4(r.last) }));
  return {
    id: s.id,
    network_id: s.networkId,
    name: s.name,
    ip_version: 4,
    ipv6_address_mode: null,
    ipv6_ra_mode: null,
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
    ...standardView(s),
    ...timesView(times),
  };
}

/** An IPv6 subnet: its addresses are already RFC 5952 text; it has no dynamic pools. */
function subnet6View(s: Subnet6State, version: number, project?: string, times?: ResourceTimes): SubnetView {
  return {
    id: s.id,
    network_id: s.networkId,
    name: s.name,
    ip_version: 6,
    ipv6_address_mode: s.ipv6AddressMode,
    ipv6_ra_mode: s.ipv6RaMode,
    cidr: s.cidr,
    gateway_ip: s.gatewayIp,
    allocation_pools: s.allocationPools.map((r) => ({ start: r.first, end: r.last })),
    dynamic_pools: [],
    dns_nameservers: [...s.dnsNameservers],
    host_routes: s.hostRoutes.map((r) => ({ destination: r.destination, nexthop: r.nexthop })),
    enable_dhcp: s.enableDhcp,
    lease_duration: s.leaseDuration,
    ...projectFields(project),
    revision_number: version,
    ...standardView(s),
    ...timesView(times),
  };
}
