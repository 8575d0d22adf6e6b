/**
 * One agent, two networks at once, each on its own interface (Neutron gives
 * each network its own qdhcp namespace; we give each a mapped interface and a
 * socket bound to it): a real client on each link gets an address of its own
 * network, with its own network's options, from its own network's server id.
 */
import { heldLeases, macOf, startClient } from '@leasehold/agent/testing';
import { formatIpv4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

describe('two networks on two interfaces', () => {
  test('one agent serves two networks at once and a client on each link gets an address of its own network', async () => {
    const links = [await env.link(), await env.link()] as const;
    const agent = await env.startAgent({ agentId: 'agent-two-nets', interfaceMappings: { 'phys-a': links[0].hostIf, 'phys-b': links[1].hostIf } });
    const nets = [];
    for (const [i, physnet, octet] of [[0, 'phys-a', 131], [1, 'phys-b', 132]] as const) {
      const { network, subnet } = await env.network(
        physnet,
        {
          cidr: `198.18.${octet}.0/24`,
          allocation_pools: [{ start: `198.18.${octet}.2`, end: `198.18.${octet}.99` }],
          dynamic_pools: [{ start: `198.18.${octet}.100`, end: `198.18.${octet}.150` }],
          dns_nameservers: [`198.18.${octet}.53`],
        },
        { mtu: 1400 + i * 50, dns_domain: `net${i}.example` },
      );
      await env.bind(agent, network.id);
      nets.push({ network, subnet, octet, link: links[i] });
    }
    expect(agent.served().map((s) => s.ifname).sort()).toStrictEqual([links[0].hostIf, links[1].hostIf].sort());

    const clients = await Promise.all(nets.map((n) => startClient('udhcpc', n.link)));
    try {
      const leases = await Promise.all(clients.map((c) => c.waitFor(['bound'], 10_000)));
      for (const [i, n] of nets.entries()) {
        const lease = leases[i]!;
        expect(lease.ip).toMatch(new RegExp(`^198\\.18\\.${n.octet}\\.1[0-4]\\d$|^198\\.18\\.${n.octet}\\.150$`));
        expect(lease.routers).toStrictEqual([n.subnet.gateway_ip]);
        expect(lease.dns).toStrictEqual([`198.18.${n.octet}.53`]);
        expect(lease.domain).toBe(`net${i}.example`);
        expect(lease.mtu).toBe(1400 + i * 50);
        const served = agent.served().find((s) => s.networkId === n.network.id)!;
        expect(lease.serverId).toBe(formatIpv4(served.serverIps.get(n.subnet.id)!));
        // The journal agrees: this network holds exactly this client's lease.
        const held = await heldLeases(env.t.journal, n.network.id);
        expect([...held]).toStrictEqual([[lease.ip, await macOf(n.link.ns, n.link.clientIf)]]);
      }
    } finally {
      await Promise.all(clients.map((c) => c.stop()));
    }
  });
});
