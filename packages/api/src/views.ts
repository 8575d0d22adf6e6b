/**
 * Read-model state as the API shows it: Neutron's field names, addresses as
 * dotted text, `revision_number` = the aggregate's version. Pure.
 */
import { formatCidr, formatIpv4, type NetworkState, type PortState, type SubnetState } from '@leasehold/protocol';
import type { NetworkSnapshot } from './network/machine.js';
import { DEFAULT_PROJECT_ID } from './quota.js';

/** Neutron shows a resource's project under both names. */
const projectFields = (project: string | undefined) => ({ project_id: project ?? DEFAULT_PROJECT_ID, tenant_id: project ?? DEFAULT_PROJECT_ID });

export function networkView(snapshot: NetworkSnapshot, version: number) {
  const n = snapshot.context.network as NetworkState;
  return {
    id: n.id,
    name: n.name,
    admin_state_up: n.adminStateUp,
    status: n.adminStateUp ? 'ACTIVE' : 'DOWN',
    mtu: n.mtu,
    dns_domain: n.dnsDomain,
    availability_zone_hints: [...n.availabilityZoneHints],
    'provider:physical_network': n.physicalNetwork,
    subnets: Object.keys(snapshot.context.subnets),
    ...projectFields(n.projectId),
    revision_number: version,
  };
}

/** `project`: the subnet's network's project. */
export function subnetView(s: SubnetState, version: number, project?: string) {
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

/** `networkProject`: stands in for a port written before quotas. */
export function portView(p: PortState, version: number, dnsDomain = '', networkProject?: string) {
  return {
    id: p.id,
    network_id: p.networkId,
    name: p.name,
    mac_address: p.macAddress,
    fixed_ips: p.fixedIps.map((f) => ({ subnet_id: f.subnetId, ip_address: formatIpv4(f.ipAddress) })),
    dns_name: p.dnsName,
    dns_assignment: p.dnsName
      ? p.fixedIps.map((f) => ({ hostname: p.dnsName, ip_address: formatIpv4(f.ipAddress), fqdn: `${p.dnsName}.${dnsDomain}` }))
      : [],
    extra_dhcp_opts: p.extraDhcpOpts.map((o) => ({ opt_name: o.optName, opt_value: o.optValue, ip_version: 4 })),
    device_owner: p.deviceOwner,
    device_id: p.deviceId,
    admin_state_up: p.adminStateUp,
    status: p.adminStateUp ? 'ACTIVE' : 'DOWN',
    ...projectFields(p.projectId ?? networkProject),
    revision_number: version,
  };
}

export type NetworkView = ReturnType<typeof networkView>;
export type SubnetView = ReturnType<typeof subnetView>;
export type PortView = ReturnType<typeof portView>;
