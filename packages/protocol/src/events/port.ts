/**
 * Events of ports (subject `lh.evt.port.<portId>`) and of the claims that make
 * IPAM and MAC uniqueness safe under concurrency: one subject per address
 * (`lh.evt.ipam.<networkId>.<ip>`) and per MAC (`lh.evt.mac.<networkId>.<mac>`),
 * each written with an expected sequence, so two writers can never both win;
 * and per segment (`lh.evt.segment.<scope>.<id>`, segment.ts), so two networks
 * never serve on one.
 */
import type { Ipv4 } from '../ipv4/address.js';
import type { NetworkType, StandardAttributes } from './network.js';

export interface FixedIp {
  readonly subnetId: string;
  readonly ipAddress: Ipv4;
}

/** An IPv6 fixed IP: the address as RFC 5952 text. */
export interface FixedIp6 {
  readonly subnetId: string;
  readonly ipAddress: string;
}

/** A Neutron extra_dhcp_opt: an option by name ("router", "dns-server") or number ("121"), with its value as text. */
export interface ExtraDhcpOpt {
  readonly optName: string;
  readonly optValue: string;
}

/** Neutron's allowed_address_pairs entry: an address or CIDR (IPv4 or IPv6 text), and a MAC when not the port's own. */
export interface AllowedAddressPair {
  readonly ipAddress: string;
  readonly macAddress?: string;
}

export interface PortState extends StandardAttributes {
  readonly id: string;
  readonly networkId: string;
  readonly name: string;
  /** Lower-case, colon-separated: "fa:16:3e:00:00:01". */
  readonly macAddress: string;
  readonly fixedIps: readonly FixedIp[];
  /**
   * Its IPv6 addresses (Neutron lists them in fixed_ips with the IPv4 ones):
   * the EUI-64 address on slaac and dhcpv6-stateless subnets, a pool address
   * on the others. Absent in events written before IPv6, meaning none.
   */
  readonly fixedIps6?: readonly FixedIp6[];
  /** Host name the port's address answers to in DNS; "" for none. */
  readonly dnsName: string;
  readonly extraDhcpOpts: readonly ExtraDhcpOpt[];
  /**
   * Its extra_dhcp_opts with ip_version 6 (DHCPv6 options, dnsmasq's
   * option6:), apart so the DHCPv4 server never reads one. Absent in events
   * written before IPv6, meaning none.
   */
  readonly extraDhcpOpts6?: readonly ExtraDhcpOpt[];
  /** e.g. "compute:nova", or "network:dhcp" for an agent's DHCP port. */
  readonly deviceOwner: string;
  readonly deviceId: string;
  readonly adminStateUp: boolean;
  /**
   * Neutron's project_id (tenant_id): whose port quota the port counts against (a DHCP
   * port counts against none). Set at creation, never changed; absent in events written
   * before quotas, where the network's project stands in.
   */
  readonly projectId?: string;
  /**
   * Neutron's port_security_enabled, binding:host_id, binding:profile and
   * allowed_address_pairs: kept and shown for clients (Nova sets them), read
   * by no agent (Leasehold has no security groups and no L2 binding). Absent
   * in events written before them: true, "", {} and none.
   */
  readonly portSecurityEnabled?: boolean;
  readonly bindingHostId?: string;
  readonly bindingProfile?: Readonly<Record<string, unknown>>;
  readonly allowedAddressPairs?: readonly AllowedAddressPair[];
}

export type PortChanges = Partial<Omit<PortState, 'id' | 'networkId' | 'projectId'>>;

export interface PortEventData {
  PortCreated: { readonly port: PortState };
  PortUpdated: { readonly changes: PortChanges };
  PortDeleted: { readonly networkId: string };
}

export interface ClaimEventData {
  /** An address of a subnet's allocation pools (or requested explicitly) now belongs to a port. */
  IpAllocated: { readonly networkId: string; readonly subnetId: string; readonly ip: Ipv4; readonly portId: string };
  IpReleased: { readonly networkId: string; readonly subnetId: string; readonly ip: Ipv4; readonly portId: string };
  /** The same for an IPv6 pool address (RFC 5952 text, which is also its subject token: `lh.evt.ipam.<network>.2001:db8::5`). */
  Ip6Allocated: { readonly networkId: string; readonly subnetId: string; readonly ip: string; readonly portId: string };
  Ip6Released: { readonly networkId: string; readonly subnetId: string; readonly ip: string; readonly portId: string };
  /** A MAC address is now used by a port of the network. */
  MacClaimed: { readonly networkId: string; readonly mac: string; readonly portId: string };
  MacReleased: { readonly networkId: string; readonly mac: string; readonly portId: string };
  /** A segment (segment.ts) is now the network's: no other network may serve on it. */
  SegmentClaimed: SegmentClaim;
  SegmentReleased: SegmentClaim;
}

/** A claim on a segment: the network and its segment's three fields. */
export interface SegmentClaim {
  readonly networkId: string;
  readonly networkType: NetworkType;
  readonly physicalNetwork: string | null;
  readonly segmentationId: number | null;
}

export type PortEventType = keyof PortEventData;
export type ClaimEventType = keyof ClaimEventData;
