/**
 * One DNS view per network (issue 18 point 3), with real clients: one agent
 * serves two networks, each on its own link; a client in each namespace gets
 * its lease (and so its DNS server, the agent's address on that network)
 * from udhcpc, and `dig` there resolves its own network's port names, given
 * and default (`host-a-b-c-d`, point 6), and gets NXDOMAIN for the other
 * network's. The agent's upstream is configured local-only for `example`
 * (dnsmasq's local=/example/), so a name that is not the asking network's
 * own is NXDOMAIN there, as an authoritative upstream for these private
 * domains would say, and the test needs no outside DNS.
 */
import { startClient, type TestLink } from '@leasehold/agent/testing';
import type { PortView } from '@leasehold/api/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

describe("the agent's DNS, one view per network", () => {
  test("a client on each of two networks resolves its own network's port names and gets NXDOMAIN for the other's", async () => {
    const links = [await env.link(), await env.link()] as const;
    const agent = await env.startAgent({
      agentId: 'agent-dns-views',
      interfaceMappings: { 'phys-va': links[0].hostIf, 'phys-vb': links[1].hostIf },
      dns: { enabled: true, port: 53, cache: { noResolv: true, servers: [], domainServers: [{ domain: 'example', server: 'local' }] } },
    });
    const nets: { link: TestLink; domain: string; octet: number; named: PortView }[] = [];
    for (const [i, physnet, octet] of [[0, 'phys-va', 117], [1, 'phys-vb', 118]] as const) {
      const domain = `view${i}.example`;
      const { network, subnet } = await env.network(
        physnet,
        { cidr: `198.18.${octet}.0/24`, allocation_pools: [{ start: `198.18.${octet}.2`, end: `198.18.${octet}.99` }], dynamic_pools: [{ start: `198.18.${octet}.100`, end: `198.18.${octet}.150` }] },
        { dns_domain: domain },
      );
      const named = await env.t.client.ports.create({ network_id: network.id, dns_name: `web${i}`, fixed_ips: [{ subnet_id: subnet.id, ip_address: `198.18.${octet}.80` }] });
      await env.t.client.ports.create({ network_id: network.id, fixed_ips: [{ subnet_id: subnet.id, ip_address: `198.18.${octet}.81` }] });
      await env.bind(agent, network.id);
      nets.push({ link: links[i], domain, octet, named });
    }

    const clients = await Promise.all(nets.map((n) => startClient('udhcpc', n.link)));
    try {
      const leases = await Promise.all(clients.map((c) => c.waitFor(['bound'], 10_000)));
      const dig = async (i: number, name: string) => {
        // No dns_nameservers on the subnets: each client's DNS server is the agent's address on its own network.
        const { stdout } = await nets[i]!.link.exec('dig', [`@${leases[i]!.dns[0]}`, '+time=2', '+tries=2', '+noall', '+comments', '+answer', name, 'A']);
        return { status: /status: (\w+)/.exec(stdout)?.[1], answers: stdout.split('\n').filter((l) => l.trim() && !l.startsWith(';')).map((l) => l.split(/\s+/).at(-1)) };
      };
      for (const [i, own] of nets.entries()) {
        expect(leases[i]!.dns).toStrictEqual([`198.18.${own.octet}.2`]);
        const other = nets[1 - i]!;
        await expect.poll(() => dig(i, `web${i}.${own.domain}`), { timeout: 5000 }).toStrictEqual({ status: 'NOERROR', answers: [own.named.fixed_ips[0]!.ip_address] });
        expect(await dig(i, `host-198-18-${own.octet}-81.${own.domain}`)).toStrictEqual({ status: 'NOERROR', answers: [`198.18.${own.octet}.81`] });
        expect(await dig(i, `web${1 - i}.${other.domain}`)).toStrictEqual({ status: 'NXDOMAIN', answers: [] });
        expect(await dig(i, `host-198-18-${other.octet}-81.${other.domain}`)).toStrictEqual({ status: 'NXDOMAIN', answers: [] });
      }
    } finally {
      await Promise.all(clients.map((c) => c.stop()));
    }
  });
});
