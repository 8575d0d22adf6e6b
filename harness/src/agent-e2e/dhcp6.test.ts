/**
 * DHCPv6 with real clients (issue 22 points 3 and 6): ISC dhclient -6 in a
 * namespace solicits the agent directly (no router advertisement needed) on
 * a dual-stack network: stateful, it gets an address from the subnet's pool
 * with the DNS servers and domain list, renews it at T1 and releases it
 * (dhclient -6 -r), each in the journal (lh.evt.lease6) when the client has
 * it, and the API lists the lease; a port's client gets the port's address; an agent restarted on the
 * link renews the address it gave (same server DUID, leases folded); of
 * two agents on one link one answers, and the survivor takes the REBIND; with
 * -S (stateless, INFORMATION-REQUEST) it gets the DNS servers and domain
 * list alone; a DHCPv4 client on the same network still gets its lease; and
 * a client behind a real relay (ISC dhcrelay -6) gets its address through
 * RELAY-FORW/RELAY-REPL, the subnet found by the relay's link-address; and
 * a client that sends its FQDN (option 39) on a subnet naming no DNS server
 * is given the agent's own IPv6 address, where dig answers its name (AAAA,
 * and dig -x), on its own network's view.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ip, macOf, startClient } from '@leasehold/agent/testing';
import { lease6FromEnvelope } from '@leasehold/lease-actor';
import { parseIpv6 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';
import { dhclient6, linkLocalReady } from './dhclient6.js';

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

/** A dual-stack network served by a fresh agent on a fresh link: an IPv4 subnet and an IPv6 one in `mode`. */
async function dualStack(tag: number, mode: 'dhcpv6-stateful' | 'dhcpv6-stateless', leaseSeconds: number) {
  const link = await env.link();
  const physnet = `phys6${tag}`;
  const agent = await env.startAgent({ agentId: `agent-dhcp6-${tag}`, interfaceMappings: { [physnet]: link.hostIf } });
  const { network } = await env.network(
    physnet,
    { cidr: `198.18.${tag}.0/24`, allocation_pools: [{ start: `198.18.${tag}.2`, end: `198.18.${tag}.99` }], dynamic_pools: [{ start: `198.18.${tag}.100`, end: `198.18.${tag}.150` }] },
    { dns_domain: `v6-${tag}.example` },
  );
  const v6 = await env.t.client.subnets.create({
    network_id: network.id,
    cidr: `2001:db8:${tag}::/64`,
    ipv6_address_mode: mode,
    ipv6_ra_mode: mode,
    dns_nameservers: [`2001:db8:${tag}::53`],
    lease_duration: leaseSeconds,
  });
  await env.bind(agent, network.id);
  await linkLocalReady([undefined, link.hostIf], [link.ns, link.clientIf]);
  return { link, agent, network, v6 };
}

async function lease6Events(networkId: string): Promise<{ type: string; ip: string; seq: number; hostname?: string }[]> {
  const out: { type: string; ip: string; seq: number; hostname?: string }[] = [];
  await env.t.journal.replay(`lh.evt.lease6.${networkId}.>`, ({ event, seq }) => {
    const lease = lease6FromEnvelope(event);
    out.push({ type: lease.type, ip: lease.ip, seq, ...('hostname' in lease && lease.hostname !== undefined ? { hostname: lease.hostname } : {}) });
  });
  return out;
}

