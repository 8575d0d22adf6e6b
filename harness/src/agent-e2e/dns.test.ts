/**
 * The DNS cache embedded in the agent, with real clients: `dig` from the
 * client's namespace at the agent's address (the DNS server the agent hands
 * out when the subnet lists none) resolves a port's dns_name and a client's
 * own host name in the network's domain, forward and reverse; on a
 * dual-stack network, a port's IPv6 address as AAAA and ip6.arpa PTR (and
 * the DHCPv4 lease still given with the IPv6 subnet beside it).
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

  test("a dual-stack port's IPv6 address is answered as AAAA and by dig -x, beside its A record, through the agent a real client got as its DNS server (issue 22)", async () => {
    const link = await env.link();
    const agent = await env.startAgent({ agentId: 'agent-dns6', interfaceMappings: { physdns6: link.hostIf } });
    const { network } = await env.network('physdns6', { cidr: '198.18.117.0/24', dynamic_pools: [{ start: '198.18.117.100', end: '198.18.117.150' }], allocation_pools: [{ start: '198.18.117.2', end: '198.18.117.99' }] }, { dns_domain: 'dns6.example' });
    const v6 = await env.t.client.subnets.create({ network_id: network.id, cidr: '2001:db8:117::/64', ipv6_address_mode: 'slaac', ipv6_ra_mode: 'slaac' });
    const port = await env.t.client.ports.create({ network_id: network.id, dns_name: 'web6', mac_address: 'fa:16:3e:11:70:01' });
    const v6Address = port.fixed_ips.find((f) => f.subnet_id === v6.id)!.ip_address;
    expect(v6Address).toBe('2001:db8:117:0:f816:3eff:fe11:7001');
    await env.bind(agent, network.id);
    const client = await startClient('udhcpc', link, { hostname: 'laptop6' });
    try {
      const lease = await client.waitFor(['bound']);
      const dig = async (...args: string[]) => (await link.exec('dig', [`@${lease.dns[0]}`, '+short', '+time=2', '+tries=2', ...args])).stdout.trim();
      await expect.poll(() => dig('web6.dns6.example', 'AAAA'), { timeout: 5000 }).toBe(v6Address);
      expect(await dig('web6.dns6.example', 'A')).toBe(port.fixed_ips.find((f) => f.subnet_id !== v6.id)!.ip_address);
      expect(await dig('-x', v6Address)).toBe('web6.dns6.example.');
    } finally {
      await client.stop();
    }
  });
});
