/**
 * The DHCPv6 server's view of each served network (view.ts's Dhcp6LinkView),
 * built from the agent's model. What changes with the network and its ports
 * (subnets, pools, DNS servers, domain, static ports) is built once per
 * network and rebuilt after a change of either; what changes with every
 * lease is read from the network's IPv6 lease table at the packet's time.
 *
 * Which subnets are served follows Neutron's DHCP agent (dnsmasq's ranges):
 * enable_dhcp and `ipv6_address_mode` dhcpv6-stateful or neither mode set
 * (stateful: addresses from the pools), dhcpv6-stateless (configuration
 * only, the address from SLAAC); a slaac subnet gets no DHCPv6 at all.
 *
 * A subnet without dns_nameservers gets the agent's own addresses in its
 * prefix where the agent's DNS cache answers (`ownDns`, told by the
 * reconciler), as Neutron's dnsmasq offers itself (`option6:dns-server,[::]`).
 */
import { ipv6PrefixContains, parseIpv6, parseIpv6Prefix, type Dhcp6Duid, type Ipv6, type Subnet6State } from '@leasehold/protocol';
import type { AgentModel } from '../state/agent-model.js';
import type { Dhcp6LinkView, Dhcp6SubnetView } from './view.js';

/** The part of a network's view that changes only with the network and its ports. */
interface StaticLink {
  readonly subnets: readonly Dhcp6SubnetView[];
  readonly leaseTime: number;
  readonly reservations: ReadonlyMap<string, Ipv6>;
  /** Ports' IPv6 addresses, held by `port:<id>`: never given to another client. */
  readonly ports: ReadonlyMap<Ipv6, string>;
}

/** Seconds of a lease when a subnet says -1 (infinite): RFC 8415 7.7's infinity. */
const INFINITY = 0xffff_ffff;

/** The DHCPv6 mode of a subnet as served, or undefined when DHCPv6 does not serve it. Pure. */
export function dhcp6Mode(subnet: Subnet6State): 'stateful' | 'stateless' | undefined {
  if (!subnet.enableDhcp) return undefined;
  if (subnet.ipv6AddressMode === 'dhcpv6-stateless') return 'stateless';
  if (subnet.ipv6AddressMode === 'dhcpv6-stateful' || (subnet.ipv6AddressMode === null && subnet.ipv6RaMode === null)) return 'stateful';
  return undefined;
}

export class Dhcp6Links {
  private readonly cache = new Map<string, StaticLink | null>();

  constructor(
    private readonly model: Pick<AgentModel, 'network' | 'subnets6' | 'portsOf' | 'lease6Table' | 'onChange'>,
    private readonly serverDuid: Dhcp6Duid,
    private readonly ownDns: (networkId: string) => readonly Ipv6[] = () => [],
  ) {
    model.onChange((change) => {
      if (change.kind === 'network' || change.kind === 'port') this.cache.delete(change.networkId);
    });
  }

  /** Whether the network has a subnet DHCPv6 serves. */
  serves(networkId: string): boolean {
    return this.link(networkId) !== undefined;
  }

  /** Whether a DHCPv6 subnet of the network contains `address` (a relay's link-address). */
  contains(networkId: string, address: Ipv6): boolean {
    return this.link(networkId)?.subnets.some((s) => ipv6PrefixContains(s.prefix, address)) ?? false;
  }

  /** The network's view at `now`, or undefined when DHCPv6 serves none of its subnets. */
  view(networkId: string, now: number): Dhcp6LinkView | undefined {
    const link = this.link(networkId);
    if (link === undefined) return undefined;
    const table = this.model.lease6Table(networkId);
    const own = link.subnets.some((s) => s.dnsServers.length === 0) ? this.ownDns(networkId) : [];
    return {
      serverDuid: this.serverDuid,
      subnets: own.length === 0 ? link.subnets : link.subnets.map((s) => (s.dnsServers.length > 0 ? s : { ...s, dnsServers: own.filter((a) => ipv6PrefixContains(s.prefix, a)) })),
      leaseTime: link.leaseTime,
      rapidCommit: true,
      bindings: { get: (identity) => table.binding(identity) },
      holders: { get: (address) => table.holderAt(address, now) ?? link.ports.get(address) },
      reservations: link.reservations,
    };
  }

  private link(networkId: string): StaticLink | undefined {
    let link = this.cache.get(networkId);
    if (link === undefined) this.cache.set(networkId, (link = this.build(networkId) ?? null));
    return link ?? undefined;
  }

  private build(networkId: string): StaticLink | undefined {
    const network = this.model.network(networkId);
    if (!network) return undefined;
    const served = this.model.subnets6(networkId).flatMap((s) => {
      const mode = dhcp6Mode(s);
      return mode === undefined ? [] : [{ subnet: s, mode }];
    });
    if (served.length === 0) return undefined;
    const domain = network.dnsDomain.replace(/\.$/, '');
    const subnets: Dhcp6SubnetView[] = served.map(({ subnet, mode }) => ({
      prefix: parseIpv6Prefix(subnet.cidr),
      mode,
      pools: mode === 'stateful' ? subnet.allocationPools.map((p) => ({ start: parseIpv6(p.first), end: parseIpv6(p.last) })) : [],
      dnsServers: subnet.dnsNameservers.map(parseIpv6),
      domainList: domain === '' ? [] : [`${domain}.`],
    }));
    const leaseTime = Math.min(...served.map(({ subnet }) => (subnet.leaseDuration < 0 ? INFINITY : subnet.leaseDuration)));
    const stateful = new Set(served.filter((s) => s.mode === 'stateful').map((s) => s.subnet.id));
    const reservations = new Map<string, Ipv6>();
    const ports = new Map<Ipv6, string>();
    for (const port of this.model.portsOf(networkId)) {
      for (const fixed of port.fixedIps6 ?? []) {
        const address = parseIpv6(fixed.ipAddress);
        ports.set(address, `port:${port.id}`);
        if (stateful.has(fixed.subnetId) && !reservations.has(port.macAddress)) reservations.set(port.macAddress, address);
      }
    }
    return { subnets, leaseTime, reservations, ports };
  }
}
