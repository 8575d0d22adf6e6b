/**
 * The DHCP server's (server.ts) types: the networks it serves, where a
 * datagram came in, the durable-write step, its options, a reply, and the
 * scope a packet is matched to. Types only: nothing here runs per packet.
 */
import type { JournaledLeaseEvent, LeaseTable } from '@leasehold/lease-actor';
import type { Ipv4, NetworkState, SubnetState } from '@leasehold/protocol';
import type { AgentModel } from '../state/agent-model.js';
import type { ClientClassRule } from './client-classes.js';
import type { DhcpLimitsOverrides } from './rate-limit.js';
import type { DhcpTransactionLog } from './transaction-log.js';

/** A network this agent serves, and where. */
export interface ServedNetwork {
  readonly networkId: string;
  /** The interface its clients are on; undefined when it is reached through relays only. */
  readonly ifname: string | undefined;
  /** The agent's address (its DHCP port's fixed IP) on each subnet: the server identifier. */
  readonly serverIps: ReadonlyMap<string, Ipv4>;
  /** The other bound agents' DHCP port addresses on each subnet, DNS servers besides this one (none: this one alone). */
  readonly peerServerIps?: ReadonlyMap<string, readonly Ipv4[]>;
  /** Per subnet, the next hop of the route to 169.254.169.254/32 in option 121 (isolated metadata: metadata/isolation.ts); none: no route. */
  readonly metadataRoutes?: ReadonlyMap<string, Ipv4>;
}

/** Where a datagram came in. */
export interface Arrival {
  /** The interface of the socket that heard it; undefined for the relay-only socket. */
  readonly ifname: string | undefined;
  /** An address of that interface (server identifier for relayed clients). */
  readonly ifaddr: Ipv4 | undefined;
}

/** The durable-write step (the agent's is `JournalLeaseWriter`, lease-writer.ts). */
export interface LeaseWriter {
  /** Appends one lease event with an expected version; resolves with its stream sequence once durable. */
  append(networkId: string, event: JournaledLeaseEvent, expectedVersion: number): Promise<number>;
}

/** What a `DhcpServer` is given: the model it reads, the writer it journals through, what it serves. */
export interface DhcpServerOptions {
  readonly agentId: string;
  readonly model: AgentModel;
  readonly writer: LeaseWriter;
  readonly served: () => Iterable<ServedNetwork>;
  /** The live agents bound to a network (this one included), for the RFC 3074 split. */
  readonly liveAgents: (networkId: string) => readonly string[];
  /** Flood and starvation defences; unset fields take `defaultDhcpLimits`. */
  readonly limits?: DhcpLimitsOverrides;
  readonly now?: () => number;
  /** Client classes (dnsmasq's dhcp-match, dhcp-userclass, dhcp-vendorclass) whose tags select a port's `tag:` extra_dhcp_opts; default Neutron's two (ipxe, ipxe6). */
  readonly clientClasses?: readonly ClientClassRule[];
  /** dnsmasq's log-dhcp: one line per packet and outcome; unset, a packet pays one check. */
  readonly transactions?: DhcpTransactionLog;
}

/** A reply datagram and where it goes (client-message.ts `destination`). */
export interface Reply {
  readonly bytes: Uint8Array;
  readonly address: string;
  readonly port: number;
}

/** The network, subnets and lease table a packet was matched to (scopes.ts), and where it came in. */
export interface Scope {
  readonly served: ServedNetwork;
  readonly network: NetworkState;
  /** Subnets a client here may get an address from: the relay's, or every DHCP subnet of the link. */
  readonly subnets: readonly SubnetState[];
  readonly table: LeaseTable;
  readonly arrival: Arrival;
}
