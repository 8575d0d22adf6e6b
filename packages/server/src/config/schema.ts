/**
 * The shape of `leasehold.yaml`: one section per part of the system, with
 * Neutron's option names where Neutron has one and dnsmasq's in the `dns`
 * section. Durations are seconds, as in neutron.conf. Every key has a default,
 * so an empty file (or none) is a valid configuration. Values may also arrive
 * as text (environment variables, flags): numbers and booleans are read from
 * text here, so every source goes through the same checks.
 */
import { parseClientClassRule, type ClientClassDirective } from '@leasehold/agent';
import { STRATEGIES } from '@leasehold/scheduler';
import { z } from 'zod';

const fromText = (read: (text: string) => unknown) => (value: unknown) => (typeof value === 'string' ? read(value.trim()) : value);

const numberText = fromText((t) => (t !== '' && Number.isFinite(Number(t)) ? Number(t) : t));
const booleanText = fromText((t) => ({ true: true, yes: true, on: true, '1': true, false: false, no: false, off: false, '0': false })[t.toLowerCase()] ?? t);
/** A comma-separated text is a list, as on the command line. */
const listText = fromText((t) => t.split(',').map((s) => s.trim()).filter(Boolean));

const integer = (min: number, max: number) => z.preprocess(numberText, z.number().int().min(min).max(max));
const seconds = () => z.preprocess(numberText, z.number().positive().max(86_400 * 365));
const flag = () => z.preprocess(booleanText, z.boolean());
const names = () => z.preprocess(listText, z.array(z.string().min(1)));
/** true / false, or the networks (names or ids) it applies to: `dhcp: true`, `dhcp: [demo, lab]`, `LEASEHOLD_LOG_DHCP=demo,lab`. */
const perNetwork = () =>
  z.preprocess(
    fromText((t) => ({ true: true, yes: true, on: true, '1': true, false: false, no: false, off: false, '0': false, '': false })[t.toLowerCase()] ?? t.split(',').map((s) => s.trim()).filter(Boolean)),
    z.union([z.boolean(), z.array(z.string().min(1))]),
  );

/** "physnet:interface,..." (Neutron's physical_interface_mappings) or a map. */
const interfaceMappings = z.preprocess(
  fromText((t) => {
    const out: Record<string, string> = {};
    for (const entry of t.split(',').map((e) => e.trim()).filter(Boolean)) {
      const at = entry.lastIndexOf(':');
      if (at <= 0) return t; // left as text: the record check below names the field
      out[entry.slice(0, at)] = entry.slice(at + 1);
    }
    return out;
  }),
  z.record(z.string().min(1), z.string().regex(/^[\w.:-]{1,15}$/, 'is not an interface name')),
);

/** One dnsmasq option's value(s): `server: [198.18.255.1, 198.18.255.9]`, `cache-size: 1000`, `no-resolv: true`. */
const dnsValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]);

/**
 * dnsmasq lines of one client-class directive (Neutron's dnsmasq_config_file),
 * each checked as the agent reads it; a text (an environment variable) is
 * split on semicolons, since the lines hold commas.
 */
const classLines = (directive: ClientClassDirective) =>
  z.preprocess(
    fromText((t) => t.split(';').map((s) => s.trim()).filter(Boolean)),
    z.array(
      z.string().superRefine((line, ctx) => {
        try {
          parseClientClassRule(directive, line);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as { reason?: string }).reason ?? String(error) });
        }
      }),
    ),
  );

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** `HOST:PORT` (port 0: off). */
export const listenAddress = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[\w.-]*):\d{1,5}$/, 'wants HOST:PORT, e.g. 127.0.0.1:9464 (port 0 turns it off)');

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

const section = <T extends z.ZodRawShape>(description: string, shape: T) => // Every key has a default, so an absent section is an empty one.
  z.strictObject(shape).prefault({} as never).describe(description);

