/**
 * Isolated metadata end to end (issue 23 point 1): an agent with Neutron's
 * enable_isolated_metadata serves a network without a router; a real udhcpc
 * in a client namespace gets option 121 with 169.254.169.254/32 through the
 * DHCP port (and the default route RFC 3442 asks for) and installs it, and a
 * real curl there fetches the instance id through the agent's proxy from a
 * small Nova metadata stand-in run here, which answers only requests bearing
 * Neutron's headers with a valid signature. A curl from an address of the
 * same link that is no port's gets 404, and Nova never hears of it. Once a
 * router interface port holds the gateway, the subnet's route goes through
 * the gateway and the proxy and its address are gone. A network's own
 * leasehold:isolated_metadata wins over the agent's setting: off, no route
 * and no proxy; on (an API update), the renewal's route and curl's answer.
 * With an IPv6 subnet the proxy also listens on fe80::a9fe:a9fe on the
 * network's interface, and a curl -6 from the instance's link-local address
 * is known by the MAC in its EUI-64 interface id (as Neutron's agent does).
 *
 * Then the same on two VXLAN networks with the same CIDR, the same DHCP port
 * address and the same instance address: each network's proxy listens in
 * its own qdhcp-<network> namespace, so each tenant's curl gets its own
 * instance's id (set up as segments.test.ts does: an underlay veth, each
 * tenant behind a VXLAN device of its VNI).
 */
import { execFile } from 'node:child_process';
import { createHmac, randomInt } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { defaultMetadataOptions } from '@leasehold/agent';
import { macOf, startClient, type TestLink } from '@leasehold/agent/testing';
import { formatIpv4, parseIpv4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';

const execFileAsync = promisify(execFile);
const SECRET = 'e2e-metadata-shared-secret';
const INSTANCE = '3f1b6c0e-9a7d-4e21-b5c8-0d2e4f6a8b10';

let env: AgentEnv;
let nova: Server;
const heard: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  env = await startAgentEnv();
  // Nova's check, written here on its own: the signature is the hex HMAC-SHA256 of X-Instance-ID under the shared secret.
  nova = createServer((req, res) => {
    heard.push(req.headers);
    const id = req.headers['x-instance-id'];
    const signature = createHmac('sha256', SECRET).update(String(id)).digest('hex');
    const complete = typeof id === 'string' && typeof req.headers['x-tenant-id'] === 'string' && typeof req.headers['x-forwarded-for'] === 'string';
    if (!complete || req.headers['x-instance-id-signature'] !== signature) return void res.writeHead(403).end('bad signature\n');
    if (req.url !== '/latest/meta-data/instance-id') return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(id);
  });
  await new Promise<void>((resolve) => nova.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await env.stop();
  nova.closeAllConnections();
  await new Promise((r) => nova.close(r));
});

const curl = async (link: TestLink, ...args: string[]) => {
  const { stdout } = await link.exec('curl', ['-s', '-m', '10', '-w', '\n%{http_code}', ...args], { timeoutMs: 15_000 });
  const at = stdout.lastIndexOf('\n');
  return { body: stdout.slice(0, at), status: stdout.slice(at + 1) };
};

