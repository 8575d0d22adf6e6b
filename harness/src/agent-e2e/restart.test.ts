/**
 * Restarts: every lease survives an agent restart (a new agent with the same
 * id on the same journal) and a nats-server restart — real clients renew,
 * keep their addresses, and the journal shows LeaseRenewed. And a restarted
 * agent with 10,000 ports in the journal is ready (projection caught up,
 * sockets open, serving) in well under the bound asserted here.
 */
import { performance } from 'node:perf_hooks';
import type { AgentConfig, RunningAgent } from '@leasehold/agent';
import { computePort, createTestBridge, heldLeases, leaseHistory, macOf, publishPorts, startClient, type RunningClient, type TestBridge } from '@leasehold/agent/testing';
import { formatIpv4, parseIpv4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

/** A bridge with two udhcpc clients holding leases from one agent on a fresh network. */
async function twoLeases(bridge: TestBridge, agentId: string, octet: number) {
  const config: Partial<AgentConfig> = { agentId, interfaceMappings: { [`phys-${agentId}`]: bridge.ifname } };
  const agent = await env.startAgent(config);
  const { network, subnet } = await env.network(`phys-${agentId}`, {
    cidr: `198.18.${octet}.0/24`,
    allocation_pools: [{ start: `198.18.${octet}.2`, end: `198.18.${octet}.99` }],
    dynamic_pools: [{ start: `198.18.${octet}.100`, end: `198.18.${octet}.150` }],
    lease_duration: 120,
  });
  await env.bind(agent, network.id);
  const clients: RunningClient[] = [];
  for (const link of bridge.links) clients.push(await startClient('udhcpc', link));
  return { agent, config, network, subnet, clients };
}

/** Renews every client now (udhcpc: SIGUSR1) and resolves with the address each has afterwards. */
async function renewAll(clients: readonly RunningClient[]): Promise<string[]> {
  const seen = clients.map((c) => c.events().length);
  for (const c of clients) c.renew();
  return Promise.all(clients.map(async (c, i) => (await c.waitFor(['renew', 'bound'], 20_000, seen[i])).ip));
}

async function lastEvents(networkId: string, ips: readonly string[]): Promise<(string | undefined)[]> {
  const history = await leaseHistory(env.t.journal, networkId);
  return ips.map((ip) => history.get(ip)?.at(-1)?.type);
}

describe('leases survive restarts', () => {
  test('every lease survives an agent restart: the new agent serves at once and the clients renew and keep their addresses', async () => {
    await using bridge = await createTestBridge(2);
    const { agent, config, network, subnet, clients } = await twoLeases(bridge, 'agent-restart', 136);
    try {
      const ips = (await Promise.all(clients.map((c) => c.waitFor(['bound'], 10_000)))).map((l) => l.ip);
      const serverIp = agent.served()[0]!.serverIps.get(subnet.id);

      await agent.stop();
      const restarted = await env.startAgent(config);
      // Its model came from the snapshot the stopped agent stored, plus the events since.
      expect(restarted.projection.start.restoredFrom?.name).toBe(`agent-${config.agentId}`);
      // Serving already: same network, same interface, same DHCP port (no second one created).
      expect(restarted.served()).toStrictEqual([{ networkId: network.id, ifname: bridge.ifname, serverIps: new Map([[subnet.id, serverIp]]) }]);
      const macs = await Promise.all(bridge.links.map((l) => macOf(l.ns, l.clientIf)));
      expect(new Map(await heldLeases(env.t.journal, network.id))).toStrictEqual(new Map(ips.map((ip, i) => [ip, macs[i]!])));

      expect(await renewAll(clients)).toStrictEqual(ips);
      expect(restarted.server.stats.counts.ack).toBe(2);
      await expect.poll(() => lastEvents(network.id, ips), { timeout: 5000 }).toStrictEqual(['LeaseRenewed', 'LeaseRenewed']);
    } finally {
      await Promise.all(clients.map((c) => c.stop()));
    }
  });

  test('every lease survives a nats-server restart: the clients renew and keep their addresses, a new client is served, and the agent still follows the journal', async () => {
    await using bridge = await createTestBridge(2);
    const { agent, network, clients } = await twoLeases(bridge, 'agent-nats-restart', 137);
    try {
      const ips = (await Promise.all(clients.map((c) => c.waitFor(['bound'], 10_000)))).map((l) => l.ip);

      await env.t.nats.restart();
      expect(await renewAll(clients)).toStrictEqual(ips);
      await expect.poll(() => lastEvents(network.id, ips), { timeout: 5000 }).toStrictEqual(['LeaseRenewed', 'LeaseRenewed']);

      const late = await bridge.addLink();
      clients.push(await startClient('udhcpc', late));
      const lease = await clients[2]!.waitFor(['bound'], 15_000);
      expect(ips).not.toContain(lease.ip);
      expect((await heldLeases(env.t.journal, network.id)).get(lease.ip)).toBe(await macOf(late.ns, late.clientIf));
      expect(agent.server.stats.counts['journal-error']).toBe(0);

      // The agent's projection still follows the journal after the restart.
      await env.t.client.ports.create({ network_id: network.id, mac_address: '52:54:00:13:70:01' });
      await expect.poll(() => agent.model.portByMac(network.id, '52:54:00:13:70:01'), { timeout: 5000 }).toBeDefined();
    } finally {
      await Promise.all(clients.map((c) => c.stop()));
    }
  });
});

describe('start-up with 10,000 ports', () => {
  test('a restarted agent is ready with 10,000 ports in the journal (its start-up time printed: a figure, not a test), and serves a port among them its fixed IP', async () => {
    const link = await env.link();
    const config: Partial<AgentConfig> = { agentId: 'agent-10k', interfaceMappings: { 'phys-10k': link.hostIf } };
    const agent = await env.startAgent(config);
    // Two subnets (a /19 and a /20) hold 10,000 fixed addresses; the API allocates only from the small pools.
    const { network, subnet: big } = await env.network('phys-10k', {
      cidr: '198.18.160.0/19',
      allocation_pools: [{ start: '198.18.160.2', end: '198.18.160.9' }],
      dynamic_pools: [],
    });
    const small = await env.t.client.subnets.create({
      network_id: network.id,
      cidr: '198.18.144.0/20',
      allocation_pools: [{ start: '198.18.144.2', end: '198.18.144.9' }],
      dynamic_pools: [],
    });
    await env.bind(agent, network.id);
    await expect.poll(() => agent.served()[0]?.serverIps.size, { timeout: 5000 }).toBe(2);
    await agent.stop();

    const clientMac = await macOf(link.ns, link.clientIf);
    const ports = Array.from({ length: 10_000 }, (_, i) => {
      const [subnet, base] = i < 6000 ? [big, parseIpv4('198.18.160.10') + i] : [small, parseIpv4('198.18.144.10') + i - 6000];
      const mac = i === 0 ? clientMac : `fa:16:3e:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
      return computePort(network.id, subnet.id, mac, base, i);
    });
    const publishStart = performance.now();
    await publishPorts(env.t.journal, ports);
    const publishMs = performance.now() - publishStart;

    const start = performance.now();
    const restarted: RunningAgent = await env.startAgent(config);
    const readyMs = performance.now() - start;
    console.info(`agent start-up with ${restarted.model.ports.size} ports in the journal (${restarted.projection.stats.applied} events): ${readyMs.toFixed(0)} ms (publishing the 10,000 PortCreated events took ${publishMs.toFixed(0)} ms)`);
    expect(restarted.model.ports.size).toBeGreaterThanOrEqual(10_000);
    expect(restarted.served().map((s) => s.networkId)).toStrictEqual([network.id]);

    const client = await startClient('udhcpc', link);
    try {
      expect((await client.waitFor(['bound'], 10_000)).ip).toBe(formatIpv4(ports[0]!.fixedIps[0]!.ipAddress));
    } finally {
      await client.stop();
    }
  });
});
