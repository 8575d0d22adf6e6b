/**
 * Segments (issue 18 points 1, 2 and 7), with real clients: two tenants
 * with the same CIDR, each on a segment of its own, served by one agent.
 *
 * - VXLAN: one underlay link (a veth from the agent's namespace to an
 *   "underlay" namespace standing for the rest of the fabric); the agent makes
 *   each network's VXLAN device in qdhcp-<network>; each tenant's client sits
 *   in its own namespace behind a VXLAN device for its VNI, made in the
 *   underlay namespace and moved there, as a hypervisor's tenant port would be.
 * - VLAN, through the operator's template mapping (`{physical}.{vid}`): this
 *   kernel has no 802.1Q, so each segment's interface is a veth whose frames
 *   a userspace tagger moves to and from a trunk (agent-env/vlan-trunk.ts);
 *   the trunk carries real 802.1Q frames to a switch namespace whose tagger
 *   hands each VLAN to its tenant's link.
 *
 * Both networks get the same DHCP port address (198.18.x.2); each client must
 * be answered from its own network's pool, and the agent's namespaces and
 * devices must go with their networks.
 */
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { promisify } from 'node:util';
import { formatIpv4, parseIpv4 } from '@leasehold/protocol';
import { startClient, type ClientKind, type TestLink } from '@leasehold/agent/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';
import { startVlanTrunk } from '../agent-env/vlan-trunk.js';

const run = promisify(execFile);
const ip = async (...args: string[]) => (await run('ip', args)).stdout;

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

/** Same CIDR for both tenants, different dynamic pools, so an address says which network gave it. */
const tenantSubnet = (octet: number, pool: number) => ({
  cidr: `198.18.${octet}.0/24`,
  allocation_pools: [{ start: `198.18.${octet}.2`, end: `198.18.${octet}.99` }],
  dynamic_pools: [{ start: `198.18.${octet}.${pool}`, end: `198.18.${octet}.${pool + 9}` }],
});

/** Each tenant's client leases from its own network, with the same server identifier, and the agent records each lease in its own network. */
async function leaseEach(tenants: readonly { link: TestLink; kind: ClientKind; networkId: string; pool: number }[], octet: number) {
  const agent = env.agents.at(-1)!;
  const clients = await Promise.all(tenants.map((t) => startClient(t.kind, t.link)));
  try {
    const leases = await Promise.all(clients.map((c) => c.waitFor(['bound', 'BOUND'], 20_000)));
    for (const [i, t] of tenants.entries()) {
      const lease = leases[i]!;
      expect(lease.serverId).toBe(`198.18.${octet}.2`);
      const host = Number(lease.ip.split('.')[3]);
      expect(lease.ip.startsWith(`198.18.${octet}.`) && host >= t.pool && host <= t.pool + 9, `${t.kind} got ${lease.ip}, not from pool .${t.pool}`).toBe(true);
      const other = tenants[1 - i]!;
      expect(agent.model.table(t.networkId)?.lease(parseIpv4(lease.ip), Date.now())).toBeDefined();
      expect(agent.model.table(other.networkId)?.lease(parseIpv4(lease.ip), Date.now())).toBeUndefined();
    }
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
  }
}

const namespaces = async () => (await ip('netns', 'list')).split('\n').map((l) => l.split(' ')[0]);

