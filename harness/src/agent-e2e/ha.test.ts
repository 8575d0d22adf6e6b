/**
 * HA end to end: two agents in one process, each with its own socket on the
 * same bridge (SO_REUSEADDR + SO_BINDTOIFINDEX), both bound to one network.
 * Real clients on the bridge are split between them by the RFC 3074 hash and
 * each gets exactly one lease, no address twice. When one agent stops and is
 * unscheduled, the survivor serves a new client (one the hash gave the dead
 * agent) and renews a lease the dead agent granted.
 */
import { servesClient } from '@leasehold/agent';
import { createTestBridge, heldLeases, leaseHistory, macBytes, startClient, type RunningClient } from '@leasehold/agent/testing';
import { formatIpv4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

const A = 'agent-ha-a';
const B = 'agent-ha-b';

/**
 * MACs the RFC 3074 split gives to `agent`, whether the client's key is its
 * chaddr or udhcpc's default client id (type 1 + MAC). Deterministic.
 */
function macsFor(agent: string, count: number, from: number): string[] {
  const out: string[] = [];
  for (let i = from; out.length < count; i++) {
    const mac = `52:54:00:87:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
    const chaddr = macBytes(mac);
    if (servesClient([A, B], agent, chaddr) && servesClient([A, B], agent, Uint8Array.of(1, ...chaddr))) out.push(mac);
  }
  return out;
}

describe('two agents on one network', () => {
  test('clients are split between two agents without an address bound twice, and the survivor serves and renews alone after the other stops', async () => {
    const macsA = macsFor(A, 3, 0);
    const macsB = macsFor(B, 2, 0);
    const macs = [macsA[0]!, macsB[0]!, macsA[1]!, macsB[1]!];
    await using bridge = await createTestBridge(4, { macs });
    const agentA = await env.startAgent({ agentId: A, interfaceMappings: { 'phys-ha': bridge.ifname } });
    const agentB = await env.startAgent({ agentId: B, interfaceMappings: { 'phys-ha': bridge.ifname } });
    const { network, subnet } = await env.network('phys-ha', {
      cidr: '198.18.135.0/24',
      allocation_pools: [{ start: '198.18.135.2', end: '198.18.135.99' }],
      dynamic_pools: [{ start: '198.18.135.100', end: '198.18.135.150' }],
      lease_duration: 60,
    });
    await env.bind(agentA, network.id);
    await env.bind(agentB, network.id);
    const serverA = formatIpv4(agentA.served()[0]!.serverIps.get(subnet.id)!);
    const serverB = formatIpv4(agentB.served()[0]!.serverIps.get(subnet.id)!);
    await Promise.all([agentA.heartbeat(), agentB.heartbeat()]);
    await expect.poll(() => agentA.model.agents.has(B) && agentB.model.agents.has(A), { timeout: 5000 }).toBe(true);

    const clients: RunningClient[] = [];
    try {
      for (const link of bridge.links) clients.push(await startClient('udhcpc', link));
      const leases = await Promise.all(clients.map((c) => c.waitFor(['bound'], 20_000)));
      const ips = leases.map((l) => l.ip);
      expect(new Set(ips).size).toBe(4);
      // Each client was answered by the agent the hash gives it: both agents serve.
      expect(leases.map((l) => l.serverId)).toStrictEqual([serverA, serverB, serverA, serverB]);
      expect(agentA.server.stats.counts['not-ours']).toBeGreaterThan(0);
      expect(agentB.server.stats.counts['not-ours']).toBeGreaterThan(0);
      // The journal agrees: four addresses held, each by exactly the client that has it.
      expect(new Map(await heldLeases(env.t.journal, network.id))).toStrictEqual(new Map(ips.map((ip, i) => [ip, macs[i]!])));

      // Agent A dies; the scheduler unbinds it.
      await agentA.stop();
      await env.unbind(A, network.id);
      await expect.poll(() => agentB.model.agentsOf(network.id), { timeout: 5000 }).toStrictEqual([B]);

      // A new client the hash would have given A is served by B.
      const late = await bridge.addLink({ mac: macsA[2]! });
      clients.push(await startClient('udhcpc', late));
      const lateLease = await clients[4]!.waitFor(['bound'], 15_000);
      expect(lateLease.serverId).toBe(serverB);
      expect(ips).not.toContain(lateLease.ip);

      // A lease A granted is renewed (unicast REQUEST with ciaddr, to A's address) and B ACKs it.
      const renewing = clients[0]!;
      const seen = renewing.events().length;
      const acksBefore = agentB.server.stats.counts.ack;
      renewing.renew();
      const renewed = await renewing.waitFor(['renew', 'bound'], 15_000, seen);
      expect(renewed.ip).toBe(ips[0]);
      expect(renewed.serverId).toBe(serverB);
      expect(agentB.server.stats.counts.ack).toBe(acksBefore + 1);
      const history = (await leaseHistory(env.t.journal, network.id)).get(ips[0]!)!;
      expect(history.map((e) => [e.type, e.mac])).toStrictEqual([
        ['LeaseBound', macs[0]],
        ['LeaseRenewed', macs[0]],
      ]);
      const held = await heldLeases(env.t.journal, network.id);
      expect(held.size).toBe(5);
      expect(new Set(held.values()).size).toBe(5);
    } finally {
      await Promise.all(clients.map((c) => c.stop()));
    }
  });
});
