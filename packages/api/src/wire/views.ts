/**
 * Resources as the API shows them, the reply bodies' types: Neutron's field
 * names, addresses as dotted text, `revision_number` the aggregate's
 * version, and a resource's project under both of Neutron's names. The
 * server's view functions (one beside each resource's handlers) build them;
 * clients read them. Types only: nothing here runs.
 */

export interface NetworkView {
  readonly id: string;
  readonly name: string;
  readonly admin_state_up: boolean;
  /** ACTIVE, or DOWN when admin_state_up is false. */
  readonly status: string;
  readonly mtu: number;
  /** With its final dot (`example.org.`), or empty. */
  readonly dns_domain: string;
  readonly availability_zone_hints: string[];
  readonly 'provider:physical_network': string | null;
  /** flat, vlan or vxlan; null for a network without a segment of its own (no type and no physical network). */
  readonly 'provider:network_type': 'flat' | 'vlan' | 'vxlan' | null;
  /** The VLAN id or VNI; null for flat and untyped networks. */
  readonly 'provider:segmentation_id': number | null;
  /** Its subnets' ids. */
  readonly subnets: string[];
  readonly project_id: string;
  readonly tenant_id: string;
  readonly revision_number: number;
  /** Neutron's standard attributes, kept and shown, no effect on serving. */
  readonly description: string;
  readonly tags: string[];
  /** Neutron's `2026-12-07T05:58:22Z`: the first and the last event of the resource; null when unknown. */
  readonly created_at: string | null;
  readonly updated_at: string | null;
  /** Kept and shown; no effect (no RBAC, no security groups). */
  readonly shared: boolean;
  readonly port_security_enabled: boolean;
  /** Isolated metadata on this network: true or false whatever the agents' settings say; null, as their settings say. */
  readonly 'leasehold:isolated_metadata': boolean | null;
}

export interface SubnetView {
  readonly id: string;
  readonly network_id: string;
  readonly name: string;
  readonly ip_version: 4 | 6;
  /** slaac, dhcpv6-stateful, dhcpv6-stateless or null (always null for IPv4). */
  readonly ipv6_address_mode: 'slaac' | 'dhcpv6-stateful' | 'dhcpv6-stateless' | null;
  readonly ipv6_ra_mode: 'slaac' | 'dhcpv6-stateful' | 'dhcpv6-stateless' | null;
  readonly cidr: string;
  readonly gateway_ip: string | null;
  readonly allocation_pools: { start: string; end: string }[];
  /** DHCPv4 dynamic ranges; always empty for IPv6. */
  readonly dynamic_pools: { start: string; end: string }[];
  readonly dns_nameservers: string[];
  readonly host_routes: { destination: string; nexthop: string }[];
  readonly enable_dhcp: boolean;
  /** Seconds; -1 for infinite. */
  readonly lease_duration: number;
  /** Its network's project. */
  readonly project_id: string;
  readonly tenant_id: string;
  /** Its network's version (a subnet is part of the network aggregate). */
  readonly revision_number: number;
  /** Neutron's standard attributes, kept and shown, no effect on serving. */
  readonly description: string;
  readonly tags: string[];
  /** Neutron's `2026-12-07T05:58:22Z`: the first and the last event of the resource; null when unknown. */
  readonly created_at: string | null;
  readonly updated_at: string | null;
}

export interface PortView {
  readonly id: string;
  readonly network_id: string;
  readonly name: string;
  readonly mac_address: string;
  readonly fixed_ips: { subnet_id: string; ip_address: string }[];
  readonly dns_name: string;
  /** One entry per fixed IP when the port has a dns_name: `<dns_name>.<network's dns_domain>`. */
  readonly dns_assignment: { hostname: string; ip_address: string; fqdn: string }[];
  readonly extra_dhcp_opts: { opt_name: string; opt_value: string; ip_version: number }[];
  readonly device_owner: string;
  readonly device_id: string;
  readonly admin_state_up: boolean;
  /** ACTIVE, or DOWN when admin_state_up is false. */
  readonly status: string;
  readonly project_id: string;
  readonly tenant_id: string;
  readonly revision_number: number;
  /** Neutron's standard attributes, kept and shown, no effect on serving. */
  readonly description: string;
  readonly tags: string[];
  /** Neutron's `2026-12-07T05:58:22Z`: the first and the last event of the resource; null when unknown. */
  readonly created_at: string | null;
  readonly updated_at: string | null;
  /** Kept and shown; no effect (no security groups, no L2 binding). */
  readonly port_security_enabled: boolean;
  readonly 'binding:host_id': string;
  readonly 'binding:profile': Record<string, unknown>;
  /** A pair without a MAC of its own shows the port's. */
  readonly allowed_address_pairs: { ip_address: string; mac_address: string }[];
}

export interface AgentView {
  readonly id: string;
  readonly agent_type: string;
  readonly binary: string;
  readonly host: string;
  readonly availability_zone: string;
  readonly alive: boolean;
  readonly admin_state_up: boolean;
  readonly heartbeat_timestamp: string | null;
  readonly networks: string[];
  readonly configurations: {
    interface_mappings: Readonly<Record<string, string>>;
    /** Interfaces that hear only relayed requests (empty for agents that report none). */
    relay_interfaces: readonly string[];
    networks: number;
    ports: number;
    report_interval_ms: number | null;
  };
  readonly version: string;
  readonly revision_number: number;
}

export interface LeaseView {
  readonly network_id: string;
  /** 4: a DHCPv4 lease; 6: a DHCPv6 one (its address in RFC 5952 text). */
  readonly ip_version: 4 | 6;
  readonly ip_address: string;
  /** An IPv6 lease's: the MAC the agent knew (its DUID's, a relay's), '' when none. */
  readonly mac_address: string;
  /** The DHCPv4 client identifier (option 61), hex; null for an IPv6 lease. */
  readonly client_id: string | null;
  /** The DHCPv6 holder: its DUID (hex) and IAID; null for an IPv4 lease. */
  readonly duid: string | null;
  readonly iaid: number | null;
  readonly hostname: string | null;
  readonly state: string;
  readonly expires_at: string | null;
  readonly updated_at: string;
}
