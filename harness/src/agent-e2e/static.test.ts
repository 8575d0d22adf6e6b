/**
 * Neutron's static mode end to end: a port's MAC gets the port's fixed IP
 * from a real client, and on a network without dynamic pools a client whose
 * MAC is no port's gets nothing at all (counted as `no-address`).
 */
import { createTestBridge, leaseHistory, macOf, startClient } from '@leasehold/agent/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

describe('static ports', () => {
  test('a port\'s MAC gets its fixed IP from a real client, and an unknown MAC on the same link gets nothing', async () => {
    await using bridge = await createTestBridge(2);
    const [known, unknown] = bridge.links as [(typeof bridge.links)[0], (typeof bridge.links)[0]];
    const agent = await env.startAgent({ agentId: 'agent-static', interfaceMappings: { 'phys-static': bridge.ifname } });
    const { network, subnet } = await env.network('phys-static', {
      cidr: '198.18.130.0/24',
      allocation_pools: [{ start: '198.18.130.2', end: '198.18.130.99' }],
      dynamic_pools: [],
    });
    await env.bind(agent, network.id);

    const mac = await macOf(known.ns, known.clientIf);
    const port = await env.t.client.ports.create({ network_id: network.id, mac_address: mac, fixed_ips: [{ subnet_id: subnet.id, ip_address: '198.18.130.42' }] });
    await expect.poll(() => agent.model.portByMac(network.id, mac), { timeout: 5000 }).toBeDefined();

    const first = await startClient('udhcpc', known);
    // -n: give up (and exit) after the three DISCOVERs instead of retrying forever.
    const stranger = await startClient('udhcpc', unknown, { extraArgs: ['-n', '-t', '3'] });
    try {
      const lease = await first.waitFor(['bound'], 10_000);
      expect(lease.ip).toBe(port.fixed_ips[0]!.ip_address);
      expect(lease.ip).toBe('198.18.130.42');
      const history = await leaseHistory(env.t.journal, network.id);
      expect(history.get('198.18.130.42')?.map((e) => [e.type, e.mac])).toStrictEqual([['LeaseBound', mac]]);

      await stranger.waitFor(['leasefail'], 15_000);
      expect(stranger.events().map(([reason]) => reason)).not.toContain('bound');
      expect(agent.server.stats.counts['no-address']).toBeGreaterThanOrEqual(1);
      const strangerMac = await macOf(unknown.ns, unknown.clientIf);
      const leases = await leaseHistory(env.t.journal, network.id);
      expect([...leases.values()].flat().filter((e) => e.mac === strangerMac)).toStrictEqual([]);
    } finally {
      await first.stop();
      await stranger.stop();
    }
  });
});
