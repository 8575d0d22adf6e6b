/**
 * Pure checks of a port request against its network: which subnet each
 * requested fixed IP belongs to, and the text fields (dns_name,
 * extra_dhcp_opts) the agent will later put on the wire.
 */
import { checkDhcpOption, cidrContains, formatCidr, formatIpv4, rangeContains, type ExtraDhcpOpt, type Ipv4, type SubnetState } from '@leasehold/protocol';
import { ROUTER_INTERFACE_OWNERS, subnet6In, subnetIn, type NetworkSnapshot } from '@leasehold/resources';
import { ApiError, notFound } from '../errors.js';
import { isHostOf, parseIp } from '../subnet/rules.js';
import { isIpv6Entry } from './fields6.js';

/** One address the port should hold: a given address, or any free one of the subnet. */
export interface AddressRequest {
  readonly subnet: SubnetState;
  readonly ip: Ipv4 | undefined;
  readonly field: string;
}

/**
 * Resolves the IPv4 entries of `fixed_ips` against the network's IPv4
 * subnets (fields6.ts reads the IPv6 ones). Absent: one address from the
 * first subnet that has allocation pools (Neutron gives a port one address
 * of one IPv4 subnet). `[]`: no address.
 */
export function resolveAddressRequests(
  network: NetworkSnapshot,
  fixedIps: readonly { subnet_id?: string | undefined; ip_address?: string | undefined }[] | undefined,
  deviceOwner = '',
): AddressRequest[] {
  const subnets = Object.values(network.context.subnets);
  if (fixedIps === undefined) {
    const first = subnets.find((s) => s.allocationPools.length > 0);
    return first ? [{ subnet: first, ip: undefined, field: 'fixed_ips' }] : [];
  }
  const out = fixedIps.flatMap((entry, i): AddressRequest[] => {
    if (isIpv6Entry(network, entry)) return [];
    const field = `fixed_ips[${i}]`;
    if (entry.subnet_id === undefined && entry.ip_address === undefined) {
      throw new ApiError('VALIDATION_FAILED', `${field} needs a subnet_id, an ip_address or both`, field);
    }
    const ip = entry.ip_address === undefined ? undefined : parseIp(entry.ip_address, `${field}.ip_address`);
    let subnet: SubnetState | undefined;
    if (entry.subnet_id !== undefined) {
      subnet = subnetIn(network.context, entry.subnet_id);
      if (!subnet && subnet6In(network.context, entry.subnet_id)) {
        throw new ApiError('INVALID_IP', `${field}.ip_address ${entry.ip_address} is not a host address of subnet ${entry.subnet_id} (an IPv6 subnet)`, `${field}.ip_address`);
      }
      if (!subnet) throw notFound('subnet', entry.subnet_id, `${field}.subnet_id`);
    } else {
      subnet = subnets.find((s) => cidrContains(s.cidr, ip!));
      if (!subnet) {
        throw new ApiError('IP_OUTSIDE_SUBNETS', `${field}.ip_address ${entry.ip_address} is in none of the network's subnets`, `${field}.ip_address`);
      }
    }
    if (ip !== undefined) checkPortAddress(subnet, ip, `${field}.ip_address`, deviceOwner);
    return [{ subnet, ip, field }];
  });
  const seen = new Set<Ipv4>();
  for (const r of out) {
    if (r.ip === undefined) continue;
    if (seen.has(r.ip)) throw new ApiError('VALIDATION_FAILED', `${r.field}.ip_address ${formatIpv4(r.ip)} is listed twice`, `${r.field}.ip_address`);
    seen.add(r.ip);
  }
  return out;
}

/**
 * An address a port may hold: a host of the subnet, not its gateway (but for a router's
 * interface, as Neutron's add_router_interface puts it there), not in its dynamic pools.
 */
export function checkPortAddress(subnet: SubnetState, ip: Ipv4, field: string, deviceOwner = ''): void {
  if (!isHostOf(subnet.cidr, ip)) {
    throw new ApiError('INVALID_IP', `${field} ${formatIpv4(ip)} is not a host address of subnet ${subnet.id} (${formatCidr(subnet.cidr)})`, field);
  }
  if (ip === subnet.gatewayIp && !ROUTER_INTERFACE_OWNERS.has(deviceOwner)) {
    throw new ApiError('IP_ALREADY_ALLOCATED', `${field} ${formatIpv4(ip)} is the gateway of subnet ${subnet.id}`, field);
  }
  if (subnet.dynamicPools.some((p) => rangeContains(p, ip))) {
    throw new ApiError('INVALID_IP', `${field} ${formatIpv4(ip)} is inside a dynamic pool of subnet ${subnet.id}`, field);
  }
}

const hostLabel = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

/** Neutron's dns_name: a host name label (or empty), lower-cased. */
export function parseDnsName(text: string | undefined): string {
  if (text === undefined || text === '') return '';
  if (!hostLabel.test(text)) {
    throw new ApiError('VALIDATION_FAILED', `dns_name ${JSON.stringify(text)} is not a host name (letters, digits and inner hyphens, at most 63)`, 'dns_name');
  }
  return text.toLowerCase();
}

/**
 * extra_dhcp_opts, checked with protocol's option table (`checkDhcpOption`,
 * the check the agent makes before it answers): a dnsmasq option name or
 * Neutron alias (any case, "option:" and "force:" prefixes allowed) or a code
 * 1..254, and a value of that option's type in dnsmasq's syntax. Neutron's
 * API checks only their form and passes them to dnsmasq as they are; here
 * what the agent could not send is refused at the door: VALIDATION_FAILED on
 * `extra_dhcp_opts[i].opt_name` (unknown, or set by the server itself) or
 * `.opt_value` (not of the option's type). Names are kept lower-cased, values
 * as given.
 *
 * Entries with ip_version 6 are DHCPv6 options (dnsmasq's option6:), which no
 * DHCPv4 table knows: only their form is checked, as Neutron does (a name or
 * code without separators, a one-line value), and they come back apart, so
 * the DHCPv4 server never reads one. Returns [IPv4 options, IPv6 options]. Pure.
 */
export function parseExtraDhcpOpts(opts: readonly { opt_name: string; opt_value: string; ip_version?: 4 | 6 | undefined }[] | undefined): [ExtraDhcpOpt[], ExtraDhcpOpt[]] {
  const v4: ExtraDhcpOpt[] = [];
  const v6: ExtraDhcpOpt[] = [];
  (opts ?? []).forEach((opt, i) => {
    if (opt.ip_version === 6) {
      if (!/^[A-Za-z0-9:_!.-]+$/.test(opt.opt_name)) {
        throw new ApiError('VALIDATION_FAILED', `extra_dhcp_opts[${i}].opt_name: ${JSON.stringify(opt.opt_name)} is not a DHCPv6 option name or code`, `extra_dhcp_opts[${i}].opt_name`);
      }
      if (/[\x00-\x1f]/.test(opt.opt_value)) {
        throw new ApiError('VALIDATION_FAILED', `extra_dhcp_opts[${i}].opt_value: control characters are not allowed`, `extra_dhcp_opts[${i}].opt_value`);
      }
      v6.push({ optName: opt.opt_name.toLowerCase(), optValue: opt.opt_value });
      return;
    }
    const checked = checkDhcpOption(opt.opt_name, opt.opt_value);
    if ('error' in checked) {
      const field = `extra_dhcp_opts[${i}].${checked.field}`;
      throw new ApiError('VALIDATION_FAILED', `${field}: ${checked.error}`, field);
    }
    v4.push({ optName: opt.opt_name.toLowerCase(), optValue: opt.opt_value });
  });
  return [v4, v6];
}
