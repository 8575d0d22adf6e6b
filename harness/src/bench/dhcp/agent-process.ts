/**
 * The agent under benchmark, as its own process so its CPU time is read
 * from /proc like dnsmasq's and Kea's: spawns a nats-server (journal on,
 * file storage), then starts with the daemon's startSystem the API (only to
 * create the network, the subnet and the agent's DHCP port, then stopped, so
 * its read model does not fold the benchmark's lease events in this process)
 * and the agent serving one network with a /16 dynamic pool on the given
 * interface, each as `leasehold api` and `leasehold dhcp-agent` would run it
 * (the agent snapshots its model every 50,000 events, as the daemon's does).
 * With `v6` (bench:dhcp6) the network is dual stack: a `dhcpv6-stateful`
 * subnet beside the IPv4 one, whose pool the agent leases from over DHCPv6,
 * and `stats` counts the DHCPv6 server's outcomes and the `lh.evt.lease6`
 * events instead.
 *
 * Started inside the server namespace (`ip netns exec`), so nats-server runs
 * there too, on that namespace's loopback. Talks to the bench on stdio:
 * prints one `READY {json}` line, then answers `stats` with a `STATS {json}`
 * line, `profile-start` / `profile-stop <file>` by running V8's CPU profiler
 * (what `node --cpu-prof` runs, but over the measured run only, not the
 * start-up) and writing the `.cpuprofile` there (`PROFILED <file>`), and
 * `stop` by shutting down and exiting 0.
 *
 * `tweaks` are what-if switches for whoever works on the agent, applied
 * around it without changing its code: `ifaddr-cache` memoizes
 * os.networkInterfaces() for a second (the agent asks for its interface's
 * address on every datagram), `no-async-traces` connects with nats.js's
 * `noAsyncTraces` (no Error object built per request for its stack).
 * (`udp6-rcvbuf`, a 4 MiB buffer on dgram's udp6 sockets, went once the
 * agent's DHCPv6 sockets became the addon's with that buffer: docs/ipv6.md.)
 *
 *   node --import tsx agent-process.ts '{"ifname":"lhb..s","cidr":"198.18.0.0/16",...}'
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { syncBuiltinESMExports } from 'node:module';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ApiClient, ApiError } from '@leasehold/api/client';
import { connectNats, startNatsServer } from '@leasehold/journal';
import { connect } from '@nats-io/transport-node';

/** What the bench asks for; addresses are dotted quads. */
export interface AgentProcessConfig {
  readonly ifname: string;
  readonly cidr: string;
  readonly gateway: string;
  readonly portPool: { readonly start: string; readonly end: string };
  readonly dynamicPool: { readonly start: string; readonly end: string };
  readonly leaseSeconds: number;
  readonly tweaks?: readonly ('ifaddr-cache' | 'no-async-traces')[];
  /** bench:dhcp6: the network's DHCPv6 subnet (RFC 5952 addresses) and its pool, leased with `leaseSeconds` too. */
  readonly v6?: { readonly cidr: string; readonly pool: { readonly start: string; readonly end: string } };
}

/** The `READY` line's payload. */
export interface AgentProcessReady {
  readonly agentPid: number;
  readonly natsPid: number;
  readonly natsVersion: string;
  readonly serverIp: string;
}

/** The `STATS` line's payload: the agent's packet outcomes, what it shed, and the journal's lease event count. */
export interface AgentProcessStats {
  readonly outcomes: Record<string, number>;
  readonly received: number;
  /** Datagrams dropped unanswered by reason (the agent's packet queue); absent from an agent without one. */
  readonly dropped?: Record<string, number>;
  readonly leaseEvents: number;
}

const config = JSON.parse(process.argv[2] ?? '') as AgentProcessConfig;
const tweaks = new Set(config.tweaks ?? []);
if (tweaks.has('ifaddr-cache')) {
  const real = os.networkInterfaces;
  let cached: { at: number; value: ReturnType<typeof real> } | undefined;
  os.networkInterfaces = () => {
    if (!cached || Date.now() - cached.at > 1000) cached = { at: Date.now(), value: real() };
    return cached.value;
  };
  // The agent imports the named export: make it see the patched function (imported below, after this).
  syncBuiltinESMExports();
}
const { defaultAgentConfig } = await import('@leasehold/agent');
const { connectedRuntime, startSystem } = await import('@leasehold/server');
const storeDir = mkdtempSync(join(tmpdir(), 'lh-bench-dhcp-agent-'));
const nats = await startNatsServer({ storeDir });
const nc = tweaks.has('no-async-traces')
  ? await connect({ servers: nats.url, name: 'bench-dhcp-agent', noAsyncTraces: true })
  : await connectNats(nats.url, { name: 'bench-dhcp-agent' });
