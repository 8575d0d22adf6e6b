/**
 * `npm run demo`: the whole path, narrated, for a new user. Starts NATS (an
 * embedded nats-server in a temporary directory, or NATS_URL), the journal,
 * the API and a DHCP agent with the daemon's own openNats and startSystem,
 * as `leasehold start` does (without the scheduler: the demo binds by hand); makes a network
 * namespace with a veth pair (the "VM" and its tap); creates a network and a
 * subnet through the API and binds it to the agent; runs a real DHCP client
 * (busybox udhcpc, else dhclient) in the namespace; prints the lease it got
 * and the journal events behind it; releases; removes everything. Bounded:
 * it gives up after DEMO_TIMEOUT_MS (default 90 s). Needs root.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultAgentConfig } from '@leasehold/agent';
import { clientAvailable, createTestLink, startClient, type ClientKind, type RunningClient, type TestLink } from '@leasehold/agent/testing';
import { ApiClient, ApiError } from '@leasehold/api/client';
import { Journal, type StoredEvent } from '@leasehold/journal';
import { leaseSubject } from '@leasehold/lease-actor';
import { formatIpv4, parseIpv4 } from '@leasehold/protocol';
import { ensureCommands, requireRoot } from '../bench/dhcp/install.js';
import { eventLine } from './format.js';
import { openNats, startSystem, type NatsRuntime } from '@leasehold/server';

const TIMEOUT_MS = Number(process.env.DEMO_TIMEOUT_MS ?? 90_000);
const started = Date.now();
let stepNo = 0;
const step = (title: string) => console.log(`\n${++stepNo}. ${title}`);
const say = (line: string) => console.log(`   ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const cleanups: { name: string; run: () => Promise<unknown> }[] = [];
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    step('Cleaning up');
    for (const { name, run } of cleanups.reverse()) {
      await run().then(
        () => say(name),
        (error: unknown) => say(`failed: ${name}: ${String(error)}`),
      );
    }
  })();
  return cleaning;
}

async function main(): Promise<void> {
  console.log('Leasehold demo: a real DHCP client gets a lease from the agent, and every step is an event in the journal.');
  requireRoot('npm run demo');
  const kind: ClientKind = clientAvailable('udhcpc') ? 'udhcpc' : clientAvailable('dhclient') ? 'dhclient' : 'udhcpc';
  // startClient runs udhcpc as `busybox udhcpc`; Debian's udhcpc package brings busybox.
  if (!clientAvailable(kind)) ensureCommands({ busybox: 'udhcpc' }, (line) => say(line));
  ensureCommands({ ip: 'iproute2', ...(process.env.NATS_URL ? {} : { 'nats-server': 'nats-server' }) }, (line) => say(line));

  step('NATS and the journal');
  const dataDir = mkdtempSync(join(tmpdir(), 'lh-demo-'));
  cleanups.push({ name: `removed the data directory ${dataDir}`, run: async () => rmSync(dataDir, { recursive: true, force: true }) });
  // Named before NATS starts: on the embedded server the agent logs in as its own user, agent-<id>.
  const agentId = `demo-${hostname().replace(/[^\w-]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const nats: NatsRuntime = await openNats({ natsUrl: process.env.NATS_URL || undefined, dataDir, name: 'leasehold-demo', parts: { api: true, agentId } });
  cleanups.push({ name: nats.embedded ? `stopped nats-server (pid ${nats.embedded.pid()})` : 'closed the NATS connection', run: () => nats.close() });
  // The demo reads the journal on the process's own connection (the admin's on the embedded server).
  const journal = await Journal.open(nats.nc);
  const firstSeq = (await journal.jsm.streams.info(journal.layout.stream)).state.last_seq + 1;
  say(
    nats.embedded
      ? `embedded nats-server ${nats.nc.info?.version ?? ''} on ${nats.url}, store in ${nats.embedded.storeDir}`
      : `NATS at ${nats.url} (from NATS_URL), nats-server ${nats.nc.info?.version ?? ''}`,
  );
  say(`journal: stream ${journal.layout.stream} on ${journal.layout.subjects.join(' ')}; this demo's events start at #${firstSeq}`);

  step('A network namespace with a veth pair (the "VM" and its tap device)');
  const link: TestLink = await createTestLink();
  cleanups.push({ name: `removed namespace ${link.ns} and its veth pair`, run: () => link.remove() });
  say(`namespace ${link.ns}: interface ${link.clientIf}  <-- veth -->  ${link.hostIf} here, where the agent listens`);

  step('The API and a DHCP agent, started as `leasehold start` starts them (startSystem)');
  const system = await startSystem(nats, {
    api: { agentDownTimeMs: 75_000 },
    agent: defaultAgentConfig({ agentId, interfaceMappings: { demo: link.hostIf } }),
    log: (line) => say(`  [leasehold] ${line}`),
  });
  cleanups.push({ name: `stopped agent ${agentId} and the API`, run: () => system.stop() });
  const api = system.api!;
  const agent = system.agent!;
  say(`api: ${api.subjects.length} operations on lh.api.v1.* (networks.create, subnets.create, bindings.add, ...)`);
  say(`agent ${agentId}: physical network "demo" is interface ${link.hostIf}; it has sent its first heartbeat`);

  step('A network and a subnet, through the API');
  const client = new ApiClient(nats.nc);
  const net = `198.18.${randomInt(200, 250)}`;
  const network = await client.networks.create({ name: 'demo-net', 'provider:physical_network': 'demo', dns_domain: 'demo.example.', mtu: 1450 });
  say(`networks.create -> network ${network.id} "${network.name}" (physical network demo, dns_domain ${network.dns_domain}, mtu ${network.mtu})`);
  const subnet = await client.subnets.create({
    network_id: network.id,
    name: 'demo-subnet',
    cidr: `${net}.0/24`,
    gateway_ip: `${net}.1`,
    allocation_pools: [{ start: `${net}.2`, end: `${net}.99` }],
    dynamic_pools: [{ start: `${net}.100`, end: `${net}.199` }],
    lease_duration: 3600,
  });
  say(`subnets.create  -> subnet ${subnet.id} ${subnet.cidr}, gateway ${subnet.gateway_ip}, ports from ${net}.2-99, dynamic pool ${net}.100-199, lease 1 h`);
  // Unscheduled first, so the agent stops serving and does not recreate its DHCP port meanwhile.
  cleanups.push({
    name: `unbound and deleted network ${network.name} through the API (its DHCP port and subnet go with it)`,
    run: async () => {
      await client.request('bindings.remove', { network_id: network.id, agent_id: agentId }).catch(() => {});
      await client.networks.delete(network.id);
    },
  });

  step('Binding the network to the agent (what the scheduler does; here by hand with bindings.add)');
  await until('the API to see the agent', async () => {
    try {
      await client.request('bindings.add', { network_id: network.id, agent_id: agentId });
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  });
  const served = await until('the agent to serve the network', async () => {
    await agent.reconcile();
    const s = agent.served().find((x) => x.networkId === network.id);
    return s && s.serverIps.size > 0 ? s : undefined;
  });
  const serverIp = formatIpv4([...served.serverIps.values()][0]!);
  say(`bindings.add -> NetworkScheduled; the agent created its DHCP port ${serverIp} through the API,`);
  say(`added ${serverIp}/24 to ${link.hostIf} and listens there on UDP 67`);

  step(`A real DHCP client in the namespace: ${kind === 'udhcpc' ? 'busybox udhcpc' : 'ISC dhclient'}`);
  const dhcp: RunningClient = await startClient(kind, link, { hostname: 'demo-vm' });
  cleanups.push({ name: `stopped the DHCP client (${kind})`, run: () => dhcp.stop() });
  const lease = await dhcp.waitFor(['BOUND', 'bound', 'REBOOT'], 20_000);
  say(`lease: address ${lease.ip}${lease.mask ? ` mask ${lease.mask}` : ''}`);
  say(`       router  ${lease.routers.join(', ') || '(none)'}`);
  say(`       DNS     ${lease.dns.join(', ') || '(none)'}${lease.dns.includes(serverIp) ? '  (the agent itself: no dns_nameservers on the subnet)' : ''}`);
  say(`       domain  ${lease.domain ?? '(none)'}, MTU ${lease.mtu ?? '-'}, lease ${lease.leaseSeconds ?? '?'} s, from server ${lease.serverId ?? '?'}`);
  const shown = await link.exec('ip', ['-4', '-o', 'addr', 'show', 'dev', link.clientIf]);
  say(`in the namespace: ${shown.stdout.trim().replace(/\s+/g, ' ').replace(/\\.*$/, '')}`);
  const counts = Object.entries(agent.server.stats.counts).filter(([, n]) => n > 0);
  say(`the agent's packet outcomes: ${counts.map(([k, n]) => `${k} ${n}`).join(', ')}`);

  const subject = leaseSubject(network.id, parseIpv4(lease.ip));
  step(`The events behind the lease: journal subject ${subject}`);
  for (const stored of await journal.read(subject)) say(eventLine(stored, 400).replace(/\n/g, '\n   '));
  say('(the DHCPACK left only after JetStream acknowledged this LeaseBound: no ACK without a durable event)');

  step('Everything this demo wrote to the journal, in order');
  const all: StoredEvent[] = [];
  await journal.replay('lh.evt.>', (stored) => void all.push(stored), { fromSeq: firstSeq });
  let heartbeats = 0;
  for (const stored of all) {
    if (stored.event.type === 'AgentHeartbeat' && heartbeats++ > 0) continue;
    say(eventLine(stored).replace(/\n/g, '\n   '));
  }
  if (heartbeats > 1) say(`(and ${heartbeats - 1} more AgentHeartbeat)`);

  step('The client releases its address (DHCPRELEASE)');
  await dhcp.release();
  const released = await until('the LeaseReleased event', async () => (await journal.read(subject)).find((s) => s.event.type === 'LeaseReleased'));
  say(eventLine(released, 400).replace(/\n/g, '\n   '));
}

const timer = setTimeout(() => {
  console.error(`\ndemo: gave up after ${TIMEOUT_MS / 1000} s`);
  process.exitCode = 1;
  void cleanUp().finally(() => process.exit(1));
}, TIMEOUT_MS);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the demo`);
    void cleanUp().finally(() => process.exit(130));
  });
}
try {
  await main();
  await cleanUp();
  console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Run \`npm start\` to keep the system running, then \`leasehold --help\`.`);
} catch (error) {
  console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
  await cleanUp();
} finally {
  clearTimeout(timer);
}
