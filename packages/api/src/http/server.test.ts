/** Neutron's HTTP API on a real API service over a real nats-server, driven with fetch. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../testing/api.js';
import { startHttpApi, type HttpApi } from './server.js';

let t: TestApi;
let http: HttpApi;

beforeAll(async () => {
  t = await startTestApi();
  http = await startHttpApi(t.api, { host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await http?.close();
  await t?.stop();
});

async function req(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${http.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

describe('Neutron HTTP API', () => {
  it('answers the version document, the v2.0 resources and the extensions', async () => {
    const root = await req('GET', '/');
    expect(root.body.versions[0]).toMatchObject({ id: 'v2.0', status: 'CURRENT', links: [{ href: `${http.url}/v2.0/`, rel: 'self' }] });
    expect((await req('GET', '/v2.0')).body.resources.map((r: { collection: string }) => r.collection)).toContain('ports');
    const aliases = (await req('GET', '/v2.0/extensions')).body.extensions.map((e: { alias: string }) => e.alias);
    expect(aliases).toEqual(expect.arrayContaining(['agent', 'dhcp_agent_scheduler', 'extra_dhcp_opt', 'dns-integration', 'availability_zone', 'network-ip-availability', 'provider']));
    expect((await req('GET', '/v2.0/extensions/agent')).body.extension.alias).toBe('agent');
    expect((await req('GET', '/v2.0/extensions/router')).status).toBe(404);
  });

  it('creates, shows, lists, updates and deletes a network with wrapped bodies', async () => {
    const created = await req('POST', '/v2.0/networks', { network: { name: 'http-net', admin_state_up: true, description: '', shared: false } });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-openstack-request-id')).toMatch(/^req-/);
    const net = created.body.network;
    expect(net).toMatchObject({ name: 'http-net', status: 'ACTIVE', shared: false, description: '', tags: [], subnets: [], 'router:external': false, 'provider:network_type': 'local' });
    expect((await req('GET', `/v2.0/networks/${net.id}`)).body.network.id).toBe(net.id);
    expect((await req('GET', `/v2.0/networks/${net.id}?fields=id&fields=name`)).body.network).toEqual({ id: net.id, name: 'http-net' });
    expect(net['leasehold:isolated_metadata']).toBeNull();
    const metadataOn = await req('PUT', `/v2.0/networks/${net.id}`, { network: { 'leasehold:isolated_metadata': true } });
    expect(metadataOn.body.network['leasehold:isolated_metadata']).toBe(true);
    const badMetadata = await req('PUT', `/v2.0/networks/${net.id}`, { network: { 'leasehold:isolated_metadata': 'on' } });
    expect(badMetadata.status).toBe(400);
    expect(badMetadata.body.NeutronError.message).toMatch(/leasehold:isolated_metadata/);
    const listed = await req('GET', '/v2.0/networks?name=http-net');
    expect(listed.body.networks.map((n: { id: string }) => n.id)).toEqual([net.id]);
    const renamed = await req('PUT', `/v2.0/networks/${net.id}`, { network: { name: 'http-net-2' } });
    expect(renamed.body.network).toMatchObject({ name: 'http-net-2', revision_number: net.revision_number + 2 });
    expect((await req('DELETE', `/v2.0/networks/${net.id}`)).status).toBe(204);
    const gone = await req('GET', `/v2.0/networks/${net.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ NeutronError: { type: 'NetworkNotFound', message: `Network ${net.id} could not be found.`, detail: '' } });
  });

  it('refuses a Neutron field Leasehold does not keep unless it has its default value', async () => {
    const external = await req('POST', '/v2.0/networks', { network: { name: 'x', 'router:external': true } });
    expect(external.status).toBe(400);
    expect(external.body.NeutronError.type).toBe('InvalidInput');
    expect(external.body.NeutronError.message).toMatch(/router:external/);
    const unknown = await req('POST', '/v2.0/networks', { network: { name: 'x', colour: 'red' } });
    expect(unknown.body.NeutronError.message).toMatch(/colour/);
    expect((await req('POST', '/v2.0/networks', { name: 'unwrapped' })).status).toBe(400);
  });

  it("takes and shows IPv6 subnets with Neutron's keys, refuses a bad mode pair as Neutron does, and gives a dual-stack port both families", async () => {
    const net = (await req('POST', '/v2.0/networks', { network: { name: 'v6-net' } })).body.network;
    const v6 = await req('POST', '/v2.0/subnets', {
      subnet: { network_id: net.id, ip_version: 6, cidr: '2001:db8:40::/64', ipv6_address_mode: 'dhcpv6-stateful', ipv6_ra_mode: 'dhcpv6-stateful', enable_dhcp: true },
    });
    expect(v6.status).toBe(201);
    expect(v6.body.subnet).toMatchObject({
      ip_version: 6,
      cidr: '2001:db8:40::/64',
      gateway_ip: '2001:db8:40::1',
      allocation_pools: [{ start: '2001:db8:40::2', end: '2001:db8:40:0:ffff:ffff:ffff:ffff' }],
      ipv6_address_mode: 'dhcpv6-stateful',
      ipv6_ra_mode: 'dhcpv6-stateful',
      subnetpool_id: null,
    });
    const v4 = (await req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '198.18.41.0/24' } })).body.subnet;
    expect(v4).toMatchObject({ ip_version: 4, ipv6_address_mode: null, ipv6_ra_mode: null });
    const bad = await req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, cidr: '2001:db8:41::/64', ipv6_address_mode: 'slaac', ipv6_ra_mode: 'dhcpv6-stateful' } });
    expect(bad).toMatchObject({
      status: 400,
      body: {
        NeutronError: {
          type: 'InvalidInput',
          message: "Invalid input for operation: ipv6_ra_mode set to 'dhcpv6-stateful' with ipv6_address_mode set to 'slaac' is not valid. If both attributes are set, they must be the same value.",
        },
      },
    });
    const notSlash64 = await req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, cidr: '2001:db8:42::/56', ipv6_address_mode: 'slaac' } });
    expect(notSlash64.body.NeutronError.message).toBe(
      'Invalid input for operation: Invalid CIDR 2001:db8:42::/56 for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64.',
    );
    const port = await req('POST', '/v2.0/ports', { port: { network_id: net.id, extra_dhcp_opts: [{ opt_name: 'dns-server', opt_value: '[2001:db8:40::53]', ip_version: 6 }] } });
    expect(port.status).toBe(201);
    expect(port.body.port.fixed_ips).toEqual([
      { subnet_id: v4.id, ip_address: '198.18.41.2' },
      { subnet_id: v6.body.subnet.id, ip_address: '2001:db8:40::2' },
    ]);
    expect(port.body.port.extra_dhcp_opts).toEqual([{ opt_name: 'dns-server', opt_value: '[2001:db8:40::53]', ip_version: 6 }]);
    const taken = await req('POST', '/v2.0/ports', { port: { network_id: net.id, fixed_ips: [{ ip_address: '2001:db8:40::2' }] } });
    expect(taken).toMatchObject({ status: 409, body: { NeutronError: { type: 'IpAddressAlreadyAllocated', message: `IP address 2001:db8:40::2 already allocated in subnet ${v6.body.subnet.id}` } } });
    expect((await req('GET', `/v2.0/subnets?network_id=${net.id}&ip_version=6`)).body.subnets.map((s: { id: string }) => s.id)).toEqual([v6.body.subnet.id]);
  });

  it("answers subnet and port errors with Neutron's types, statuses and messages", async () => {
    const net = (await req('POST', '/v2.0/networks', { network: { name: 'err-net' } })).body.network;
    const sub = await req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '198.18.40.0/24' } });
    expect(sub.status).toBe(201);
    expect(sub.body.subnet).toMatchObject({ cidr: '198.18.40.0/24', gateway_ip: '198.18.40.1', allocation_pools: [{ start: '198.18.40.2', end: '198.18.40.254' }], service_types: [] });
    const overlap = await req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '198.18.40.128/25' } });
    expect(overlap).toMatchObject({
      status: 400,
      body: { NeutronError: { type: 'InvalidInput', message: `Invalid input for operation: Requested subnet with cidr: 198.18.40.128/25 for network: ${net.id} overlaps with another subnet.`, detail: '' } },
    });
    const badCidr = await req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '198.18.300.0/24' } });
    expect(badCidr.status).toBe(400);
    expect(badCidr.body.NeutronError).toMatchObject({ type: 'InvalidInput', message: 'Invalid input for operation: 198.18.300.0/24 is not in a CIDR format.' });
    const noNet = await req('POST', '/v2.0/ports', { port: { network_id: '00000000-0000-0000-0000-000000000000' } });
    expect(noNet).toMatchObject({ status: 404, body: { NeutronError: { type: 'NetworkNotFound', message: 'Network 00000000-0000-0000-0000-000000000000 could not be found.' } } });
    const port = (await req('POST', '/v2.0/ports', { port: { network_id: net.id, name: 'p1', mac_address: 'fa:16:3e:18:40:11', admin_state_up: true } })).body.port;
    expect(port).toMatchObject({ mac_address: 'fa:16:3e:18:40:11', 'binding:vnic_type': 'normal', security_groups: [], allowed_address_pairs: [] });
    const dupMac = await req('POST', '/v2.0/ports', { port: { network_id: net.id, mac_address: 'fa:16:3e:18:40:11' } });
    expect(dupMac).toMatchObject({ status: 409, body: { NeutronError: { type: 'MacAddressInUse', message: `Unable to complete operation for network ${net.id}. The mac address fa:16:3e:18:40:11 is in use.` } } });
    const ip = port.fixed_ips[0].ip_address;
    const dupIp = await req('POST', '/v2.0/ports', { port: { network_id: net.id, fixed_ips: [{ subnet_id: sub.body.subnet.id, ip_address: ip }] } });
    expect(dupIp).toMatchObject({ status: 409, body: { NeutronError: { type: 'IpAddressAlreadyAllocated', message: `IP address ${ip} already allocated in subnet ${sub.body.subnet.id}` } } });
    const badMac = await req('POST', '/v2.0/ports', { port: { network_id: net.id, mac_address: 'zz:16:3e:18:40:10' } });
    expect(badMac.body.NeutronError).toMatchObject({ type: 'InvalidInput', message: "Invalid input for mac_address. Reason: 'zz:16:3e:18:40:10' is not a valid MAC address." });
    const inUse = await req('DELETE', `/v2.0/networks/${net.id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.NeutronError.type).toBe('NetworkInUse');
    const subnetInUse = await req('DELETE', `/v2.0/subnets/${sub.body.subnet.id}`);
    expect(subnetInUse.body.NeutronError).toMatchObject({ type: 'SubnetInUse', message: `Unable to complete operation on subnet ${sub.body.subnet.id}: One or more ports have an IP allocation from this subnet.` });
    expect((await req('DELETE', `/v2.0/ports/${port.id}`)).status).toBe(204);
    expect((await req('DELETE', `/v2.0/ports/${port.id}`)).body.NeutronError.type).toBe('PortNotFound');
  });

  it('filters, pages with links, bulk-creates and counts used addresses', async () => {
    const net = (await req('POST', '/v2.0/networks', { network: { name: 'page-net' } })).body.network;
    const sub = (await req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '198.18.42.0/29', name: 'small' } })).body.subnet;
    const bulk = await req('POST', '/v2.0/ports', { ports: [1, 2, 3].map((i) => ({ network_id: net.id, name: `bulk-${i}`, device_owner: 'compute:nova' })) });
    expect(bulk.status).toBe(201);
    expect(bulk.body.ports).toHaveLength(3);
    const byOwner = await req('GET', `/v2.0/ports?network_id=${net.id}&device_owner=compute:nova&sort_key=name&sort_dir=desc`);
    expect(byOwner.body.ports.map((p: { name: string }) => p.name)).toEqual(['bulk-3', 'bulk-2', 'bulk-1']);
    const ip = bulk.body.ports[0].fixed_ips[0].ip_address;
    expect((await req('GET', `/v2.0/ports?fixed_ips=ip_address%3D${ip}`)).body.ports.map((p: { id: string }) => p.id)).toEqual([bulk.body.ports[0].id]);
    const first = await req('GET', `/v2.0/ports?network_id=${net.id}&limit=2`);
    expect(first.body.ports).toHaveLength(2);
    const next = first.body.ports_links.find((l: { rel: string }) => l.rel === 'next').href as string;
    const second = await req('GET', next.slice(http.url.length));
    expect(second.body.ports).toHaveLength(1);
    expect(second.body.ports_links.map((l: { rel: string }) => l.rel)).toEqual(['previous']);
    // A bulk create that fails part-way leaves nothing behind: the /29 has 5 addresses and 3 are taken.
    const tooMany = await req('POST', '/v2.0/ports', { ports: [1, 2, 3].map(() => ({ network_id: net.id })) });
    expect(tooMany).toMatchObject({ status: 409, body: { NeutronError: { type: 'IpAddressGenerationFailure', message: `No more IP addresses available on network ${net.id}.` } } });
    expect((await req('GET', `/v2.0/ports?network_id=${net.id}`)).body.ports).toHaveLength(3);
    const availability = (await req('GET', `/v2.0/network-ip-availabilities/${net.id}`)).body.network_ip_availability;
    expect(availability).toMatchObject({ network_id: net.id, network_name: 'page-net', used_ips: 3, total_ips: 5, subnet_ip_availability: [{ subnet_id: sub.id, cidr: '198.18.42.0/29', used_ips: 3, total_ips: 5 }] });
  });

  it('applies If-Match: revision_number=N and answers 412 when it is stale', async () => {
    const net = (await req('POST', '/v2.0/networks', { network: { name: 'rev-net' } })).body.network;
    const stale = await req('PUT', `/v2.0/networks/${net.id}`, { network: { name: 'b' } }, { 'if-match': `revision_number=${net.revision_number + 5}` });
    expect(stale.status).toBe(412);
    expect(stale.body.NeutronError.type).toBe('RevisionNumberConstraintFailed');
    const ok = await req('PUT', `/v2.0/networks/${net.id}`, { network: { name: 'b' } }, { 'if-match': `revision_number=${net.revision_number}` });
    expect(ok.body.network.name).toBe('b');
  });

  it('shows agents, hosts networks on them and lists availability zones', async () => {
    await t.heartbeat('agent-h1');
    const agents = (await req('GET', '/v2.0/agents')).body.agents;
    expect(agents.map((a: { id: string }) => a.id)).toContain('agent-h1');
    const agent = (await req('GET', '/v2.0/agents/agent-h1')).body.agent;
    expect(agent).toMatchObject({ agent_type: 'DHCP agent', host: 'host-agent-h1', availability_zone: 'az1', alive: true, topic: 'dhcp_agent' });
    expect(agent.heartbeat_timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const net = (await req('POST', '/v2.0/networks', { network: { name: 'hosted', 'provider:physical_network': 'physnet1' } })).body.network;
    expect((await req('POST', '/v2.0/agents/agent-h1/dhcp-networks', { network_id: net.id })).status).toBe(201);
    const again = await req('POST', '/v2.0/agents/agent-h1/dhcp-networks', { network_id: net.id });
    expect(again).toMatchObject({ status: 409, body: { NeutronError: { type: 'NetworkHostedByDHCPAgent', message: `The network ${net.id} has been already hosted by the DHCP Agent agent-h1.` } } });
    expect((await req('GET', '/v2.0/agents/agent-h1/dhcp-networks')).body.networks.map((n: { id: string }) => n.id)).toContain(net.id);
    expect((await req('GET', `/v2.0/networks/${net.id}/dhcp-agents`)).body.agents.map((a: { id: string }) => a.id)).toEqual(['agent-h1']);
    expect((await req('GET', `/v2.0/networks/${net.id}`)).body.network.availability_zones).toEqual(['az1']);
    expect((await req('GET', '/v2.0/availability_zones')).body.availability_zones).toContainEqual(expect.objectContaining({ name: 'az1', resource: 'network', state: 'available' }));
    expect((await req('DELETE', `/v2.0/agents/agent-h1/dhcp-networks/${net.id}`)).status).toBe(204);
    const notHosted = await req('DELETE', `/v2.0/agents/agent-h1/dhcp-networks/${net.id}`);
    expect(notHosted).toMatchObject({ status: 409, body: { NeutronError: { type: 'NetworkNotHostedByDhcpAgent' } } });
    const disabled = await req('PUT', '/v2.0/agents/agent-h1', { agent: { admin_state_up: false } });
    expect(disabled.body.agent.admin_state_up).toBe(false);
    expect((await req('GET', '/v2.0/agents/nope')).body.NeutronError.type).toBe('AgentNotFound');
  });

  it("shows a port's status by the API's rule: DOWN until an agent hosting its network reports it folded the port, then ACTIVE", async () => {
    await t.heartbeat('agent-st');
    const net = (await req('POST', '/v2.0/networks', { network: { name: 'status-net', 'provider:physical_network': 'physnet1', 'provider:network_type': 'vlan', 'provider:segmentation_id': 43 } })).body.network;
    await req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '198.18.43.0/24' } });
    expect((await req('POST', '/v2.0/agents/agent-st/dhcp-networks', { network_id: net.id })).status).toBe(201);
    const port = (await req('POST', '/v2.0/ports', { port: { network_id: net.id } })).body.port;
    expect(port.status).toBe('DOWN');
    // What agent-st's readiness report would say once its model folded the port (agent's readiness.ts).
    t.nc.publish('lh.api.agents.agent-st.ready', JSON.stringify({ position: port.revision_number, networks: [net.id] }));
    await expect.poll(async () => (await req('GET', `/v2.0/ports/${port.id}`)).body.port.status).toBe('ACTIVE');
    expect((await req('GET', `/v2.0/ports?network_id=${net.id}`)).body.ports.map((p: { status: string }) => p.status)).toEqual(['ACTIVE']);
  });

  it('answers an unknown path and a body over the limit as Neutron errors', async () => {
    expect((await req('GET', '/v2.0/routers')).body.NeutronError.type).toBe('HTTPNotFound');
    const big = await req('POST', '/v2.0/networks', { network: { name: 'x'.repeat(70_000) } });
    expect(big.status).toBe(413);
    expect(big.body.NeutronError.type).toBe('HTTPRequestEntityTooLarge');
  });
});

describe('Neutron HTTP API auth', () => {
  it('refuses to listen beyond loopback without a token', async () => {
    await expect(startHttpApi(t.api, { host: '0.0.0.0', port: 0 })).rejects.toThrow(/token/);
  });

  it('wants X-Auth-Token when a token is set', async () => {
    const guarded = await startHttpApi(t.api, { host: '127.0.0.1', port: 0, token: 's3cret' });
    try {
      const without = await fetch(`${guarded.url}/v2.0/networks`);
      expect(without.status).toBe(401);
      const wrong = await fetch(`${guarded.url}/v2.0/networks`, { headers: { 'x-auth-token': 'guess' } });
      expect(wrong.status).toBe(401);
      const right = await fetch(`${guarded.url}/v2.0/networks`, { headers: { 'x-auth-token': 's3cret' } });
      expect(right.status).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it('counts requests by method, route pattern and status, and hands each one\'s time to the next scrape once', async () => {
    const before = http.stats.requests();
    const count = (list: typeof before, method: string, route: string, status: string) => list.find((r) => r.method === method && r.route === route && r.status === status)?.count ?? 0;
    http.stats.drainSeconds();
    const created = await req('POST', '/v2.0/networks', { network: { name: 'http-stats' } });
    await req('GET', `/v2.0/networks/${created.body.network.id}`);
    await req('GET', '/v2.0/networks/no-such-network');
    await req('GET', '/v2.0/no-such-collection');
    const after = http.stats.requests();
    expect(count(after, 'POST', '/v2.0/networks', '201') - count(before, 'POST', '/v2.0/networks', '201')).toBe(1);
    expect(count(after, 'GET', '/v2.0/networks/:id', '200') - count(before, 'GET', '/v2.0/networks/:id', '200')).toBe(1);
    expect(count(after, 'GET', '/v2.0/networks/:id', '404') - count(before, 'GET', '/v2.0/networks/:id', '404')).toBe(1);
    expect(count(after, 'GET', 'unmatched', '404') - count(before, 'GET', 'unmatched', '404')).toBe(1);
    const seconds = http.stats.drainSeconds();
    expect(seconds).toHaveLength(4);
    for (const s of seconds) expect(s).toBeGreaterThan(0);
    expect(http.stats.drainSeconds()).toEqual([]);
  });
});
