/**
 * DHCPv6 on VXLAN networks (issue 22), with real clients: two tenants with
 * the same IPv6 prefix, each on a VXLAN segment of its own, served by one
 * agent in each network's qdhcp-<network> namespace (as segments.test.ts
 * does for DHCPv4): one underlay link from the agent's namespace to an
 * "underlay" namespace, each tenant's `dhclient -6` in its own namespace
 * behind a VXLAN device for its VNI. Each must be answered from its own
 * network's pool with its own DNS servers, each lease journaled in its own
 * network, and each DHCP port's IPv6 address must sit on its network's
 * device in that network's namespace. The agent's DNS answers there over
 * IPv6 (the second subnet names no DNS server, so DHCPv6 offers that
 * address): `dig AAAA` and `dig -x` from each tenant get its own network's
 * port and never the other's. And each tenant's `curl -6` to
 * [fe80::a9fe:a9fe%tenant0] reaches its own network's metadata proxy in
 * the namespace, which knows the caller by the MAC in its link-local
 * address and gets its own instance id from a Nova stand-in.
 */
import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultMetadataOptions } from '@leasehold/agent';
import { ip, macOf, type TestLink } from '@leasehold/agent/testing';
import { parseIpv6 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';
import { dhclient6, linkLocalReady } from './dhclient6.js';

let env: AgentEnv;
/** Nova's metadata API, as far as this test needs it: the instance id the proxy says is asking. */
let nova: Server;
beforeAll(async () => {
  env = await startAgentEnv();
  nova = createServer((req, res) => void res.writeHead(200, { 'Content-Type': 'text/plain' }).end(String(req.headers['x-instance-id'])));
  await new Promise<void>((resolve) => nova.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await env.stop();
  nova.closeAllConnections();
  await new Promise((resolve) => nova.close(resolve));
});

/** The prefix both tenants use; each has a pool of its own in it, so an address says which network gave it. */
const PREFIX = 'fd00:6e76::';
const pool = (i: number) => ({ start: `${PREFIX}${i + 1}00`, end: `${PREFIX}${i + 1}ff` });

describe('DHCPv6 on VXLAN networks', () => {
  test('two VXLAN tenants with the same IPv6 prefix: each dhclient -6 gets an address from its own network\'s pool and its own DNS servers, leased in its own network, from an agent answering in each qdhcp namespace that holds its DHCP port\'s IPv6 address; DNS over IPv6 and metadata on fe80::a9fe:a9fe there answer each tenant for its own network', async () => {
    const underlay = await env.link();
    await ip('addr', 'add', '198.18.237.1/24', 'dev', underlay.hostIf);
    await underlay.exec('ip', ['addr', 'add', '198.18.237.2/24', 'dev', underlay.clientIf]);
    // A port and VNIs of this run: another test's VXLAN devices on this host never meet these.
    const port = 40_000 + randomInt(10_000);
    const vniBase = randomInt(1, 16_000_000);
    const agent = await env.startAgent({
      agentId: `agent-vx6-${vniBase}`,
      segments: { vxlan: { interface: underlay.hostIf, remotes: ['198.18.237.2'], port } },
      // Names under example that are no port's are NXDOMAIN, never asked of the host's resolver.
      dns: { enabled: true, port: 53, cache: { noResolv: true, servers: [], domainServers: [{ domain: 'example', server: 'local' }] } },
      metadata: { ...defaultMetadataOptions, enableIsolatedMetadata: true, novaMetadataPort: (nova.address() as AddressInfo).port },
    });
    const tenants: { link: TestLink; networkId: string; vni: number; dhcpAddress: string; vmAddress: string; instance: string }[] = [];
    for (const i of [0, 1]) {
      const vni = vniBase + i;
      const { network } = await env.network(
        'unused',
        { cidr: '198.18.238.0/24', allocation_pools: [{ start: '198.18.238.2', end: '198.18.238.99' }], dynamic_pools: [{ start: `198.18.238.${100 + 50 * i}`, end: `198.18.238.${140 + 50 * i}` }] },
        { 'provider:physical_network': null, 'provider:network_type': 'vxlan', 'provider:segmentation_id': vni, dns_domain: `vx6-${i}.example` },
      );
      await env.t.client.subnets.create({
        network_id: network.id,
        cidr: `${PREFIX}/64`,
        ipv6_address_mode: 'dhcpv6-stateful',
        ipv6_ra_mode: 'dhcpv6-stateful',
        allocation_pools: [pool(i)],
        // The second names none: its clients get the agent's own address there (option 23).
        dns_nameservers: i === 0 ? [`${PREFIX}53:0`] : [],
      });
      await env.bind(agent, network.id);
      const [dhcpPort] = (await env.t.client.ports.list({ network_id: network.id })).filter((p) => p.device_owner === 'network:dhcp');
      const dhcpAddress = dhcpPort!.fixed_ips.find((f) => f.ip_address.includes(':'))!.ip_address;
      // The tenant's port: a VXLAN device of the VNI on the underlay's far end, moved into the tenant's namespace.
      const tenant = await env.link();
      const staging = `lht6${i}${vniBase.toString(36)}`.slice(0, 15);
      await underlay.exec('ip', ['link', 'add', staging, 'type', 'vxlan', 'id', String(vni), 'dstport', String(port), 'local', '198.18.237.2', 'remote', '198.18.237.1', 'dev', underlay.clientIf]);
      await underlay.exec('ip', ['link', 'set', staging, 'netns', tenant.ns, 'name', 'tenant0']);
      await tenant.exec('ip', ['link', 'set', 'tenant0', 'up']);
      // The tenant's instance: a port with its MAC (DHCPv6 gives it the port's address; metadata knows it by its link-local address).
      const instance = `instance-vx6-${i}-${vniBase}`;
      const vm = await env.t.client.ports.create({ network_id: network.id, mac_address: await macOf(tenant.ns, 'tenant0'), device_owner: 'compute:nova', device_id: instance, dns_name: 'vm' });
      const vmAddress = vm.fixed_ips.find((f) => f.ip_address.includes(':'))!.ip_address;
      tenants.push({ link: { ...tenant, clientIf: 'tenant0' }, networkId: network.id, vni, dhcpAddress, vmAddress, instance });
    }
    await linkLocalReady(...tenants.flatMap((t) => [[`qdhcp-${t.networkId}`, `vxlan-${t.vni}`] as const, [t.link.ns, 'tenant0'] as const]));
    for (const t of tenants) expect(await ip('-6', '-n', `qdhcp-${t.networkId}`, 'addr', 'show', `vxlan-${t.vni}`)).toContain(`inet6 ${t.dhcpAddress}/64`);

    const clients = tenants.map((t) => dhclient6(t.link, false));
    try {
      const bound = await Promise.all(clients.map((c) => c.waitFor('new_ip6_address', 0, 20_000)));
      for (const [i, t] of tenants.entries()) {
        const address = bound[i]!.new_ip6_address!;
        const own = pool(i);
        expect(parseIpv6(address) >= parseIpv6(own.start) && parseIpv6(address) <= parseIpv6(own.end), `tenant ${i} got ${address}, not from ${own.start}-${own.end}`).toBe(true);
        expect(address).toBe(t.vmAddress);
        expect(bound[i]!.new_dhcp6_name_servers).toBe(i === 0 ? `${PREFIX}53:0` : t.dhcpAddress);
        expect(bound[i]!.new_dhcp6_domain_search).toBe(`vx6-${i}.example.`);
        // Leased in its own network, and only there.
        expect(agent.model.lease6Table(t.networkId).holderAt(parseIpv6(address), Date.now())).toBeDefined();
        expect(agent.model.lease6Table(tenants[1 - i]!.networkId).holderAt(parseIpv6(address), Date.now())).toBeUndefined();
      }
      for (const [i, t] of tenants.entries()) {
        const other = tenants[1 - i]!;
        // What a dhclient-script would do with the lease (the test's hook only records it), on the prefix an RA would make on-link.
        await t.link.exec('ip', ['-6', 'addr', 'add', `${t.vmAddress}/64`, 'dev', 'tenant0', 'nodad']);
        const dig = async (...args: string[]) => (await t.link.exec('dig', [`@${t.dhcpAddress}`, '+short', '+time=2', '+tries=2', ...args])).stdout.trim();
        await expect.poll(() => dig('AAAA', `vm.vx6-${i}.example`), { timeout: 5000 }).toBe(t.vmAddress);
        expect(await dig('-x', t.vmAddress)).toBe(`vm.vx6-${i}.example.`);
        // The other network's name is not answered here (its view is the other namespace's).
        expect(await dig('AAAA', `vm.vx6-${1 - i}.example`)).toBe('');
        expect(await dig('-x', other.vmAddress)).toBe('');
        const curl = async () => (await t.link.exec('curl', ['-6', '-g', '-s', '-m', '5', 'http://[fe80::a9fe:a9fe%tenant0]/latest/meta-data/instance-id'], { timeoutMs: 10_000 }).catch(() => ({ stdout: '' }))).stdout;
        await expect.poll(curl, { timeout: 10_000 }).toBe(t.instance);
      }
    } finally {
      await Promise.all(clients.map((c) => c.stop()));
      await agent.stop();
    }
  });
});
