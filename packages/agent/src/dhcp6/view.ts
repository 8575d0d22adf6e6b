/**
 * What the DHCPv6 decision core needs to know about one link: the network's
 * v6 view. The runtime builds it from the agent's model and its IPv6 lease
 * table (link-views.ts); the core only reads it. Addresses are protocol's `Ipv6`
 * bigints (usable as Map keys); the codec's 16-byte values are turned into
 * them here.
 */
import { dhcp6DuidKey, type Dhcp6Duid, type Ipv6, type Ipv6Prefix } from '@leasehold/protocol';

/** What the core asks of a table: one key at a time (a Map is one; the runtime's views read the lease table at the packet's time). */
export interface Lookup<K, V> {
  get(key: K): V | undefined;
}

/** One subnet of the link, as Neutron's `ipv6_address_mode` shapes it. */
export interface Dhcp6SubnetView {
  readonly prefix: Ipv6Prefix;
  /**
   * `stateful` (dhcpv6-stateful) hands out addresses from `pools`;
   * `stateless` (dhcpv6-stateless, slaac) answers INFORMATION-REQUEST only,
   * the addresses come from SLAAC.
   */
  readonly mode: 'stateful' | 'stateless';
  /** Inclusive ranges inside `prefix`. */
  readonly pools: readonly { readonly start: Ipv6; readonly end: Ipv6 }[];
  /** DNS_SERVERS (23) for clients on this subnet. */
  readonly dnsServers: readonly Ipv6[];
  /** DOMAIN_LIST (24), fully qualified names. */
  readonly domainList: readonly string[];
}

/** A client's lease on one IA: the address and when its valid lifetime ends (ms since the epoch). */
export interface Dhcp6Binding {
  readonly address: Ipv6;
  readonly validUntil: number;
}

export interface Dhcp6LinkView {
  /** This server's DUID (SERVERID); messages naming another server are not ours. */
  readonly serverDuid: Dhcp6Duid;
  readonly subnets: readonly Dhcp6SubnetView[];
  /** Seconds: the preferred and valid lifetime of every address; T1 = 1/2 and T2 = 4/5 of it (RFC 8415 21.4). */
  readonly leaseTime: number;
  /** Whether a SOLICIT with RAPID_COMMIT may be answered with a committed REPLY (RFC 8415 18.3.1). */
  readonly rapidCommit: boolean;
  /** INFORMATION_REFRESH_TIME (32) for stateless replies, seconds; left out when undefined. */
  readonly informationRefreshTime?: number;
  /** Current leases by identity (`dhcp6Identity`: DUID + IAID, RFC 8415 section 12). */
  readonly bindings: Lookup<string, Dhcp6Binding>;
  /** Every address someone holds (a lease's identity, or a port's `port:<id>`): allocation skips them. */
  readonly holders: Lookup<Ipv6, string>;
  /**
   * Static ports by MAC (lower-case, colon-separated): dnsmasq matches a
   * `dhcp-host` MAC against the link-layer address in the client's DUID-LL
   * or DUID-LLT, else the relay's CLIENT_LINKLAYER_ADDR or the client's
   * neighbour entry, and Neutron's static IPv6 ports rely on it.
   */
  readonly reservations: ReadonlyMap<string, Ipv6>;
}

/** The lease table's key for one IA: the DUID's bytes (compared as opaque, RFC 8415 11) and the IAID. Pure. */
export function dhcp6Identity(duid: Dhcp6Duid, iaid: number): string {
  return `${dhcp6DuidKey(duid)}/${iaid}`;
}

/** The 16 wire bytes of an address as an `Ipv6`. Pure. */
export function ipv6FromBytes(bytes: Uint8Array): Ipv6 {
  let value = 0n;
  for (let i = 0; i < 16; i++) value = (value << 8n) | BigInt(bytes[i] ?? 0);
  return value;
}

/** The client's MAC from a DUID-LL or DUID-LLT of an Ethernet interface (hardware type 1), else undefined. Pure. */
export function duidMac(duid: Dhcp6Duid): string | undefined {
  if ((duid.kind !== 'll' && duid.kind !== 'llt') || duid.hardwareType !== 1 || duid.linkLayerAddress.length !== 6) return undefined;
  return Array.from(duid.linkLayerAddress, (b) => b.toString(16).padStart(2, '0')).join(':');
}
