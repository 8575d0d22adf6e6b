/**
 * Events of the network aggregate (subject `lh.evt.network.<networkId>`). A
 * network's subnets live in the same aggregate, so rules that span subnets
 * (no two subnets of a network overlap) are checked against one version.
 * Addresses are `Ipv4` numbers, as everywhere in memory and in events.
 */
import type { Ipv4 } from '../ipv4/address.js';
import type { Ipv4Cidr } from '../ipv4/cidr.js';
import type { Ipv4Range } from '../ipv4/range.js';

/** Neutron's provider network types Leasehold serves (ML2's flat, vlan and vxlan type drivers). */
export type NetworkType = 'flat' | 'vlan' | 'vxlan';

export interface NetworkState {
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
}

export interface HostRoute {
  readonly destination: Ipv4Cidr;
  readonly nexthop: Ipv4;
}

export interface SubnetState {
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

export type NetworkChanges = Partial<Omit<NetworkState, 'id' | 'projectId'>>;
export type SubnetChanges = Partial<Omit<SubnetState, 'id' | 'networkId' | 'cidr'>>;

export interface NetworkEventData {
  NetworkCreated: { readonly network: NetworkState };
  NetworkUpdated: { readonly changes: NetworkChanges };
  NetworkDeleted: Record<string, never>;
  SubnetCreated: { readonly subnet: SubnetState };
  SubnetUpdated: { readonly subnetId: string; readonly changes: SubnetChanges };
  SubnetDeleted: { readonly subnetId: string };
}

export type NetworkEventType = keyof NetworkEventData;