export const configSchema = z
  .strictObject({
    nats: section('Where the journal lives.', {
      url: z.string().min(1).optional().describe('NATS server to use; unset: spawn an embedded nats-server -js'),
      data_dir: z.string().min(1).default('./.leasehold').describe("the embedded nats-server's store and the nats.url file the CLI reads"),
      replay_stall_timeout: z
        .preprocess(numberText, z.number().min(0).max(86_400))
        .default(120)
        .describe('a process whose start-up replay of the journal applies no event for this many seconds exits non-zero, naming the event it cannot read; 0 waits for ever'),
    }),
    history: section('Bounded history: projection snapshots and the retention window of the journal (docs/design/history.md).', {
      retention: z
        .preprocess(numberText, z.number().min(0).max(86_400 * 3650))
        .default(7 * 86_400)
        .describe('seconds of full history the journal keeps; older events live on only in the projection snapshots (0: only what the snapshots need)'),
      compact_interval: z
        .preprocess(numberText, z.number().min(0).max(86_400))
        .default(3_600)
        .describe('how often the process that runs the scheduler purges history outside the retention window, in seconds; 0 never compacts'),
      snapshot_interval: seconds().default(300).describe('each process stores its projection snapshot this often (seconds) when events came since, and at stop'),
      snapshot_events: integer(1, 100_000_000).default(50_000).describe('...or after this many events, whichever comes first'),
    }),
    api: section('The API service (neutron-server).', {
      agent_down_time: seconds().default(75).describe("an agent silent this long is dead (Neutron's agent_down_time); the scheduler and agents use it too"),
      http_listen: listenAddress
        .optional()
        .describe("Neutron's Networking API v2.0 over HTTP (the `openstack` CLI's endpoint), HOST:PORT; default 127.0.0.1:9696 for `leasehold start`, off for `leasehold api` unless set; port 0 turns it off"),
      http_token: z
        .string()
        .min(16, 'wants at least 16 characters')
        .optional()
        .describe('static token HTTP callers send as X-Auth-Token; required when http_listen is not a loopback address (noauth, every caller admin, only on loopback)'),
    }),
    quotas: section("Per-project quotas on the API (Neutron's [quotas]; -1: unlimited). DHCP ports never count.", {
      quota_network: integer(-1, 1_000_000_000).default(100).describe('networks per project'),
      quota_subnet: integer(-1, 1_000_000_000).default(100).describe('subnets per project'),
      quota_port: integer(-1, 1_000_000_000).default(500).describe('ports per project, DHCP ports (device_owner network:dhcp) aside'),
    }),
    scheduler: section('The DHCP agent scheduler.', {
      agents_per_network: integer(1, 64).default(1).describe("Neutron's dhcp_agents_per_network"),
      network_scheduler: z.enum(STRATEGIES as readonly ['chance', 'weight', 'az']).default('weight').describe("Neutron's network_scheduler_driver: chance, weight or az"),
      allow_automatic_dhcp_failover: flag().default(true).describe('move networks off dead agents'),
      enable_services_on_agents_with_admin_state_down: flag().default(true).describe('an admin-down agent keeps serving the networks it has'),
      enable_new_agents: flag().default(true).describe('a new agent starts admin-up'),
    }),
    agent: section('The DHCP agent.', {
      agent_id: z.string().min(1).max(64).optional().describe('unique id of this agent; default dhcp-<host>'),
      host: z.string().min(1).optional().describe('host name to report; default the machine name'),
      availability_zone: z.string().min(1).default('nova').describe('availability zone to report'),
      interface_mappings: interfaceMappings.default({}).describe("physical network → interface (Neutron's physical_interface_mappings); * for networks without one"),
      relay_interfaces: names().default([]).describe('interfaces that only hear relayed requests'),
      report_interval: seconds().default(30).describe("how often agents heartbeat (Neutron's report_interval); the scheduler uses it too"),
      dhcp_port: integer(1, 65535).default(67).describe('UDP port to serve DHCP on'),
      configure_interfaces: flag().default(true).describe('add the DHCP port address to mapped interfaces'),
      vlan_interface_template: z
        .string()
        .regex(/^[\w.@{}-]+$/, 'is not an interface name template')
        .optional()
        .describe("the existing interface of a VLAN network, {physical} (its mapped interface) and {vid} filled in, e.g. {physical}.{vid}; unset: the agent makes the kernel 802.1Q device <physical>.<vid>"),
      vxlan: section("VXLAN networks: the agent makes each one's VXLAN device in the network's own namespace qdhcp-<network> (Neutron's linuxbridge [vxlan]).", {
        local_ip: z.string().regex(IPV4, 'is not an IPv4 address').optional().describe("address VXLAN packets leave from (Neutron's local_ip); default the underlay interface's first address"),
        interface: z.string().regex(/^[\w.:-]{1,15}$/, 'is not an interface name').optional().describe('underlay interface of VXLAN networks (they have no physical network); default the * mapping'),
        remotes: z.preprocess(listText, z.array(z.string().regex(IPV4, 'is not an IPv4 address'))).default([]).describe('the other VTEPs, flooded with broadcasts (head-end replication)'),
        group: z.string().regex(IPV4, 'is not an IPv4 address').optional().describe("multicast group of the VTEPs instead of remotes (Neutron's vxlan_group)"),
        port: integer(1, 65535).default(4789).describe('UDP port of VXLAN packets (IANA 4789; Linux defaults to 8472)'),
      }),
      dns: section("The agent's embedded DNS cache (dnsmasq's DNS role beside DHCP).", {
        enabled: flag().default(true).describe('answer DNS on the DHCP port addresses'),
        port: integer(0, 65535).default(53).describe('DNS port; 0 turns DNS off'),
        domain: z
          .string()
          .regex(/^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.?$/, 'is not a domain name')
          .default('openstacklocal')
          .describe("Neutron's dns_domain: names of a network without a dns_domain are host.<domain> (host-198-18-0-5.openstacklocal for a port without dns_name); the API's dns_assignment uses it too"),
      }),
      dhcp_limits: section('Defences against DHCP floods and pool starvation (token buckets; a burst of 0 turns one off).', {
        mac_burst: integer(0, 1_000_000).default(10).describe('packets one client MAC may send at once'),
        mac_rate: integer(0, 1_000_000).default(2).describe('packets per second one client MAC may send after its burst'),
        relay_burst: integer(0, 10_000_000).default(20_000).describe('packets one relay (giaddr) may send at once'),
        relay_rate: integer(0, 10_000_000).default(20_000).describe('packets per second one relay may send after its burst'),
        leases_per_mac: integer(0, 1024).default(1).describe('addresses one MAC may hold per network across its client ids; 0: no cap'),
        lease_max: integer(0, 2 ** 24)
          .default(0)
          .describe("dynamic leases (offered or bound) per network, dnsmasq's dhcp-lease-max (Neutron's dnsmasq_lease_max); ports' fixed addresses never count; 0: no cap"),
      }),
      tftp: section("The agent's TFTP server for network boot (dnsmasq's TFTP): read-only, on the DHCP port addresses of the networks it is enabled on, a VXLAN network's in its namespace.", {
        enabled: perNetwork()
          .default(false)
          .describe("dnsmasq's enable-tftp: true for every served network, or a list of network names or ids"),
        root: z.string().min(1).default('/srv/tftp').describe("dnsmasq's tftp-root: the directory served; only regular files readable by everyone, never outside it"),
        roots: z
          .record(z.string().min(1), z.string().min(1))
          .default({})
          .describe("dnsmasq's tftp-root=<dir>,<interface>: a network's own root, by network name or id (the others use root)"),
        port: integer(1, 65535).default(69).describe('UDP port of read requests'),
        max_transfers: integer(1, 10_000).default(50).describe("dnsmasq's tftp-max: transfers at once; a request past them is refused (error 0, counted busy)"),
        max_block_size: integer(8, 65464).default(65464).describe("the largest blksize granted (RFC 2348: 8-65464); a larger request is answered with this, as dnsmasq's tftp-mtu caps it"),
      }),
      metadata: section("Isolated metadata (Neutron's DHCP agent options and its metadata agent's): option 121 routes 169.254.169.254/32 through the DHCP port of a network without a router, and a proxy there forwards to Nova's metadata API with the instance's identity, signed.", {
        enable_isolated_metadata: perNetwork()
          .default(false)
          .describe("Neutron's enable_isolated_metadata: a network with a subnet no router serves (no router interface port on its gateway) gets the route and the proxy; true for every network, or a list of network names or ids"),
        force_metadata: perNetwork().default(false).describe("Neutron's force_metadata: every network gets them, routed or not; true, or a list of network names or ids"),
        enable_metadata_network: flag().default(false).describe("Neutron's enable_metadata_network: a network with a subnet in 169.254.0.0/16 gets the proxy (no route: its router has one); needs enable_isolated_metadata"),
        nova_metadata_host: z.string().min(1).default('127.0.0.1').describe("Neutron's nova_metadata_host: where Nova's metadata API listens"),
        nova_metadata_port: integer(1, 65535).default(8775).describe("Neutron's nova_metadata_port"),
        nova_metadata_protocol: z.enum(['http', 'https']).default('http').describe("Neutron's nova_metadata_protocol"),
        metadata_proxy_shared_secret: z.string().default('').describe("Neutron's metadata_proxy_shared_secret: the key of X-Instance-ID-Signature, Nova's [neutron] metadata_proxy_shared_secret"),
        rate: integer(0, 1_000_000).default(10).describe('requests per second one caller address may make after its burst (429 past it, counted and logged)'),
        burst: integer(0, 1_000_000).default(20).describe('requests one caller address may make at once; 0 turns the limit off'),
        max_header_bytes: integer(1024, 65_536).default(8192).describe('request line and headers at most (431 past it)'),
        max_body_bytes: integer(0, 1_048_576).default(4096).describe("a POST's body at most (Nova's password route; 413 past it); GET and HEAD take none"),
      }),
      ipv6_ra: section("Router advertisements (dnsmasq's enable-ra) for networks with no router sending them: on each interface of an enabled network whose IPv6 subnets have an ipv6_ra_mode, flags and prefixes as Neutron's radvd would send (docs/ipv6.md). Leave off where a Neutron router (its L3 agent's radvd) advertises: two senders confuse hosts.", {
        enabled: perNetwork()
          .default(false)
          .describe("dnsmasq's enable-ra: true for every served network, or a list of network names or ids"),
        max_interval: integer(4, 1800).default(600).describe('MaxRtrAdvInterval (RFC 4861 6.2.1) in seconds: unsolicited advertisements come every 1/3 to 1 of it (the first three at most 16 s apart)'),
        default_router: perNetwork()
          .default(false)
          .describe("advertise the agent's host as the default router (router lifetime 3 × max_interval, dnsmasq's default) on networks with a gateway_ip; only where that host is the gateway and forwards; false: router lifetime 0, the agent is not a router; true, or a list of network names or ids"),
      }),
      dhcp_match: classLines('dhcp-match')
        .default([])
        .describe("dnsmasq's dhcp-match: set:<tag>,<option>[,<value>] tags a client that sends the option (with that value), e.g. set:efi64,option:client-arch,7; set:ipxe,175 is always on, as Neutron's agent passes it to dnsmasq"),
      dhcp_userclass: classLines('dhcp-userclass')
        .default([])
        .describe("dnsmasq's dhcp-userclass: set:<tag>,<text> tags a client whose user class (option 77) holds the text, e.g. set:ipxe,iPXE; set:ipxe6,iPXE is always on"),
      dhcp_vendorclass: classLines('dhcp-vendorclass')
        .default([])
        .describe("dnsmasq's dhcp-vendorclass: set:<tag>,<text> tags a client whose vendor class (option 60) holds the text, e.g. set:pxe,PXEClient; a port's tag:<tag>,<option> extra_dhcp_opts then apply to it alone"),
      dhcp_queue: section("Load shedding under overload (Kea's dhcp-queue-control): datagrams wait in a bounded queue, REQUESTs first; the oldest are dropped and counted. DHCPv6 has a queue of its own with the same bounds (REQUEST, RENEW, REBIND, RELEASE, DECLINE first).", {
        capacity: integer(1, 1_000_000).default(2048).describe('datagrams waiting at most (per server: DHCPv4, DHCPv6); past it the oldest DISCOVER or SOLICIT is dropped (queue_full)'),
        max_age: seconds().default(0.5).describe('seconds a datagram may wait; one that waited longer is dropped unanswered (stale)'),
        max_in_flight: integer(1, 1_000_000).default(1024).describe('datagrams with the server at once (REQUESTs awaiting their journal write); the rest wait in the queue'),
      }),
    }),
    dns: z
      .record(z.string(), dnsValue)
      .default({})
      .describe('DNS cache options with dnsmasq names (server, address, host-record, cache-size, no-resolv, ...); a list repeats the option'),
    metrics: section('Prometheus metrics, /healthz and /readyz over HTTP.', {
      listen: listenAddress.optional().describe('HOST:PORT; default 127.0.0.1:9464 for `leasehold start`, off for the other processes; port 0 turns it off'),
      ready_max_lag: integer(0, 1_000_000_000).default(100).describe('/readyz fails while a projection is more than this many events behind the journal'),
    }),
    log: section('Structured logs (pino) on stderr.', {
      level: z.enum(LOG_LEVELS).default('info').describe('lowest level written'),
      format: z.enum(LOG_FORMATS).default('auto').describe('json, pretty (one readable line per entry), or auto: pretty on a terminal, else json'),
      dhcp: perNetwork()
        .default(false)
        .describe("dnsmasq's log-dhcp: a line per DHCP packet and its outcome (DHCPDISCOVER(eth1) 02:.., DHCPACK(eth1) 198.18.0.5 02:.. vm1, a NAK's or drop's reason); true for every network, or a list of network names or ids"),
      queries: perNetwork()
        .default(false)
        .describe("dnsmasq's log-queries: a line per DNS query of the agent's cache and its answer (query[A] x from y, forwarded x to y, reply x is 198.18.0.5); true, or a list of network names or ids"),
      transaction_rate: integer(0, 1_000_000)
        .default(200)
        .describe('per-transaction lines (dhcp, queries) a second at most, each, after a burst of as many; the rest are counted and reported every 10 s, so a flood cannot fill the disk'),
    }),
  })
  .describe('leasehold.yaml');

/** The configuration with every default filled in. */
export type LeaseholdConfig = z.output<typeof configSchema>;
/** What a file may hold. */
export type LeaseholdConfigInput = z.input<typeof configSchema>;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];