describe('tenants with the same CIDR on segments of their own', () => {
  test('two VXLAN segments: each client (udhcpc, dhclient) gets an address from its own network and resolves its own port name, not the other\'s, at its DHCP port address; qdhcp namespaces go with their network and the agent', async () => {
    const underlay = await env.link();
    await ip('addr', 'add', '198.18.230.1/24', 'dev', underlay.hostIf);
    await underlay.exec('ip', ['addr', 'add', '198.18.230.2/24', 'dev', underlay.clientIf]);
    // A port and VNIs of this run: another test's VXLAN devices on this host never meet these.
    const port = 40_000 + randomInt(10_000);
    const vniBase = randomInt(1, 16_000_000);
    const agent = await env.startAgent({
      agentId: `agent-vxlan-${vniBase}`,
      segments: { vxlan: { interface: underlay.hostIf, remotes: ['198.18.230.2'], port } },
      // Its DNS answers inside each qdhcp namespace; upstream is local-only for `example` (as dns-views.test.ts), so another network's name is NXDOMAIN.
      dns: { enabled: true, port: 53, cache: { noResolv: true, servers: [], domainServers: [{ domain: 'example', server: 'local' }] } },
    });
    const tenants: { link: TestLink; kind: ClientKind; networkId: string; pool: number }[] = [];
    for (const [i, kind, pool] of [[0, 'udhcpc', 100], [1, 'dhclient', 200]] as const) {
      const vni = vniBase + i;
      const { network, subnet } = await env.network('unused', tenantSubnet(231, pool), {
        'provider:physical_network': null,
        'provider:network_type': 'vxlan',
        'provider:segmentation_id': vni,
        dns_domain: `vx${i}.example`,
      });
      // The same address in both networks, under each network's own name.
      await env.t.client.ports.create({ network_id: network.id, dns_name: `web${i}`, fixed_ips: [{ subnet_id: subnet.id, ip_address: '198.18.231.80' }] });
      await env.bind(agent, network.id);
      // The tenant's port: a VXLAN device of the VNI on the underlay's far end, moved into the tenant's namespace.
      const tenant = await env.link();
      const staging = `lhtv${i}${vniBase.toString(36)}`.slice(0, 15);
      await underlay.exec('ip', ['link', 'add', staging, 'type', 'vxlan', 'id', String(vni), 'dstport', String(port), 'local', '198.18.230.2', 'remote', '198.18.230.1', 'dev', underlay.clientIf]);
      await underlay.exec('ip', ['link', 'set', staging, 'netns', tenant.ns, 'name', 'tenant0']);
      await tenant.exec('ip', ['link', 'set', 'tenant0', 'up']);
      tenants.push({ link: { ...tenant, clientIf: 'tenant0' }, kind, networkId: network.id, pool });
    }
    const [a, b] = tenants as [(typeof tenants)[0], (typeof tenants)[0]];
    expect(await namespaces()).toEqual(expect.arrayContaining([`qdhcp-${a.networkId}`, `qdhcp-${b.networkId}`]));
    expect(await ip('-n', `qdhcp-${a.networkId}`, 'addr', 'show', `vxlan-${vniBase}`)).toContain('inet 198.18.231.2/24');
    expect(await ip('-n', `qdhcp-${b.networkId}`, 'addr', 'show', `vxlan-${vniBase + 1}`)).toContain('inet 198.18.231.2/24');

    await leaseEach(tenants, 231);
    // Each tenant asks its DHCP port address (the same 198.18.231.2 in both), from an address of its own (the clients are gone).
    const dig = async (i: number, name: string) => {
      const { stdout } = await tenants[i]!.link.exec('dig', ['@198.18.231.2', '+time=2', '+tries=2', '+noall', '+comments', '+answer', name, 'A']);
      return { status: /status: (\w+)/.exec(stdout)?.[1], answers: stdout.split('\n').filter((l) => l.trim() && !l.startsWith(';')).map((l) => l.split(/\s+/).at(-1)) };
    };
    for (const [i, t] of tenants.entries()) {
      await t.link.exec('ip', ['addr', 'replace', `198.18.231.${240 + i}/24`, 'dev', 'tenant0']);
      await expect.poll(() => dig(i, `web${i}.vx${i}.example`), { timeout: 5000 }).toStrictEqual({ status: 'NOERROR', answers: ['198.18.231.80'] });
      expect(await dig(i, `web${1 - i}.vx${1 - i}.example`)).toStrictEqual({ status: 'NXDOMAIN', answers: [] });
    }
    // The cache listens only inside the two namespaces, none in the agent's own.
    expect(agent.dns.addresses().map((a) => `${a.address}@${a.netns}`).sort()).toStrictEqual(tenants.map((t) => `198.18.231.2@qdhcp-${t.networkId}`).sort());

    await env.unbind(agent.config.agentId, a.networkId);
    await expect.poll(async () => (await namespaces()).includes(`qdhcp-${a.networkId}`), { timeout: 10_000 }).toBe(false);
    expect(await namespaces()).toContain(`qdhcp-${b.networkId}`);
    await agent.stop();
    expect(await namespaces()).not.toContain(`qdhcp-${b.networkId}`);
    expect(await ip('-d', 'link', 'show', 'type', 'vxlan')).not.toMatch(new RegExp(`vxlan id (${vniBase}|${vniBase + 1}) `));
  });

  test('a VXLAN network fails over to another agent: the new device takes the DHCP port\'s MAC, and the bound client (udhcpc) renews against the same server identifier without a NAK', async () => {
    const underlay = await env.link();
    await ip('addr', 'add', '198.18.234.1/24', 'dev', underlay.hostIf);
    await underlay.exec('ip', ['addr', 'add', '198.18.234.2/24', 'dev', underlay.clientIf]);
    const port = 40_000 + randomInt(10_000);
    const vni = randomInt(1, 16_000_000);
    const config = { segments: { vxlan: { interface: underlay.hostIf, remotes: ['198.18.234.2'], port } }, dns: { enabled: false, port: 0 } };
    const first = await env.startAgent({ agentId: `agent-vx-a-${vni}`, ...config });
    const next = await env.startAgent({ agentId: `agent-vx-b-${vni}`, ...config });
    const { network, subnet } = await env.network('unused', { ...tenantSubnet(235, 100), lease_duration: 60 }, { 'provider:physical_network': null, 'provider:network_type': 'vxlan', 'provider:segmentation_id': vni });
    await env.bind(first, network.id);
    const tenant = await env.link();
    await underlay.exec('ip', ['link', 'add', `lhtf${vni.toString(36)}`, 'type', 'vxlan', 'id', String(vni), 'dstport', String(port), 'local', '198.18.234.2', 'remote', '198.18.234.1', 'dev', underlay.clientIf]);
    await underlay.exec('ip', ['link', 'set', `lhtf${vni.toString(36)}`, 'netns', tenant.ns, 'name', 'tenant0']);
    await tenant.exec('ip', ['link', 'set', 'tenant0', 'up']);
    const deviceMac = async () => (JSON.parse(await ip('-j', '-n', `qdhcp-${network.id}`, 'link', 'show', `vxlan-${vni}`)) as { address: string }[])[0]!.address;
    const [dhcpPort] = (await env.t.client.ports.list({ network_id: network.id })).filter((p) => p.device_owner === 'network:dhcp');
    expect(await deviceMac()).toBe(dhcpPort!.mac_address);

    const client = await startClient('udhcpc', { ...tenant, clientIf: 'tenant0' });
    try {
      const bound = await client.waitFor(['bound'], 20_000);
      expect(bound.serverId).toBe(formatIpv4(first.served()[0]!.serverIps.get(subnet.id)!));

      // The first agent dies (its namespace goes with it); the scheduler unbinds it and binds the other, which makes the device anew.
      await first.stop();
      expect(await namespaces()).not.toContain(`qdhcp-${network.id}`);
      await env.unbind(first.config.agentId, network.id);
      await env.bind(next, network.id);
      expect(await deviceMac()).toBe(dhcpPort!.mac_address);

      const seen = client.events().length;
      const acks = next.server.stats.counts.ack;
      client.renew();
      const renewed = await client.waitFor(['renew', 'bound'], 15_000, seen);
      expect(renewed).toMatchObject({ ip: bound.ip, serverId: bound.serverId });
      expect(next.server.stats.counts.ack).toBe(acks + 1);
      expect(next.server.stats.counts.nak).toBe(0);
    } finally {
      await client.stop();
      await next.stop();
    }
  });

  test("two VLAN segments through the operator's template ({physical}.{vid}) over a trunk carrying real 802.1Q frames: each client (dhclient, udhcpc) gets an address from its own network", async () => {
    const vids = [100 + randomInt(800), 1000 + randomInt(800)] as const;
    const clientLinks = [await env.link(), await env.link()] as const;
    // Each VLAN's interface in the agent's namespace stands for a kernel VLAN device: a userspace tagger moves its frames to and from the trunk.
    const trunk = await startVlanTrunk(vids.map((vid, i) => [vid, clientLinks[i]!] as const));
    try {
      const agent = await env.startAgent({
        agentId: `agent-vlan-${vids[0]}-${vids[1]}`,
        interfaceMappings: { 'phys-trunk': trunk.physical },
        segments: { vlanInterfaceTemplate: '{physical}.{vid}', vxlan: { remotes: [], port: 4789 } },
        dns: { enabled: false, port: 0 },
      });
      const tenants: { link: TestLink; kind: ClientKind; networkId: string; pool: number }[] = [];
      for (const [i, kind, pool] of [[0, 'dhclient', 100], [1, 'udhcpc', 200]] as const) {
        const { network } = await env.network('phys-trunk', tenantSubnet(232, pool), { 'provider:network_type': 'vlan', 'provider:segmentation_id': vids[i] });
        await env.bind(agent, network.id);
        tenants.push({ link: clientLinks[i]!, kind, networkId: network.id, pool });
      }
      expect(agent.served().map((s) => s.ifname).sort()).toStrictEqual(vids.map((v) => `${trunk.physical}.${v}`).sort());
      await leaseEach(tenants, 232);
      expect([...trunk.tagged].sort()).toStrictEqual([...vids].sort());
      await agent.stop();
    } finally {
      await trunk.remove();
    }
  });
});
