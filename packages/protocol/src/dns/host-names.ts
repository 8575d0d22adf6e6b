/**
 * The names Neutron gives ports (its dns_db `_get_dns_names_for_port`): a
 * port's dns_name, or `host-<a-b-c-d>` for each address of a port without
 * one, under the network's domain, or `dns_domain` of the configuration
 * (`openstacklocal` unless set) when the network has none. The API shows
 * them in a port's `dns_assignment`; the agent's DNS answers them.
 */
import { formatIpv4, type Ipv4 } from '../ipv4/address.js';

/** Neutron's `dns_domain` default: where the names of a network without a dns_domain live. */
export const DEFAULT_DNS_DOMAIN = 'openstacklocal';

/**
 * `host-198-18-40-86` for 198.18.40.86, `host-2001-db8-1--5` for the IPv6
 * address 2001:db8:1::5 (its RFC 5952 text): the host name of a port's
 * address when the port has no dns_name, Neutron's dots and colons made
 * dashes. Pure.
 */
export function defaultHostname(ip: Ipv4 | string): string {
  return `host-${(typeof ip === 'number' ? formatIpv4(ip) : ip).replaceAll('.', '-').replaceAll(':', '-')}`;
}

/** The network's own domain, else the configured default; lowercased, without the trailing dot ("" only if both are empty). Pure. */
export function portDnsDomain(networkDomain: string | undefined, defaultDomain: string = DEFAULT_DNS_DOMAIN): string {
  const domain = networkDomain || defaultDomain;
  return domain.toLowerCase().replace(/\.$/, '');
}
