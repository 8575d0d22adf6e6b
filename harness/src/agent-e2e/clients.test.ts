/**
 * End to end with real DHCP clients in network namespaces: dhclient,
 * busybox udhcpc and dhcpcd each get a lease from the agent with the right
 * address and options, renew it, and release it; every step is in the journal.
 */
import { startClient, type ClientKind } from '@leasehold/agent/testing';
import { leaseSubject } from '@leasehold/lease-actor';
import { parseIpv4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

const kinds: [ClientKind, number][] = [
  ['dhclient', 110],
  ['udhcpc', 111],
  ['dhcpcd', 112],
];

async function leaseEvents(networkId: string, ip: string): Promise<string[]> {
  return (await env.t.journal.read(leaseSubject(networkId, parseIpv4(ip)))).map((s) => s.event.type);
}

describe('real DHCP clients', () => {
  test.each(kinds)('%s obtains a lease with the right address and options, renews it and releases it', async (kind, octet) => {
    const net = `198.18.${octet}`;
    const link = await env.link();
    const physnet = `phys-${kind}`;
    const agent = await env.startAgent({ agentId: `agent-${kind}`, interfaceMappings: { [physnet]: link.hostIf } });
    const { network, subnet } = await env.network(
      physnet,
      {
        cidr: `${net}.0/24`,
        allocation_pools: [{ start: `${net}.2`, end: `${net}.99` }],
        dynamic_pools: [{ start: `${net}.100`, end: `${net}.150` }],
        dns_nameservers: [`${net}.53`, '198.19.0.53'],
        host_routes: [{ destination: '198.19.0.0/16', nexthop: `${net}.254` }],
        lease_duration: 8,
      },
      { mtu: 1450, dns_domain: 'e2e.example' },
    );
    await env.bind(agent, network.id);

    const client = await startClient(kind, link);
    try {
      const lease = await client.waitFor(['BOUND', 'bound', 'REBOOT']);
      const last = Number(lease.ip.split('.')[3]);
      expect(lease.ip.startsWith(`${net}.`)).toBe(true);
      expect(last).toBeGreaterThanOrEqual(100);
      expect(last).toBeLessThanOrEqual(150);
      expect(lease.mask).toMatch(/^(255\.255\.255\.0|24)$/);
      expect(lease.routers).toStrictEqual([subnet.gateway_ip]);
      expect(lease.dns).toStrictEqual([`${net}.53`, '198.19.0.53']);
      expect(lease.domain).toBe('e2e.example');
      expect(lease.mtu).toBe(1450);
      expect(lease.routes).toContain(`198.19.0.0/16 via ${net}.254`);
      expect(lease.routes).toContain(`0.0.0.0/0 via ${subnet.gateway_ip}`);
      expect(lease.leaseSeconds).toBe(8);
      expect(await leaseEvents(network.id, lease.ip)).toStrictEqual(['LeaseBound']);

      // T1 is half the lease: the client renews by unicast and keeps its address.
      const seen = client.events().length;
      client.renew();
      const renewed = await client.waitFor(['RENEW', 'renew', 'BOUND', 'bound'], 15_000, seen);
      expect(renewed.ip).toBe(lease.ip);
      await expect.poll(() => leaseEvents(network.id, lease.ip), { timeout: 5000 }).toContain('LeaseRenewed');

      await client.release();
      await expect.poll(() => leaseEvents(network.id, lease.ip), { timeout: 10_000 }).toContain('LeaseReleased');
    } finally {
      await client.stop();
    }
  });
});
