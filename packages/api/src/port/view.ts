/** A port as the API shows it (`PortView`). Pure. */
import { DEFAULT_DNS_DOMAIN, defaultHostname, formatIpv4, parseIpv4, portDnsDomain, type PortState } from '@leasehold/protocol';
import { portAttributesView, timesView, type ResourceTimes } from '../attributes.js';
import { projectFields } from '../quota.js';
import type { PortView } from '../wire/views.js';
import type { PortStatus } from './status.js';

/**
 * `status`: status.ts's `portStatus` (the rule needs the agents' reports, this view does not);
 * `dnsDomain`: its network's, for dns_assignment, where `defaultDomain`
 * (Neutron's dns_domain, openstacklocal) stands in when the network has
 * none; `networkProject`: stands in for a port written before quotas;
 * `times`: the read model's for the port.
 */
export function portView(p: PortState, version: number, status: PortStatus, dnsDomain = '', networkProject?: string, defaultDomain = DEFAULT_DNS_DOMAIN, times?: ResourceTimes): PortView {
  return {
    id: p.id,
    network_id: p.networkId,
    name: p.name,
    mac_address: p.macAddress,
    fixed_ips: addressesOf(p),
    dns_name: p.dnsName,
    dns_assignment: dnsAssignment(p, portDnsDomain(dnsDomain, defaultDomain)),
    extra_dhcp_opts: [
      ...p.extraDhcpOpts.map((o) => ({ opt_name: o.optName, opt_value: o.optValue, ip_version: 4 })),
      ...(p.extraDhcpOpts6 ?? []).map((o) => ({ opt_name: o.optName, opt_value: o.optValue, ip_version: 6 })),
    ],
    device_owner: p.deviceOwner,
    device_id: p.deviceId,
    admin_state_up: p.adminStateUp,
    status,
    ...projectFields(p.projectId ?? networkProject),
    revision_number: version,
    ...portAttributesView(p),
    ...timesView(times),
  };
}

/**
 * Neutron's dns_assignment (dns_db's _get_dns_names_for_port): one entry per
 * fixed IP, named by the port's dns_name or, without one, host-<a-b-c-d>;
 * the fqdn ends with a dot, and is the bare host name when there is no
 * domain at all. The agent's DNS answers the same names. Pure.
 */
function dnsAssignment(p: PortState, domain: string): PortView['dns_assignment'] {
  return addressesOf(p).map(({ ip_address }) => {
    const hostname = p.dnsName || defaultHostname(ip_address.includes(':') ? ip_address : parseIpv4(ip_address));
    return { hostname, ip_address, fqdn: domain ? `${hostname}.${domain}.` : hostname };
  });
}

/** Neutron's fixed_ips: the IPv4 addresses, then the IPv6 ones (RFC 5952 text). Pure. */
function addressesOf(p: PortState): PortView['fixed_ips'] {
  return [
    ...p.fixedIps.map((f) => ({ subnet_id: f.subnetId, ip_address: formatIpv4(f.ipAddress) })),
    ...(p.fixedIps6 ?? []).map((f) => ({ subnet_id: f.subnetId, ip_address: f.ipAddress })),
  ];
}