describe('DHCPv6 with real clients', () => {
  test('dhclient -6 (stateful) gets a pool address, the DNS servers and the domain list, renews it at T1 and releases it, each journaled first and listed by the API; dhclient -4 on the same network gets its DHCPv4 lease (dual stack)', async () => {
    const { link, network, v6 } = await dualStack(121, 'dhcpv6-stateful', 8);
    const client = dhclient6(link, false);
    const client4 = await startClient('dhclient', link);
    try {
      const bound = await client.waitFor('new_ip6_address');
      const address = bound.new_ip6_address!;
      const pool = v6.allocation_pools[0]!;
      expect(parseIpv6(address) >= parseIpv6(pool.start) && parseIpv6(address) <= parseIpv6(pool.end)).toBe(true);
      expect(bound.new_dhcp6_name_servers).toBe('2001:db8:121::53');
      expect(bound.new_dhcp6_domain_search).toBe('v6-121.example.');
      // Granted only once durable: the journal has it.
      expect(await lease6Events(network.id)).toMatchObject([{ type: 'Lease6Bound', ip: address }]);
      // The API lists it (its read model folds the lease6 events), under the MAC of the client's DUID-LLT.
      const mac = await macOf(link.ns, link.clientIf);
      await expect
        .poll(async () => await env.t.client.leases.list({ network_id: network.id, ip_version: 6 }), { timeout: 10_000 })
        .toMatchObject([{ ip_version: 6, ip_address: address, mac_address: mac, state: 'bound', iaid: expect.any(Number), duid: expect.stringMatching(/^0001/) }]);
      // T1 is 4 s: a RENEW, answered with the same address and journaled as a renewal.
      const seen = client.calls().length;
      const renewed = await client.waitFor('new_ip6_address', seen, 30_000);
      expect(renewed.new_ip6_address).toBe(address);
      expect((await lease6Events(network.id)).map((e) => e.type)).toContain('Lease6Renewed');
      // Dual stack: the DHCPv4 client beside it is served as before.
      const lease4 = await client4.waitFor(['BOUND']);
      expect(lease4.ip).toMatch(/^198\.18\.121\.(1[0-4]\d|150)$/);
      // dhclient -6 -r: a RELEASE, acknowledged once Lease6Released is journaled.
      await client.release();
      await expect.poll(async () => (await lease6Events(network.id)).at(-1), { timeout: 10_000 }).toMatchObject({ type: 'Lease6Released', ip: address });
      await expect.poll(async () => (await env.t.client.leases.show({ network_id: network.id, ip_address: address })).state, { timeout: 10_000 }).toBe('released');
    } finally {
      await client.stop();
      await client4.stop();
    }
  });

  test("a client that sends its FQDN (option 39) gets AAAA and ip6.arpa PTR on its network's DNS view, and the agent's own IPv6 address as DNS server (the subnet names none): dig there answers both", async () => {
    const link = await env.link();
    const agent = await env.startAgent({ agentId: 'agent-dhcp6-names', interfaceMappings: { phys6127: link.hostIf } });
    const { network } = await env.network('phys6127', { cidr: '198.18.127.0/24', allocation_pools: [{ start: '198.18.127.2', end: '198.18.127.99' }], dynamic_pools: [{ start: '198.18.127.100', end: '198.18.127.150' }] }, { dns_domain: 'v6-127.example' });
    const v6 = await env.t.client.subnets.create({ network_id: network.id, cidr: '2001:db8:127::/64', ipv6_address_mode: 'dhcpv6-stateful', ipv6_ra_mode: 'dhcpv6-stateful' });
    await env.bind(agent, network.id);
    // The agent's DHCP port has an address of the IPv6 subnet; the agent puts it on its interface and its DNS cache listens there.
    const own = await expect
      .poll(async () => (await env.t.client.ports.list({ network_id: network.id })).find((p) => p.device_owner === 'network:dhcp')?.fixed_ips.find((f) => f.subnet_id === v6.id)?.ip_address, { timeout: 10_000 })
      .toBeDefined()
      .then(async () => (await env.t.client.ports.list({ network_id: network.id })).find((p) => p.device_owner === 'network:dhcp')!.fixed_ips.find((f) => f.subnet_id === v6.id)!.ip_address);
    await expect.poll(() => agent.dns.addresses().map((a) => a.address), { timeout: 10_000 }).toContain(own);
    await linkLocalReady([undefined, link.hostIf], [link.ns, link.clientIf]);
    const client = dhclient6(link, false, 'send fqdn.fqdn "vm-six";\n');
    try {
      const bound = await client.waitFor('new_ip6_address');
      const address = bound.new_ip6_address!;
      expect(bound.new_dhcp6_name_servers).toBe(own);
      expect(await lease6Events(network.id)).toMatchObject([{ type: 'Lease6Bound', ip: address, hostname: 'vm-six' }]);
      // The hook configures nothing: the client end gets an address of the subnet to ask from.
      await ip('-n', link.ns, '-6', 'addr', 'add', '2001:db8:127::200/64', 'dev', link.clientIf, 'nodad');
      const dig = async (...args: string[]) => (await link.exec('dig', [`@${own}`, '+short', '+time=2', '+tries=2', ...args])).stdout.trim();
      await expect.poll(() => dig('vm-six.v6-127.example', 'AAAA'), { timeout: 5000 }).toBe(address);
      expect(await dig('-x', address)).toBe('vm-six.v6-127.example.');
    } finally {
      await client.stop();
    }
  });

  test("a port's client (its MAC in dhclient -6's DUID-LLT) gets the port's IPv6 address, as dnsmasq matches a dhcp-host", async () => {
    const link = await env.link();
    const agent = await env.startAgent({ agentId: 'agent-dhcp6-static', interfaceMappings: { phys6124: link.hostIf } });
    const { network } = await env.network('phys6124', { cidr: '198.18.124.0/24', allocation_pools: [{ start: '198.18.124.2', end: '198.18.124.99' }], dynamic_pools: [{ start: '198.18.124.100', end: '198.18.124.150' }] });
    const v6 = await env.t.client.subnets.create({ network_id: network.id, cidr: '2001:db8:124::/64', ipv6_address_mode: 'dhcpv6-stateful', ipv6_ra_mode: 'dhcpv6-stateful' });
    const port = await env.t.client.ports.create({ network_id: network.id, mac_address: await macOf(link.ns, link.clientIf) });
    const address = port.fixed_ips.find((f) => f.subnet_id === v6.id)!.ip_address;
    await env.bind(agent, network.id);
    await linkLocalReady([undefined, link.hostIf], [link.ns, link.clientIf]);
    const client = dhclient6(link, false);
    try {
      expect((await client.waitFor('new_ip6_address')).new_ip6_address).toBe(address);
      expect(await lease6Events(network.id)).toMatchObject([{ type: 'Lease6Bound', ip: address }]);
    } finally {
      await client.stop();
    }
  });

  test('an agent restarted on the same link keeps its clients: the new process folds the IPv6 leases, has the same server DUID, and renews the address it gave', async () => {
    const { link, agent, network } = await dualStack(125, 'dhcpv6-stateful', 8);
    const client = dhclient6(link, false);
    try {
      const address = (await client.waitFor('new_ip6_address')).new_ip6_address!;
      const duid = agent.dhcp6.serverDuid;
      await agent.stop();
      const again = await env.startAgent({ agentId: agent.config.agentId, interfaceMappings: agent.config.interfaceMappings });
      expect(again.dhcp6.serverDuid).toStrictEqual(duid);
      await env.bind(again, network.id);
      const seen = client.calls().length;
      // T1 is 4 s: the RENEW names the same server, which the new process is.
      expect((await client.waitFor('new_ip6_address', seen, 30_000)).new_ip6_address).toBe(address);
      await expect.poll(async () => (await lease6Events(network.id)).map((e) => e.type), { timeout: 10_000 }).toContain('Lease6Renewed');
      expect(new Set((await lease6Events(network.id)).map((e) => e.ip))).toStrictEqual(new Set([address]));
    } finally {
      await client.stop();
    }
  });

  test('two agents on one link: one answers the client (the split on its DUID, the other not-ours), and when it stops the survivor answers the REBIND with the same address', async () => {
    const link = await env.link();
    const agents = [await env.startAgent({ agentId: 'agent-dhcp6-ha-a', interfaceMappings: { phys6126: link.hostIf } }), await env.startAgent({ agentId: 'agent-dhcp6-ha-b', interfaceMappings: { phys6126: link.hostIf } })];
    const { network } = await env.network('phys6126', { cidr: '198.18.126.0/24', allocation_pools: [{ start: '198.18.126.2', end: '198.18.126.99' }], dynamic_pools: [{ start: '198.18.126.100', end: '198.18.126.150' }] });
    await env.t.client.subnets.create({ network_id: network.id, cidr: '2001:db8:126::/64', ipv6_address_mode: 'dhcpv6-stateful', ipv6_ra_mode: 'dhcpv6-stateful', lease_duration: 12 });
    for (const agent of agents) await env.bind(agent, network.id);
    await Promise.all(agents.map((a) => a.heartbeat()));
    await expect.poll(() => agents.every((a) => a.model.agentsOf(network.id).length === 2 && agents.every((b) => a.model.agents.has(b.config.agentId))), { timeout: 5000 }).toBe(true);
    await linkLocalReady([undefined, link.hostIf], [link.ns, link.clientIf]);
    const client = dhclient6(link, false);
    try {
      const address = (await client.waitFor('new_ip6_address')).new_ip6_address!;
      const answering = agents.filter((a) => a.dhcp6.stats.counts.reply > 0);
      expect(answering).toHaveLength(1);
      const [other] = agents.filter((a) => a !== answering[0]);
      expect(other!.dhcp6.stats.counts['not-ours']).toBeGreaterThan(0);
      // The answering agent dies and is unscheduled; the client's RENEW names it, unanswered, until its REBIND at T2 (9.6 s) reaches the survivor.
      const seen = client.calls().length;
      await answering[0]!.stop();
      await env.unbind(answering[0]!.config.agentId, network.id);
      await expect.poll(() => other!.model.agentsOf(network.id), { timeout: 5000 }).toStrictEqual([other!.config.agentId]);
      expect((await client.waitFor('new_ip6_address', seen, 30_000)).new_ip6_address).toBe(address);
      expect(other!.dhcp6.stats.counts.reply).toBeGreaterThan(0);
      // The survivor journaled the address again: a Lease6Renewed, or, when a loaded machine let the 12 s lease
      // expire before the REBIND came (a clean-clone CI run saw it), a new Lease6Bound of it after its Lease6Expired.
      const again = (await lease6Events(network.id)).slice(1).filter((e) => e.ip === address).map((e) => e.type);
      expect(again.some((type) => type === 'Lease6Renewed' || type === 'Lease6Bound'), again.join(', ')).toBe(true);
    } finally {
      await client.stop();
    }
  });

  test('dhclient -6 -S (stateless: INFORMATION-REQUEST) gets the DNS servers and the domain list, and no address is leased', async () => {
    const { link, network } = await dualStack(122, 'dhcpv6-stateless', 600);
    const client = dhclient6(link, true);
    try {
      const info = await client.waitFor('new_dhcp6_name_servers');
      expect(info.new_dhcp6_name_servers).toBe('2001:db8:122::53');
      expect(info.new_dhcp6_domain_search).toBe('v6-122.example.');
      expect(info.new_ip6_address).toBeUndefined();
      expect(await lease6Events(network.id)).toEqual([]);
    } finally {
      await client.stop();
    }
  });

  test('a client behind dhcrelay -6 gets an address of the subnet the relay\'s link-address names, on a network the agent reaches through relays alone', async () => {
    // uplink: agent (this namespace) ↔ relay; down: relay ↔ client, its "host" end moved into the relay's namespace.
    const uplink = await env.link();
    const down = await env.link();
    const relayNs = uplink.ns;
    await ip('link', 'set', down.hostIf, 'netns', relayNs);
    await ip('-n', relayNs, 'addr', 'add', '2001:db8:123::1/64', 'dev', down.hostIf, 'nodad');
    await ip('-n', relayNs, 'link', 'set', down.hostIf, 'up');
    const agent = await env.startAgent({ agentId: 'agent-dhcp6-relay', relayInterfaces: [uplink.hostIf] });
    const { network } = await env.network('phys-dhcp6-relayed', { cidr: '198.18.123.0/24', gateway_ip: '198.18.123.1', allocation_pools: [{ start: '198.18.123.2', end: '198.18.123.99' }], dynamic_pools: [{ start: '198.18.123.100', end: '198.18.123.150' }] }, { dns_domain: 'relayed6.example' });
    const v6 = await env.t.client.subnets.create({ network_id: network.id, cidr: '2001:db8:123::/64', ipv6_address_mode: 'dhcpv6-stateful', ipv6_ra_mode: 'dhcpv6-stateful', dns_nameservers: ['2001:db8:123::53'] });
    await env.bind(agent, network.id);
    expect(agent.served()).toMatchObject([{ networkId: network.id, ifname: undefined }]);
    await linkLocalReady([undefined, uplink.hostIf], [relayNs, uplink.clientIf], [relayNs, down.hostIf], [down.ns, down.clientIf]);
    const pidDir = mkdtempSync(join(tmpdir(), 'lh-dhcrelay6-'));
    // No address after -u: dhcrelay sends to All_DHCP_Servers (ff05::1:3) on its upper interface.
    const relay = uplink.spawn('dhcrelay', ['-6', '-d', '-pf', join(pidDir, 'pid'), '-l', down.hostIf, '-u', uplink.clientIf]);
    let relayLog = '';
    relay.stdout!.setEncoding('utf8').on('data', (t: string) => (relayLog += t));
    relay.stderr!.setEncoding('utf8').on('data', (t: string) => (relayLog += t));
    const client = dhclient6(down, false);
    try {
      const bound = await client.waitFor('new_ip6_address').catch((e: Error) => {
        throw new Error(`${e.message}\ndhcrelay:\n${relayLog}`);
      });
      const pool = v6.allocation_pools[0]!;
      expect(parseIpv6(bound.new_ip6_address!) >= parseIpv6(pool.start) && parseIpv6(bound.new_ip6_address!) <= parseIpv6(pool.end)).toBe(true);
      expect(bound.new_dhcp6_name_servers).toBe('2001:db8:123::53');
      expect(bound.new_dhcp6_domain_search).toBe('relayed6.example.');
      expect(await lease6Events(network.id)).toMatchObject([{ type: 'Lease6Bound', ip: bound.new_ip6_address }]);
    } finally {
      await client.stop();
      relay.kill('SIGKILL');
      rmSync(pidDir, { recursive: true, force: true });
    }
  });
});
