/**
 * A stable DHCP port end to end (issue 18 point 5, Neutron's
 * reserved_dhcp_port): a real client bound through one agent renews through
 * the agent the network failed over to, against the same server identifier,
 * because the new agent took over the old agent's DHCP port (its id, MAC
 * and address) instead of getting a port of its own.
 */
import { createTestBridge, startClient, type RunningClient } from '@leasehold/agent/testing';
import { formatIpv4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

describe('a network that fails over to another agent', () => {
  test('a bound client renews through the new agent against the same server identifier, without a NAK', async () => {
    await using bridge = await createTestBridge(1);
    const mappings = { 'phys-stable': bridge.ifname };
    const first = await env.startAgent({ agentId: 'agent-stable-a', interfaceMappings: mappings });
    const next = await env.startAgent({ agentId: 'agent-stable-b', interfaceMappings: mappings });
    const { network, subnet } = await env.network('phys-stable', {
      cidr: '198.18.141.0/24',
      allocation_pools: [{ start: '198.18.141.2', end: '198.18.141.99' }],
      dynamic_pools: [{ start: '198.18.141.100', end: '198.18.141.150' }],
      lease_duration: 60,
    });
    await env.bind(first, network.id);
    const serverId = formatIpv4(first.served()[0]!.serverIps.get(subnet.id)!);
    const [before] = (await env.t.client.ports.list({ network_id: network.id })).filter((p) => p.device_owner === 'network:dhcp');

    let client: RunningClient | undefined;
    try {
      client = await startClient('udhcpc', bridge.links[0]!);
      const bound = await client.waitFor(['bound'], 20_000);
      expect(bound.serverId).toBe(serverId);

      // The first agent dies; the scheduler unbinds it and binds the other.
      await first.stop();
      await env.unbind(first.config.agentId, network.id);
      await env.bind(next, network.id);
      expect(formatIpv4(next.served()[0]!.serverIps.get(subnet.id)!)).toBe(serverId);
      const ports = (await env.t.client.ports.list({ network_id: network.id })).filter((p) => p.device_owner === 'network:dhcp');
      expect(ports).toMatchObject([{ id: before!.id, mac_address: before!.mac_address, fixed_ips: before!.fixed_ips, device_id: 'dhcp-agent-stable-b' }]);

      // The client renews (unicast to its server identifier) and the new agent ACKs it under the same identifier.
      const seen = client.events().length;
      const acks = next.server.stats.counts.ack;
      client.renew();
      const renewed = await client.waitFor(['renew', 'bound'], 15_000, seen);
      expect(renewed).toMatchObject({ ip: bound.ip, serverId });
      expect(next.server.stats.counts.ack).toBe(acks + 1);
      expect(next.server.stats.counts.nak).toBe(0);
    } finally {
      await client?.stop();
    }
  });
});