// Two systems on the one connection, so the API can be stopped alone once the agent serves.
const runtime = connectedRuntime(nats.url, nc);
const apiSystem = await startSystem(runtime, { api: { agentDownTimeMs: 60_000 }, log: (line) => process.stderr.write(`[api] ${line}\n`) });
const client = new ApiClient(nc);
const agentId = 'bench-agent';
const agentSystem = await startSystem(runtime, {
  agent: defaultAgentConfig({ agentId, host: 'bench', interfaceMappings: { bench: config.ifname }, reportIntervalMs: 10_000, agentDownTimeMs: 60_000 }),
  log: (line) => process.stderr.write(`[agent] ${line}\n`),
});
const agent = agentSystem.agent!;
const journal = agentSystem.journal;

const network = await client.networks.create({ name: 'bench', 'provider:physical_network': 'bench' });
await client.subnets.create({
  network_id: network.id,
  cidr: config.cidr,
  gateway_ip: config.gateway,
  allocation_pools: [config.portPool],
  dynamic_pools: [config.dynamicPool],
  lease_duration: config.leaseSeconds,
});
if (config.v6) {
  await client.subnets.create({
    network_id: network.id,
    cidr: config.v6.cidr,
    ipv6_address_mode: 'dhcpv6-stateful',
    ipv6_ra_mode: 'dhcpv6-stateful',
    allocation_pools: [config.v6.pool],
    lease_duration: config.leaseSeconds,
  });
}
// The API knows the agent from its first heartbeat, which may still be on its way.
for (let tries = 0; ; tries++) {
  try {
    await client.request('bindings.add', { network_id: network.id, agent_id: agentId });
    break;
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'NOT_FOUND' || tries > 100) throw error;
    await new Promise((r) => setTimeout(r, 100));
  }
}
const deadline = Date.now() + 15_000;
let serverIp: number | undefined;
const serving = () => serverIp !== undefined && (!config.v6 || agent.dhcp6.serves(network.id));
while (!serving()) {
  await agent.reconcile();
  serverIp = agent.served().find((s) => s.networkId === network.id)?.serverIps.values().next().value;
  if (!serving()) {
    if (Date.now() > deadline) throw new Error('the agent did not start serving the bench network');
    await new Promise((r) => setTimeout(r, 50));
  }
}
await apiSystem.stop();

const ready: AgentProcessReady = {
  agentPid: process.pid,
  natsPid: nats.pid,
  natsVersion: nc.info?.version ?? 'unknown',
  serverIp: [24, 16, 8, 0].map((s) => (serverIp! >>> s) & 255).join('.'),
};
process.stdout.write(`READY ${JSON.stringify(ready)}\n`);

const stop = async () => {
  await agentSystem.stop().catch(() => {});
  await nc.drain().catch(() => nc.close());
  await nats.stop();
  rmSync(storeDir, { recursive: true, force: true });
  process.exit(0);
};

let profiler: Session | undefined;
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === 'stats') {
    // Count the ACKs first, then the stream's lease events (a consumer's pending count, not a replay):
    // every ACK counted was sent after its event was stored, so events >= ACKs must hold even while
    // stragglers are still being answered. DHCPv6's REPLYs likewise, against lh.evt.lease6.
    const v6 = agent.dhcp6.stats;
    const outcomes: Record<string, number> = { ...(config.v6 ? v6.counts : agent.server.stats.counts) };
    const received = config.v6 ? v6.received : agent.server.stats.received;
    const { dropped } = config.v6 ? v6 : agent.server.stats;
    const consumer = await journal.js.consumers.get(journal.layout.stream, { filter_subjects: `lh.evt.${config.v6 ? 'lease6' : 'lease'}.${network.id}.>` });
    const leaseEvents = (await consumer.info(true)).num_pending;
    const stats: AgentProcessStats = { outcomes, received, leaseEvents, ...(dropped ? { dropped: { ...dropped } } : {}) };
    process.stdout.write(`STATS ${JSON.stringify(stats)}\n`);
  } else if (line.trim() === 'profile-start') {
    profiler ??= new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
    process.stdout.write('PROFILING\n');
  } else if (line.startsWith('profile-stop ') && profiler) {
    const file = line.slice('profile-stop '.length).trim();
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    profiler.disconnect();
    process.stdout.write(`PROFILED ${file}\n`);
  } else if (line.trim() === 'stop') {
    await stop();
  }
}
// stdin closed: the bench went away.
await stop();
