/**
 * Events of the network aggregate (subject `lh.evt.network.<networkId>`). A
 * network's subnets live in the same aggregate, so rules that span subnets
 * (no two subnets of a network overlap) are checked against one version.
 * IPv4 addresses are `Ipv4` numbers, as everywhere in memory and in events;
 * an IPv6 subnet's (`Subnet6State`, its own event types) are RFC 5952 text.
 */
import type { Ipv4 } from '../ipv4/address.js';
import type { Ipv4Cidr } from '../ipv4/cidr.js';
import type { Ipv4Range } from '../ipv4/range.js';

/** Neutron's provider network types Leasehold serves (ML2's flat, vlan and vxlan type drivers). */
export type NetworkType = 'flat' | 'vlan' | 'vxlan';

/**
 * Neutron's standard attributes a client may set on a network, subnet or port
 * (description, tags): kept and shown, read by no agent. Absent in events
 * written before them, meaning "" and none.
 */
export interface StandardAttributes {
  readonly description?: string;
  readonly tags?: readonly string[];
}

export interface NetworkState extends StandardAttributes {
  readonly id: string;
  readonly name: string;
  readonly adminStateUp: boolean;
  readonly mtu: number;
  /** Domain for the names of the network's ports, e.g. "example.org." (Neutron's dns_domain). */
  readonly dnsDomain: string;
  readonly availabilityZoneHints: readonly string[];
  /** Neutron's provider:physical_network; agents map it to an interface. */
  readonly physicalNetwork: string | null;
  /**
   * Neutron's provider:network_type. Absent in events written before segments,
   * and null for a network created without one and without a physical network
   * (served on an agent's `*` interface or relays, as before segments): read
   * both through `networkSegment` (segment.ts), which gives the one answer.
   */
  readonly networkType?: NetworkType | null;
  /** Neutron's provider:segmentation_id: the VLAN id (vlan) or VNI (vxlan); null or absent for flat and untyped networks. */
  readonly segmentationId?: number | null;
  /**
   * Neutron's project_id (tenant_id): whose quota the network and its subnets count
   * against. Set at creation, never changed; absent in events written before quotas.
   */
  readonly projectId?: string;
  /** Neutron's shared and port_security_enabled: kept and shown, no effect in Leasehold (no RBAC, no security groups). Absent: false and true. */
  readonly shared?: boolean;
  readonly portSecurityEnabled?: boolean;
  /**
   * Leasehold's own network attribute `leasehold:isolated_metadata`: true, the
   * network gets isolated metadata (the route to 169.254.169.254 and the
   * proxy, as the agent's enable_isolated_metadata would give it); false, it
   * gets none whatever the agent's settings; null or absent (events written
   * before it), the agent's settings decide.
   */
  readonly isolatedMetadata?: boolean | null;
}

export interface HostRoute {
  readonly destination: Ipv4Cidr;
  readonly nexthop: Ipv4;
}

export interface SubnetState extends StandardAttributes {
  readonly id: string;
  readonly networkId: string;
  readonly name: string;
  readonly cidr: Ipv4Cidr;
  readonly gatewayIp: Ipv4 | null;
  /** Addresses IPAM gives to ports (Neutron's allocation_pools). */
  readonly allocationPools: readonly Ipv4Range[];
  /** Addresses agents lease to unknown clients (dnsmasq's dhcp-range); disjoint from allocationPools. */
  readonly dynamicPools: readonly Ipv4Range[];
  readonly dnsNameservers: readonly Ipv4[];
  readonly hostRoutes: readonly HostRoute[];
  readonly enableDhcp: boolean;
  /** Seconds; -1 means infinite (Neutron's dhcp_lease_duration). */
  readonly leaseDuration: number;
}

/** Neutron's ipv6_address_mode and ipv6_ra_mode values. */
export type Ipv6Mode = 'slaac' | 'dhcpv6-stateful' | 'dhcpv6-stateless';

/** An inclusive range of IPv6 addresses, as RFC 5952 text. */
export interface Ipv6TextRange {
  readonly first: string;
  readonly last: string;
}

/**
 * An IPv6 subnet (Neutron's ip_version 6). Its own type, beside `SubnetState`,
 * so that every IPv4 reader (DHCPv4 scopes, pool bitsets) keeps the numbers it
 * folds and never meets an IPv6 subnet by accident. Every address is RFC 5952
 * text (protocol's ipv6/: `formatIpv6`), one spelling per address.
 */
export interface Subnet6State extends StandardAttributes {
  readonly id: string;
  readonly networkId: string;
  readonly name: string;
  /** e.g. "2001:db8:1::/64", host bits clear. */
  readonly cidr: string;
  readonly gatewayIp: string | null;
  /** Addresses IPAM gives to ports of a dhcpv6-stateful (or mode-less) subnet; slaac and dhcpv6-stateless ports take their EUI-64 address instead. */
  readonly allocationPools: readonly Ipv6TextRange[];
  readonly dnsNameservers: readonly string[];
  readonly hostRoutes: readonly { readonly destination: string; readonly nexthop: string }[];
  readonly enableDhcp: boolean;
  readonly ipv6AddressMode: Ipv6Mode | null;
  readonly ipv6RaMode: Ipv6Mode | null;
  /** Seconds; -1 means infinite (Neutron's dhcp_lease_duration). */
  readonly leaseDuration: number;
}

export type NetworkChanges = Partial<Omit<NetworkState, 'id' | 'projectId'>>;
export type SubnetChanges = Partial<Omit<SubnetState, 'id' | 'networkId' | 'cidr'>>;
/** The modes are set at creation only (a port's EUI-64 address depends on them). */
export type Subnet6Changes = Partial<Omit<Subnet6State, 'id' | 'networkId' | 'cidr' | 'ipv6AddressMode' | 'ipv6RaMode'>>;

export interface NetworkEventData {
  NetworkCreated: { readonly network: NetworkState };
  NetworkUpdated: { readonly changes: NetworkChanges };
  NetworkDeleted: Record<string, never>;
  SubnetCreated: { readonly subnet: SubnetState };
  SubnetUpdated: { readonly subnetId: string; readonly changes: SubnetChanges };
  /** Deletes a subnet of either version. */
  SubnetDeleted: { readonly subnetId: string };
  Subnet6Created: { readonly subnet: Subnet6State };
  Subnet6Updated: { readonly subnetId: string; readonly changes: Subnet6Changes };
}

export type NetworkEventType = keyof NetworkEventData;
