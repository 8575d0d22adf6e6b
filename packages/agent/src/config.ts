/** The agent's settings, with Neutron's names where Neutron has one. */
import { hostname } from 'node:os';
import type { ClientClassDirective } from './dhcp/client-classes.js';
import { defaultDhcpQueue, type DhcpQueueConfig } from './dhcp/packet-queue.js';
import { dhcpLimits, type DhcpLimitsOverrides } from './dhcp/rate-limit.js';
import type { AgentDnsOptions } from './dns/agent-dns.js';
import { defaultMetadataOptions, type MetadataOptions } from './metadata/options.js';
import { defaultSegmentConfig, type SegmentConfig } from './net/segment-devices.js';
import { defaultRaOptions, type RaOptions } from './ra/options.js';
import { defaultTftpOptions, type AgentTftpOptions } from './tftp/config.js';

export interface AgentConfig {
  /** Unique id of this agent (Neutron's agent host + binary); default: "dhcp-" + host name. */
  readonly agentId: string;
  readonly host: string;
  readonly availabilityZone: string;
  /** Physical network → interface (Neutron's physical_interface_mappings). "*" matches networks without one. */
  readonly interfaceMappings: Readonly<Record<string, string>>;
  /** Interfaces that only hear relayed requests (giaddr set), e.g. the uplink towards dhcrelay. */
  readonly relayInterfaces: readonly string[];
  /** Segments' devices: the VLAN interface template and the VXLAN underlay (local address, remote VTEPs or group, port). */
  readonly segments: SegmentConfig;
  /** How often to heartbeat (Neutron's report_interval, default 30 s). */
  readonly reportIntervalMs: number;
  /** A peer without a heartbeat for this long is dead (Neutron's agent_down_time, default 75 s). */
  readonly agentDownTimeMs: number;
  /** UDP port to serve on (67; tests may use another). */
  readonly dhcpPort: number;
  /** UDP port of the DHCPv6 server (547; tests may use another). */
  readonly dhcp6Port: number;
  /** Open sockets (off for tests that hand packets to the server directly). */
  readonly listen: boolean;
  /** Add the DHCP port's address to the interface when missing (Neutron does, in its namespace). */
  readonly configureInterfaces: boolean;
  readonly offerTtlMs: number;
  readonly declineQuarantineMs: number;
  /** The embedded DNS cache on the DHCP port addresses (port 0 or enabled false: off). */
  readonly dns: AgentDnsOptions;
  /** Flood and pool-starvation defences of the DHCP server (per-MAC and per-relay rate limits, leases per MAC). */
  readonly dhcpLimits: DhcpLimitsOverrides;
  /** Load shedding under overload (Kea's dhcp-queue-control): the packet queue's capacity, the age past which a waiting packet is dropped, packets with the server at once. */
  readonly dhcpQueue: DhcpQueueConfig;
  /** Client classes beside Neutron's two (ipxe, ipxe6): dnsmasq's dhcp-match, dhcp-userclass and dhcp-vendorclass lines, as in Neutron's dnsmasq_config_file; their tags select a port's `tag:` extra_dhcp_opts. */
  readonly dhcpClientClasses: readonly (readonly [ClientClassDirective, string])[];
  /** Isolated metadata (Neutron's enable_isolated_metadata, force_metadata, enable_metadata_network) and the proxy's upstream and secret (its metadata agent's nova_metadata_*, metadata_proxy_shared_secret). Off by default. */
  readonly metadata: MetadataOptions;
  /** The TFTP server for network boot (dnsmasq's enable-tftp, tftp-root, tftp-max): read-only, on the DHCP port addresses of the networks it is enabled on. Off by default. */
  readonly tftp: AgentTftpOptions;
  /** Router advertisements (dnsmasq's enable-ra) on networks whose IPv6 subnets have an ipv6_ra_mode. Off by default: Neutron's L3 agent (radvd) sends them. */
  readonly ipv6Ra: RaOptions;
  /** dnsmasq's log-dhcp: a line per DHCP packet and outcome, for every network (true) or these names or ids; false: off. */
  readonly logDhcp: boolean | readonly string[];
  /** dnsmasq's log-queries: a line per DNS query and answer of the embedded cache, for every network (true) or these names or ids. */
  readonly logQueries: boolean | readonly string[];
}

/**
 * `dhcp-<host>`, with every character a NATS subject token or user name
 * cannot hold turned into `-`: a host named `node1.example.org` gets the
 * agent id `dhcp-node1-example-org` (its subjects and credentials are keyed
 * on it). Pure.
 */
export function defaultAgentId(host: string): string {
  return `dhcp-${host.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

export function defaultAgentConfig(overrides: Partial<AgentConfig> = {}): AgentConfig {
  const host = overrides.host ?? hostname();
  return {
    agentId: defaultAgentId(host),
    host,
    availabilityZone: 'nova',
    interfaceMappings: {},
    relayInterfaces: [],
    segments: defaultSegmentConfig,
    reportIntervalMs: 30_000,
    agentDownTimeMs: 75_000,
    dhcpPort: 67,
    dhcp6Port: 547,
    listen: true,
    configureInterfaces: true,
    offerTtlMs: 60_000,
    declineQuarantineMs: 86_400_000,
    dns: { enabled: true, port: 53 },
    dhcpLimits: dhcpLimits(),
    dhcpQueue: defaultDhcpQueue,
    dhcpClientClasses: [],
    metadata: defaultMetadataOptions,
    tftp: defaultTftpOptions,
    ipv6Ra: defaultRaOptions,
    logDhcp: false,
    logQueries: false,
    ...overrides,
  };
}

/** Parses "physnet1:eth1,physnet2:eth2" (Neutron's syntax); throws with the bad entry named. */
export function parseInterfaceMappings(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [physnet, ifname, ...rest] = entry.split(':');
    if (!physnet || !ifname || rest.length > 0) throw new Error(`interface mapping "${entry}" is not physnet:interface`);
    if (out[physnet]) throw new Error(`physical network ${physnet} is mapped twice`);
    out[physnet] = ifname;
  }
  return out;
}