describe('isolated metadata', () => {
  test('a client learns the route to 169.254.169.254 by DHCP, curl through it gets its instance id from Nova with signed headers, a stranger gets 404; a router on the gateway ends the proxy', async () => {
    const link = await env.link();
    const agent = await env.startAgent({
      agentId: 'agent-metadata',
      interfaceMappings: { 'phys-md': link.hostIf },
      dns: { enabled: false, port: 0 },
      metadata: { ...defaultMetadataOptions, enableIsolatedMetadata: true, novaMetadataPort: (nova.address() as AddressInfo).port, metadataProxySharedSecret: SECRET },
    });
    const { network, subnet } = await env.network('phys-md', {
      cidr: '198.18.64.0/24',
      gateway_ip: '198.18.64.1',
      allocation_pools: [{ start: '198.18.64.2', end: '198.18.64.99' }],
      dynamic_pools: [],
    });
    const mac = await macOf(link.ns, link.clientIf);
    const port = await env.t.client.ports.create({
      network_id: network.id,
      mac_address: mac,
      device_owner: 'compute:nova',
      device_id: INSTANCE,
      fixed_ips: [{ subnet_id: subnet.id, ip_address: '198.18.64.20' }],
    });
    await env.bind(agent, network.id);
    const dhcpIp = formatIpv4([...agent.served().find((s) => s.networkId === network.id)!.serverIps.values()][0]!);
    await expect.poll(() => agent.metadata?.listening().has(network.id), { timeout: 10_000 }).toBe(true);

    const client = await startClient('udhcpc', link, { routes: true });
    try {
      const lease = await client.waitFor(['bound'], 15_000);
      expect(lease.ip).toBe('198.18.64.20');
      // Option 121: the metadata route through the DHCP port, then the default route a client taking 121 needs (RFC 3442).
      expect(lease.routes).toStrictEqual([`169.254.169.254/32 via ${dhcpIp}`, '0.0.0.0/0 via 198.18.64.1']);
      // The client's hook records the lease before it installs the routes: wait for them.
      await expect.poll(async () => (await link.exec('ip', ['-4', 'route', 'show'])).stdout, { timeout: 10_000 }).toContain(`169.254.169.254 via ${dhcpIp} dev ${link.clientIf}`);

      heard.length = 0;
      expect(await curl(link, 'http://169.254.169.254/latest/meta-data/instance-id')).toStrictEqual({ body: INSTANCE, status: '200' });
      expect(heard).toHaveLength(1);
      expect(heard[0]).toMatchObject({ 'x-forwarded-for': '198.18.64.20', 'x-instance-id': INSTANCE, 'x-tenant-id': port.project_id });

      // Another address on the same link, in the subnet but no port's: the proxy answers 404 itself.
      await link.exec('ip', ['addr', 'add', '198.18.64.200/24', 'dev', link.clientIf]);
      expect((await curl(link, '--interface', '198.18.64.200', 'http://169.254.169.254/latest/meta-data/instance-id')).status).toBe('404');
      expect(heard).toHaveLength(1);
      expect(agent.metadata?.stats.counts).toMatchObject({ forwarded: 1, 'not-found': 1 });

      // A router plugged in on the gateway: the subnet is routed now (Neutron's rule), its route goes through the gateway, and the proxy and its address go.
      await env.t.client.ports.create({ network_id: network.id, device_owner: 'network:router_interface', device_id: 'router-1', fixed_ips: [{ subnet_id: subnet.id, ip_address: '198.18.64.1' }] });
      await expect.poll(() => agent.metadata?.listening().has(network.id), { timeout: 10_000 }).toBe(false);
      expect(agent.served().find((s) => s.networkId === network.id)?.metadataRoutes).toStrictEqual(new Map([[subnet.id, parseIpv4('198.18.64.1')]]));
      expect((await execFileAsync('ip', ['-4', 'addr', 'show', 'dev', link.hostIf])).stdout).not.toContain('169.254.169.254');
    } finally {
      await client.stop();
    }
  });

  test("a network's own leasehold:isolated_metadata wins over the agent's setting: off, its client gets no route to 169.254.169.254 and no proxy listens; set on through the API, a renewal brings the route and curl gets the instance id", async () => {
    const link = await env.link();
    const agent = await env.startAgent({
      agentId: 'agent-metadata-own',
      interfaceMappings: { 'phys-md-own': link.hostIf },
      dns: { enabled: false, port: 0 },
      // The agent's default is on: the network's false must win.
      metadata: { ...defaultMetadataOptions, enableIsolatedMetadata: true, novaMetadataPort: (nova.address() as AddressInfo).port, metadataProxySharedSecret: SECRET },
    });
    const { network, subnet } = await env.network(
      'phys-md-own',
      { cidr: '198.18.67.0/24', gateway_ip: '198.18.67.1', allocation_pools: [{ start: '198.18.67.2', end: '198.18.67.99' }], dynamic_pools: [] },
      { 'leasehold:isolated_metadata': false },
    );
    const instance = 'instance-with-its-own-setting';
    await env.t.client.ports.create({ network_id: network.id, mac_address: await macOf(link.ns, link.clientIf), device_owner: 'compute:nova', device_id: instance, fixed_ips: [{ subnet_id: subnet.id, ip_address: '198.18.67.20' }] });
    await env.bind(agent, network.id);
    const dhcpIp = formatIpv4([...agent.served().find((s) => s.networkId === network.id)!.serverIps.values()][0]!);

    const client = await startClient('udhcpc', link, { routes: true });
    try {
      const lease = await client.waitFor(['bound'], 15_000);
      expect(lease.ip).toBe('198.18.67.20');
      // Served (it answered), and still no metadata: no classless route at all, no proxy, no address.
      expect(lease.routes).toStrictEqual([]);
      expect(agent.metadata.listening().has(network.id)).toBe(false);
      expect((await execFileAsync('ip', ['-4', 'addr', 'show', 'dev', link.hostIf])).stdout).not.toContain('169.254.169.254');

      await env.t.client.networks.update(network.id, { 'leasehold:isolated_metadata': true });
      await expect.poll(() => agent.metadata.listening().has(network.id), { timeout: 10_000 }).toBe(true);
      const seen = client.events().length;
      client.renew();
      const renewed = await client.waitFor(['renew', 'bound'], 15_000, seen);
      expect(renewed.routes).toStrictEqual([`169.254.169.254/32 via ${dhcpIp}`, '0.0.0.0/0 via 198.18.67.1']);
      // Polled: the hook installs the renewed routes just after it records the lease.
      await expect.poll(() => curl(link, 'http://169.254.169.254/latest/meta-data/instance-id'), { timeout: 10_000 }).toStrictEqual({ body: instance, status: '200' });
    } finally {
      await client.stop();
    }
  });

  test('with an IPv6 subnet the proxy also answers on fe80::a9fe:a9fe on the network\'s interface: curl -6 from the instance\'s link-local address is known by the MAC in its EUI-64 id; without the subnet, the address and listener go', async () => {
    const link = await env.link();
    const agent = await env.startAgent({
      agentId: 'agent-metadata-v6',
      interfaceMappings: { 'phys-md-v6': link.hostIf },
      dns: { enabled: false, port: 0 },
      metadata: { ...defaultMetadataOptions, enableIsolatedMetadata: true, novaMetadataPort: (nova.address() as AddressInfo).port, metadataProxySharedSecret: SECRET },
    });
    const { network, subnet } = await env.network('phys-md-v6', { cidr: '198.18.68.0/24', gateway_ip: '198.18.68.1', allocation_pools: [{ start: '198.18.68.2', end: '198.18.68.99' }], dynamic_pools: [] });
    // Only in the API: no IPv6 address or route is put in the host's namespace by this test.
    const subnet6 = await env.t.client.subnets.create({ network_id: network.id, ip_version: 6, cidr: '2001:db8:68::/64', ipv6_address_mode: 'slaac', ipv6_ra_mode: 'slaac' });
    const instance = 'instance-over-ipv6';
    const mac = await macOf(link.ns, link.clientIf);
    await env.t.client.ports.create({ network_id: network.id, mac_address: mac, device_owner: 'compute:nova', device_id: instance, fixed_ips: [{ subnet_id: subnet.id, ip_address: '198.18.68.20' }] });
    await env.bind(agent, network.id);
    await expect.poll(() => agent.metadata.listening().get(network.id)?.v6, { timeout: 10_000 }).toBe(true);
    expect((await execFileAsync('ip', ['-6', 'addr', 'show', 'dev', link.hostIf])).stdout).toContain('fe80::a9fe:a9fe/128');

    // The client's own link-local address (EUI-64 of its MAC) must be past DAD before curl can use it.
    await expect.poll(async () => (await link.exec('ip', ['-6', 'addr', 'show', 'dev', link.clientIf, 'scope', 'link'])).stdout, { timeout: 10_000 }).toMatch(/fe80::.*scope link(?! tentative)/);
    heard.length = 0;
    const url = `http://[fe80::a9fe:a9fe%${link.clientIf}]/latest/meta-data/instance-id`;
    await expect.poll(() => curl(link, '-6', '-g', url), { timeout: 10_000 }).toStrictEqual({ body: instance, status: '200' });
    const { stdout: own } = await link.exec('ip', ['-6', '-o', 'addr', 'show', 'dev', link.clientIf, 'scope', 'link']);
    expect(heard.at(-1)?.['x-forwarded-for']).toBe(/inet6 (fe80::[0-9a-f:]+)\//.exec(own)?.[1]);

    await env.t.client.subnets.delete(subnet6.id);
    await expect.poll(() => agent.metadata.listening().get(network.id)?.v6, { timeout: 10_000 }).toBe(false);
    expect((await execFileAsync('ip', ['-6', 'addr', 'show', 'dev', link.hostIf])).stdout).not.toContain('fe80::a9fe:a9fe');
  });

  test("two VXLAN networks with the same addresses: each tenant's curl reaches its own network's proxy in qdhcp-<network> and gets its own instance's id", async () => {
    const underlay = await env.link();
    await addressBothEnds(underlay, '198.18.232.1/24', '198.18.232.2/24');
    const port = 40_000 + randomInt(10_000);
    const vniBase = randomInt(1, 16_000_000);
    const agent = await env.startAgent({
      agentId: `agent-metadata-vxlan-${vniBase}`,
      segments: { vxlan: { interface: underlay.hostIf, remotes: ['198.18.232.2'], port } },
      dns: { enabled: false, port: 0 },
      metadata: { ...defaultMetadataOptions, enableIsolatedMetadata: true, novaMetadataPort: (nova.address() as AddressInfo).port, metadataProxySharedSecret: SECRET },
    });
    const tenants: { link: TestLink; networkId: string; instance: string }[] = [];
    for (const i of [0, 1]) {
      const vni = vniBase + i;
      const tenant = await env.link();
      const staging = `lhmv${i}${vniBase.toString(36)}`.slice(0, 15);
      await underlay.exec('ip', ['link', 'add', staging, 'type', 'vxlan', 'id', String(vni), 'dstport', String(port), 'local', '198.18.232.2', 'remote', '198.18.232.1', 'dev', underlay.clientIf]);
      await underlay.exec('ip', ['link', 'set', staging, 'netns', tenant.ns, 'name', 'tenant0']);
      await tenant.exec('ip', ['link', 'set', 'tenant0', 'up']);
      const { network, subnet } = await env.network('unused', { cidr: '198.18.66.0/24', gateway_ip: '198.18.66.1', allocation_pools: [{ start: '198.18.66.2', end: '198.18.66.99' }], dynamic_pools: [] }, {
        'provider:physical_network': null,
        'provider:network_type': 'vxlan',
        'provider:segmentation_id': vni,
      });
      const instance = `instance-of-tenant-${i}-${vniBase}`;
      await env.t.client.ports.create({ network_id: network.id, mac_address: await macOf(tenant.ns, 'tenant0'), device_owner: 'compute:nova', device_id: instance, fixed_ips: [{ subnet_id: subnet.id, ip_address: '198.18.66.20' }] });
      await env.bind(agent, network.id);
      tenants.push({ link: { ...tenant, clientIf: 'tenant0' }, networkId: network.id, instance });
    }
    await expect.poll(() => [...(agent.metadata?.listening().values() ?? [])].map((p) => p.netns).sort(), { timeout: 10_000 }).toStrictEqual(tenants.map((t) => `qdhcp-${t.networkId}`).sort());

    const clients = await Promise.all(tenants.map((t) => startClient('udhcpc', t.link, { routes: true })));
    try {
      for (const [i, t] of tenants.entries()) {
        const lease = await clients[i]!.waitFor(['bound'], 20_000);
        expect(lease.ip).toBe('198.18.66.20');
        expect(lease.routes).toStrictEqual(['169.254.169.254/32 via 198.18.66.2', '0.0.0.0/0 via 198.18.66.1']);
        expect(await curl(t.link, 'http://169.254.169.254/latest/meta-data/instance-id')).toStrictEqual({ body: t.instance, status: '200' });
      }
    } finally {
      await Promise.all(clients.map((c) => c.stop()));
    }
  });
});

/** Addresses on both ends of a test link (the host end here, the client end in its namespace). */
async function addressBothEnds(l: TestLink, host: string, client: string): Promise<void> {
  await execFileAsync('ip', ['addr', 'add', host, 'dev', l.hostIf]);
  await l.exec('ip', ['addr', 'add', client, 'dev', l.clientIf]);
}
