/**
 * Restarts at a real history length (issue 14, point 6): a store holding
 * more than 200,000 events of the real shapes (harness/src/history: ports
 * through the API, leases, heartbeats and bindings through their own
 * builders), then `leasehold start` on it, then `leasehold api`, `scheduler`
 * and `dhcp-agent` against one nats-server on the same store. Each must
 * become ready and serve: the API lists a network's ports, the scheduler
 * binds a network created after the restart, the agent ACKs a client it
 * knows (an INIT-REBOOT REQUEST relayed from a network namespace), and every
 * process is still up afterwards and exits 0 on SIGTERM. Before the fix the
 * scheduler died a few seconds after spawn: ReferenceError: Cannot access
 * 'schedule' before initialization.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '@leasehold/api/client';
import { createTestLink, type TestLink } from '@leasehold/agent/testing';
import { Journal, connectNats, startNatsServer } from '@leasehold/journal';
import { DhcpMessageType, aggregateSubject, formatIpv4, parseIpv4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_SHAPE, historyPlan, leaseClient, networkAddresses, writeHistory, type HistoryPlan, type LiveState } from '../history/index.js';
import { connectToSystem, dhcpProbe, freePort, spawnLeasehold, unusedBase, untilReady, type DhcpProbe, type LeaseholdProcess } from '../history/probes.js';

const HISTORY = 200_000;
const AGENT = DEFAULT_SHAPE.agents[0]!;
const DHCP_PORT = 6767;

let dataDir: string;
let configFile: string;
let plan: HistoryPlan;
let live: LiveState;
let link: TestLink;
let relayIp: string;
let storedEvents = 0;

beforeAll(async () => {
  const base = await unusedBase();
  dataDir = mkdtempSync(join(tmpdir(), 'lh-restart-history-'));
  const server = await startNatsServer({ storeDir: join(dataDir, 'nats') });
  try {
    const nc = await connectNats(server.url);
    const journal = await Journal.open(nc);
    plan = historyPlan({ ...DEFAULT_SHAPE, base }, { events: HISTORY, endAt: Date.now() });
    ({ live } = await writeHistory(nc, journal, plan));
    storedEvents = (await journal.jsm.streams.info(journal.layout.stream)).state.messages;
    await nc.close();
  } finally {
    await server.stop();
  }
  // The agent's network 0 on a veth whose far end (a namespace) plays the relay.
  const net0 = networkAddresses(plan.shape, 0);
  link = await createTestLink({ hostAddress: `${net0.gateway}/23` });
  relayIp = formatIpv4(parseIpv4(base) + 240);
  await link.exec('ip', ['addr', 'add', `${relayIp}/23`, 'dev', link.clientIf]);
  configFile = join(dataDir, 'leasehold.yaml');
  writeFileSync(configFile, 'agent:\n  dns:\n    enabled: false\n');
}, 300_000);

afterAll(async () => {
  await link?.remove();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const agentArgs = () => ['--agent-id', AGENT, '--interface-mappings', `*:${link.hostIf}`, '--no-configure-interfaces', '--dhcp-port', String(DHCP_PORT)];

/** The first lease of the live state: network 0, served by AGENT. */
function knownClientProbe(): DhcpProbe {
  const client = leaseClient(plan.shape, 0);
  return dhcpProbe(link, { relayIp, giaddr: parseIpv4(relayIp), agentIp: networkAddresses(plan.shape, 0).gateway, agentPort: DHCP_PORT, mac: client.mac, ip: client.ip, everyMs: 250, timeoutMs: 240_000 });
}

/** The API lists network 0's ports, the scheduler binds a network created now, and the agent ACKs its client. */
async function expectServing(natsUrl: string, probe: DhcpProbe, spare: number): Promise<void> {
  const nc = await connectToSystem(natsUrl, dataDir);
  try {
    const api = new ApiClient(nc, { timeoutMs: 10_000 });
    const ports = await api.ports.list({ network_id: live.networkIds[0]! });
    expect(ports).toHaveLength(plan.shape.portsPerNetwork + 1);

    const network = await api.networks.create({ name: `after-restart-${spare}` });
    const addresses = networkAddresses(plan.shape, spare);
    await api.subnets.create({ network_id: network.id, cidr: addresses.cidr, allocation_pools: [addresses.portPool] });
    const journal = await Journal.open(nc);
    await expect
      .poll(async () => (await journal.read(aggregateSubject('binding', network.id))).map((s) => s.event.type), { timeout: 30_000, interval: 200 })
      .toContain('NetworkScheduled');

    const reply = await probe.reply;
    expect(reply?.type).toBe(DhcpMessageType.Ack);
    expect(reply?.yiaddr).toBe(leaseClient(plan.shape, 0).ip);
  } finally {
    await nc.close();
  }
}

describe('restarts with a history of 200,000 events', () => {
  test('the store holds more than 200,000 events of the real shapes', () => {
    expect(storedEvents).toBeGreaterThan(HISTORY);
  });

  test('leasehold start restarted on it becomes ready, lists ports, schedules a new network, ACKs a client it knows, stays up and exits 0', async () => {
    const metrics = await freePort();
    const probe = knownClientProbe();
    const proc = spawnLeasehold(['start', '--data-dir', dataDir, '--config', configFile, ...agentArgs(), '--metrics-listen', `127.0.0.1:${metrics}`]);
    try {
      await proc.waitFor(/Press Ctrl-C to stop/, 180_000);
      await untilReady(metrics, 30_000, proc.exited);
      const url = /nats\s+(nats:\/\/[\d.:]+)/.exec(proc.output())![1]!;
      await expectServing(url, probe, 31);
      // The crash came a few seconds after spawn: still up well after the replay.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(proc.child.exitCode, proc.output().slice(-2000)).toBeNull();
      expect(proc.output()).not.toMatch(/ReferenceError|uncaught/i);
      probe.stop();
      expect(await proc.stop()).toBe(0);
    } finally {
      probe.stop();
      await proc.stop();
    }
  }, 300_000);

  test('leasehold api, scheduler and dhcp-agent restarted on it against one nats-server each become ready and serve, stay up and exit 0', async () => {
    const server = await startNatsServer({ storeDir: join(dataDir, 'nats') });
    const procs: LeaseholdProcess[] = [];
    const probe = knownClientProbe();
    try {
      const common = ['--nats-url', server.url, '--config', configFile];
      const ports = [await freePort(), await freePort(), await freePort()];
      procs.push(spawnLeasehold(['api', ...common, '--metrics-listen', `127.0.0.1:${ports[0]}`]));
      procs.push(spawnLeasehold(['scheduler', ...common, '--metrics-listen', `127.0.0.1:${ports[1]}`]));
      procs.push(spawnLeasehold(['dhcp-agent', ...common, ...agentArgs(), '--metrics-listen', `127.0.0.1:${ports[2]}`]));
      await Promise.all(procs.map((p, i) => untilReady(ports[i]!, 240_000, p.exited)));
      await expectServing(server.url, probe, 30);
      await new Promise((r) => setTimeout(r, 3_000));
      for (const p of procs) expect(p.child.exitCode, p.output().slice(-2000)).toBeNull();
      for (const p of procs) expect(p.output()).not.toMatch(/ReferenceError|uncaught/i);
      probe.stop();
      expect(await Promise.all(procs.map((p) => p.stop()))).toStrictEqual([0, 0, 0]);
    } finally {
      probe.stop();
      await Promise.all(procs.map((p) => p.stop()));
      await server.stop();
    }
  }, 300_000);
});
