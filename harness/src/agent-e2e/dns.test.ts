/**
 * The DNS cache embedded in the agent, with real clients: `dig` from the
 * client's namespace at the agent's address (the DNS server the agent hands
 * out when the subnet lists none) resolves a port's dns_name and a client's
 * own host name in the network's domain, forward and reverse.
 */
import { startClient } from '@leasehold/agent/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

describe('the agent\'s DNS', () => {
  test('a client resolves a port\'s name and a lease\'s host name through the DNS server DHCP gave it', async () => {
    const link = await env.link();
    const agent = await env.startAgent({ agentId: 'agent-dns', interfaceMappings: { physdns: link.hostIf } });
    const { network, subnet } = await env.network(
      'physdns',
      {
        cidr: '198.18.116.0/24',
        allocation_pools: [{ start: '198.18.116.2', end: '198.18.116.99' }],
        dynamic_pools: [{ start: '198.18.116.100', end: '198.18.116.150' }],
      },
      { dns_domain: 'dns.example' },
    );
    const port = await env.t.client.ports.create({ network_id: network.id, dns_name: 'web', fixed_ips: [{ subnet_id: subnet.id, ip_address: '198.18.116.80' }] });
    await env.bind(agent, network.id);
    const client = await startClient('udhcpc', link, { hostname: 'laptop' });
    try {
      const lease = await client.waitFor(['bound']);
      // No dns_nameservers on the subnet: the agent's own address is the DNS server.
      const server = agent.served()[0]!.serverIps.get(subnet.id)!;
      expect(lease.dns).toHaveLength(1);
      const dig = async (...args: string[]) => (await link.exec('dig', [`@${lease.dns[0]}`, '+short', '+time=2', '+tries=2', ...args])).stdout.trim();
      await expect.poll(() => dig('web.dns.example', 'A'), { timeout: 5000 }).toBe(port.fixed_ips[0]!.ip_address);
      await expect.poll(() => dig('laptop.dns.example', 'A'), { timeout: 5000 }).toBe(lease.ip);
      expect(await dig('-x', lease.ip)).toBe('laptop.dns.example.');
      expect(await dig('WEB.Dns.Example', 'A')).toBe('198.18.116.80');
      expect(server).toBeGreaterThan(0);
    } finally {
      await client.stop();
    }
  });
});
