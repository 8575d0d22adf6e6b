/** A port as the API shows it (`PortView`). Pure. */
import { formatIpv4, type PortState } from '@leasehold/protocol';
import { projectFields } from '../quota.js';
import type { PortView } from '../wire/views.js';

/** `dnsDomain`: its network's, for dns_assignment; `networkProject`: stands in for a port written before quotas. */
export function portView(p: PortState, version: number, dnsDomain = '', networkProject?: string): PortView {
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
