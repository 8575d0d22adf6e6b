/**
 * log-dhcp and log-queries with real clients (issue 21 point 1): an agent
 * with both switched on for one network (by name) serves two; udhcpc on the
 * logged network writes DHCPDISCOVER, DHCPOFFER, DHCPREQUEST and DHCPACK
 * lines with its MAC, address and host name, and `dig` there writes the
 * query and its answer; the client on the other network writes nothing.
 */
import { startClient } from '@leasehold/agent/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

describe('per-transaction logs', () => {
  test("a client's DORA and DNS query on the logged network read as dnsmasq's lines; the other network's stay silent", async () => {
    const links = [await env.link(), await env.link()] as const;
    const lines: { message: string; tx: Readonly<Record<string, unknown>> }[] = [];
    const sink = (message: string, fields: { readonly tx: Readonly<Record<string, unknown>> }) => lines.push({ message, tx: fields.tx });
    const agent = await env.startAgent(
      {
        agentId: 'agent-txlog',
        interfaceMappings: { 'phys-la': links[0].hostIf, 'phys-lb': links[1].hostIf },
        dns: { enabled: true, port: 53, cache: { noResolv: true, servers: [], domainServers: [{ domain: 'example', server: 'local' }] } },
        logDhcp: ['logged'],
        logQueries: ['logged'],
      },
      { transactions: { dhcp: sink, dns: sink } },
    );
    for (const [name, physnet, octet] of [['logged', 'phys-la', 121], ['quiet', 'phys-lb', 122]] as const) {
      const { network, subnet } = await env.network(
        physnet,
        { cidr: `198.18.${octet}.0/24`, allocation_pools: [{ start: `198.18.${octet}.2`, end: `198.18.${octet}.99` }], dynamic_pools: [{ start: `198.18.${octet}.100`, end: `198.18.${octet}.150` }] },
        { name, dns_domain: `${name}.example` },
      );
      await env.t.client.ports.create({ network_id: network.id, dns_name: 'web', fixed_ips: [{ subnet_id: subnet.id, ip_address: `198.18.${octet}.80` }] });
      await env.bind(agent, network.id);
    }

    const [logged, quiet] = [await startClient('udhcpc', links[0]), await startClient('udhcpc', links[1])];
    try {
      const [lease] = await Promise.all([logged.waitFor(['bound'], 10_000), quiet.waitFor(['bound'], 10_000)]);
      const mac = (await links[0].exec('cat', [`/sys/class/net/${links[0].clientIf}/address`])).stdout.trim();
      const where = `(${links[0].hostIf})`;
      const dhcp = lines.filter((l) => l.message.startsWith('DHCP')).map((l) => l.message);
      expect(dhcp).toContain(`DHCPDISCOVER${where} ${mac}`);
      expect(dhcp).toContain(`DHCPOFFER${where} ${lease.ip} ${mac}`);
      expect(dhcp).toContain(`DHCPREQUEST${where} ${lease.ip} ${mac}`);
      expect(dhcp.find((m) => m.startsWith(`DHCPACK${where} ${lease.ip} ${mac}`))).toBeDefined();
      expect(lines.find((l) => l.message.startsWith('DHCPACK'))!.tx).toMatchObject({ type: 'DHCPACK', mac, ip: lease.ip, network: 'logged', outcome: 'ack' });
      // Nothing of the other network's link: its packets are not logged.
      expect(lines.filter((l) => l.message.includes(links[1].hostIf))).toEqual([]);

      // The port's name is published once the agent has rebuilt its records: poll until it answers.
      const dig = async (i: 0 | 1, server: string, name: string) => (await links[i].exec('dig', [`@${server}`, '+time=2', '+tries=2', '+short', name, 'A'])).stdout.trim();
      await expect.poll(() => dig(0, lease.dns[0]!, 'web.logged.example'), { timeout: 5000 }).toBe('198.18.121.80');
      await expect.poll(() => dig(1, '198.18.122.2', 'web.quiet.example'), { timeout: 5000 }).toBe('198.18.122.80');
      const dns = lines.filter((l) => !l.message.startsWith('DHCP'));
      expect(dns.map((l) => l.message).slice(-2)).toEqual([`query[A] web.logged.example from ${lease.ip}`, 'config web.logged.example is 198.18.121.80']);
      expect(dns.filter((l) => l.message.includes('quiet'))).toEqual([]);
      expect(dns[0]!.tx).toMatchObject({ network: 'logged' });
    } finally {
      await Promise.all([logged.stop(), quiet.stop()]);
    }
  });
});
