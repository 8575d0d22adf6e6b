/**
 * What the agent advertises on a network's link: one Router Advertisement
 * built from the network's IPv6 subnets that have an `ipv6_ra_mode`, with
 * the flags Neutron's L3 agent has radvd send for each mode
 * (neutron/agent/linux/ra.py):
 *
 * | ipv6_ra_mode       | M | O | prefix A flag |
 * |--------------------|---|---|---------------|
 * | `dhcpv6-stateful`  | 1 | 1 | 0             |
 * | `dhcpv6-stateless` | 0 | 1 | 1             |
 * | `slaac`            | 0 | 0 | 1             |
 *
 * M and O are for the link, so one stateful subnet sets M and any DHCPv6
 * subnet sets O. Every prefix is on-link (L); its lifetimes are radvd's
 * defaults (valid 1 day, preferred 4 hours). The subnets' DNS servers go in
 * RDNSS and the network's dns_domain in DNSSL (RFC 8106), each for 3 ×
 * MaxRtrAdvInterval (its recommended floor); the network's MTU in an MTU
 * option, as radvd's AdvLinkMTU; the interface's MAC as the source
 * link-layer address. Pure.
 */
import { NdpType, parseIpv6Prefix, ipv6ToBytes, parseIpv6, type NdpOption, type NdpRouterAdvertisement, type NetworkState, type Subnet6State } from '@leasehold/protocol';

/** radvd's AdvValidLifetime and AdvPreferredLifetime defaults, seconds. */
const VALID_LIFETIME = 86_400;
const PREFERRED_LIFETIME = 14_400;
/** radvd's AdvCurHopLimit. */
const CUR_HOP_LIMIT = 64;

export interface AdvertisementInput {
  readonly network: Pick<NetworkState, 'mtu' | 'dnsDomain'>;
  readonly subnets: readonly Subnet6State[];
  /** The interface's MAC, "02:00:..."; none: no source link-layer address option. */
  readonly mac?: string | undefined;
  readonly maxIntervalS: number;
  /** The agent's host is advertised as the default router (when a subnet has a gateway). */
  readonly defaultRouter: boolean;
}

/** The advertisement, or undefined when no subnet has an `ipv6_ra_mode`. Pure. */
export function routerAdvertisement(input: AdvertisementInput): NdpRouterAdvertisement | undefined {
  const advertised = input.subnets.filter((s) => s.ipv6RaMode !== null);
  if (advertised.length === 0) return undefined;
  const lifetime = 3 * input.maxIntervalS;
  const options: NdpOption[] = [];
  if (input.mac !== undefined) options.push({ type: 1, value: Uint8Array.from(input.mac.split(':').map((b) => parseInt(b, 16))) });
  if (input.network.mtu > 0) options.push({ type: 5, value: input.network.mtu });
  for (const subnet of advertised) {
    const { address, prefix: length } = parseIpv6Prefix(subnet.cidr);
    options.push({
      type: 3,
      value: { prefixLength: length, onLink: true, autonomous: subnet.ipv6RaMode !== 'dhcpv6-stateful', validLifetime: VALID_LIFETIME, preferredLifetime: PREFERRED_LIFETIME, prefix: ipv6ToBytes(address) },
    });
  }
  const servers = [...new Set(advertised.flatMap((s) => s.dnsNameservers))];
  if (servers.length > 0) options.push({ type: 25, value: { lifetime, servers: servers.map((s) => ipv6ToBytes(parseIpv6(s))) } });
  const domain = input.network.dnsDomain.replace(/\.$/, '');
  if (domain !== '') options.push({ type: 31, value: { lifetime, domains: [`${domain}.`] } });
  const router = input.defaultRouter && advertised.some((s) => s.gatewayIp !== null);
  return {
    type: NdpType.RouterAdvertisement,
    curHopLimit: CUR_HOP_LIMIT,
    managed: advertised.some((s) => s.ipv6RaMode === 'dhcpv6-stateful'),
    other: advertised.some((s) => s.ipv6RaMode !== 'slaac'),
    // dnsmasq's default with enable-ra (and radvd's): 3 × MaxRtrAdvInterval, inside RFC 4861's 9000 s.
    routerLifetime: router ? Math.min(3 * input.maxIntervalS, 9000) : 0,
    reachableTime: 0,
    retransTimer: 0,
    options,
  };
}
