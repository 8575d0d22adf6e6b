import { headers } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiError } from './errors.js';
import { startTestApi, type TestApi } from './testing/index.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.stop());

const json = new TextEncoder();
const text = new TextDecoder();

async function rejects(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('the API as a NATS service', () => {
  test('it answers $SRV.PING and INFO discovery with its name and endpoints', async () => {
    const ping = await t.nc.request('$SRV.PING.leasehold-api', new Uint8Array());
    expect(JSON.parse(text.decode(ping.data))).toMatchObject({ name: 'leasehold-api', type: 'io.nats.micro.v1.ping_response' });
    const info = JSON.parse(text.decode((await t.nc.request('$SRV.INFO.leasehold-api', new Uint8Array())).data));
    expect(info.endpoints.map((e: { subject: string }) => e.subject)).toContain('lh.api.v1.ports.create');
    expect(info.endpoints.map((e: { subject: string }) => e.subject)).toContain('lh.api.agents.*.dhcp-port');
  });

  test('a JSON request (body starting with "{") gets a JSON reply, as `nats req` would', async () => {
    const reply = await t.nc.request('lh.api.v1.networks.create', json.encode('{"name":"by-hand","mtu":1450}'));
    const body = JSON.parse(text.decode(reply.data));
    expect(body.network).toMatchObject({ name: 'by-hand', mtu: 1450, admin_state_up: true, status: 'ACTIVE' });
    expect(reply.headers?.get('content-type')).toBe('application/json');
  });

  test('a JSON error carries the stable code, status and field, and the service error headers', async () => {
    const h = headers();
    h.set('content-type', 'application/json');
    const reply = await t.nc.request('lh.api.v1.subnets.create', json.encode(' {"network_id":"nope","cidr":"198.18.0.0/24"}'), { headers: h, timeout: 5000 });
    expect(reply.headers?.get('Nats-Service-Error-Code')).toBe('404');
    expect(JSON.parse(text.decode(reply.data))).toStrictEqual({
      error: { code: 'NOT_FOUND', status: 404, field: 'network_id', message: 'network nope not found' },
    });
  });
});

describe('networks', () => {
  test('create, show, list with filters, update and delete', async () => {
    const net = await t.client.networks.create({ name: 'n-crud', dns_domain: 'example.org', availability_zone_hints: ['az1'], 'provider:physical_network': 'physnet1' });
    expect(net).toMatchObject({ name: 'n-crud', mtu: 1500, dns_domain: 'example.org.', availability_zone_hints: ['az1'], 'provider:physical_network': 'physnet1', subnets: [] });
    expect(await t.client.networks.show(net.id)).toStrictEqual(net);
    expect((await t.client.networks.list({ name: 'n-crud' })).map((n) => n.id)).toStrictEqual([net.id]);
    expect(await t.client.networks.list({ name: 'no-such-name' })).toStrictEqual([]);
    const updated = await t.client.networks.update(net.id, { mtu: 9000, admin_state_up: false });
    expect(updated).toMatchObject({ mtu: 9000, admin_state_up: false, status: 'DOWN' });
    expect(updated.revision_number).toBeGreaterThan(net.revision_number);
    await t.client.networks.delete(net.id);
    expect((await rejects(t.client.networks.show(net.id))).code).toBe('NOT_FOUND');
  });

  test('an update naming a stale revision_number is a VERSION_CONFLICT and changes nothing', async () => {
    const net = await t.client.networks.create({ name: 'n-rev' });
    await t.client.networks.update(net.id, { name: 'n-rev-2' });
    const error = await rejects(t.client.networks.update(net.id, { name: 'n-rev-3', revision_number: net.revision_number }));
    expect(error).toMatchObject({ code: 'VERSION_CONFLICT', field: 'revision_number' });
    expect((await t.client.networks.show(net.id)).name).toBe('n-rev-2');
  });

  test('a network with ports cannot be deleted (NETWORK_IN_USE)', async () => {
    const net = await t.client.networks.create({ name: 'n-busy' });
    await t.client.subnets.create({ network_id: net.id, cidr: '198.18.40.0/24' });
    await t.client.ports.create({ network_id: net.id });
    expect(await rejects(t.client.networks.delete(net.id))).toMatchObject({ code: 'NETWORK_IN_USE', status: 409 });
  });

  test('deleting a network removes its subnets and its DHCP ports', async () => {
    const net = await t.client.networks.create({ name: 'n-dhcp-only' });
    const subnet = await t.client.subnets.create({ network_id: net.id, cidr: '198.18.41.0/24' });
    const dhcp = await t.client.ports.create({ network_id: net.id, device_owner: 'network:dhcp', device_id: 'dhcp-agent-1' });
    await t.client.networks.delete(net.id);
    expect((await rejects(t.client.subnets.show(subnet.id))).code).toBe('NOT_FOUND');
    expect((await rejects(t.client.ports.show(dhcp.id))).code).toBe('NOT_FOUND');
  });
});

describe('subnets', () => {
  test('defaults follow Neutron: gateway is the first host, the pool is every other host address', async () => {
    const net = await t.client.networks.create({});
    const subnet = await t.client.subnets.create({ network_id: net.id, cidr: '198.18.1.0/24', dns_nameservers: ['198.18.1.53'] });
    expect(subnet).toMatchObject({
      cidr: '198.18.1.0/24',
      gateway_ip: '198.18.1.1',
      allocation_pools: [{ start: '198.18.1.2', end: '198.18.1.254' }],
      dynamic_pools: [],
      dns_nameservers: ['198.18.1.53'],
      enable_dhcp: true,
      lease_duration: 86400,
      ip_version: 4,
    });
    expect((await t.client.networks.show(net.id)).subnets).toStrictEqual([subnet.id]);
  });

  test('a gateway in the middle splits the default pool around it; a null gateway leaves it whole', async () => {
    const net = await t.client.networks.create({});
    const mid = await t.client.subnets.create({ network_id: net.id, cidr: '198.18.2.0/28', gateway_ip: '198.18.2.5' });
    expect(mid.allocation_pools).toStrictEqual([
      { start: '198.18.2.1', end: '198.18.2.4' },
      { start: '198.18.2.6', end: '198.18.2.14' },
    ]);
    const none = await t.client.subnets.create({ network_id: net.id, cidr: '198.18.3.0/28', gateway_ip: null });
    expect(none.gateway_ip).toBeNull();
    expect(none.allocation_pools).toStrictEqual([{ start: '198.18.3.1', end: '198.18.3.14' }]);
  });

  test.each([
    [{ cidr: '198.18.0.0/33' }, 'INVALID_CIDR', 'cidr'],
    [{ cidr: 'banana' }, 'INVALID_CIDR', 'cidr'],
    [{ cidr: '198.18.5.7/24' }, 'INVALID_CIDR', 'cidr'],
    [{ cidr: '198.18.5.0/24', gateway_ip: '198.18.6.1' }, 'GATEWAY_OUTSIDE_CIDR', 'gateway_ip'],
    [{ cidr: '198.18.5.0/24', gateway_ip: '198.18.5.255' }, 'GATEWAY_OUTSIDE_CIDR', 'gateway_ip'],
    [{ cidr: '198.18.5.0/24', allocation_pools: [{ start: '198.18.5.10', end: '198.18.6.10' }] }, 'POOL_OUTSIDE_CIDR', 'allocation_pools[0]'],
    [
      { cidr: '198.18.5.0/24', allocation_pools: [{ start: '198.18.5.10', end: '198.18.5.20' }, { start: '198.18.5.20', end: '198.18.5.30' }] },
      'POOL_OVERLAP',
      'allocation_pools[1]',
    ],
    [
      { cidr: '198.18.5.0/24', allocation_pools: [{ start: '198.18.5.10', end: '198.18.5.20' }], dynamic_pools: [{ start: '198.18.5.15', end: '198.18.5.40' }] },
      'POOL_OVERLAP',
      'dynamic_pools[0]',
    ],
    [{ cidr: '198.18.5.0/24', allocation_pools: [{ start: '198.18.5.1', end: '198.18.5.20' }] }, 'POOL_OVERLAP', 'gateway_ip'],
    [{ cidr: '198.18.5.0/24', dns_nameservers: ['198.18.5.300'] }, 'INVALID_IP', 'dns_nameservers[0]'],
    [{ cidr: '198.18.5.0/24', host_routes: [{ destination: '10.0.0.0/99', nexthop: '198.18.5.1' }] }, 'INVALID_CIDR', 'host_routes[0].destination'],
    [{ cidr: '198.18.5.0/24', enable_dhcp: 'yes' }, 'VALIDATION_FAILED', 'enable_dhcp'],
    [{ cidr: '198.18.5.0/24', colour: 'blue' }, 'VALIDATION_FAILED', 'colour'],
  ])('a bad subnet %j is refused with %s on field %s, and nothing is written', async (fields, code, field) => {
    const net = await t.client.networks.create({});
    const before = await t.journal.version(`lh.evt.network.${net.id}`);
    const error = await rejects(t.client.request('subnets.create', { network_id: net.id, ...fields }));
    expect(error).toMatchObject({ code, field });
    expect(await t.journal.version(`lh.evt.network.${net.id}`)).toBe(before);
  });

  test('a subnet overlapping another subnet of the same network is SUBNET_OVERLAP; on another network it is fine', async () => {
    const a = await t.client.networks.create({});
    const b = await t.client.networks.create({});
    await t.client.subnets.create({ network_id: a.id, cidr: '198.18.8.0/22' });
    expect(await rejects(t.client.subnets.create({ network_id: a.id, cidr: '198.18.9.0/24' }))).toMatchObject({ code: 'SUBNET_OVERLAP', field: 'cidr' });
    await expect(t.client.subnets.create({ network_id: b.id, cidr: '198.18.9.0/24' })).resolves.toMatchObject({ cidr: '198.18.9.0/24' });
  });

  test('update changes pools, routes and DHCP; a subnet with ports cannot be deleted', async () => {
    const net = await t.client.networks.create({});
    const subnet = await t.client.subnets.create({ network_id: net.id, cidr: '198.18.12.0/24' });
    const updated = await t.client.subnets.update(subnet.id, {
      allocation_pools: [{ start: '198.18.12.100', end: '198.18.12.150' }],
      host_routes: [{ destination: '198.19.0.0/16', nexthop: '198.18.12.254' }],
      enable_dhcp: false,
    });
    expect(updated).toMatchObject({
      allocation_pools: [{ start: '198.18.12.100', end: '198.18.12.150' }],
      host_routes: [{ destination: '198.19.0.0/16', nexthop: '198.18.12.254' }],
      enable_dhcp: false,
    });
    const port = await t.client.ports.create({ network_id: net.id });
    expect(port.fixed_ips).toStrictEqual([{ subnet_id: subnet.id, ip_address: '198.18.12.100' }]);
    expect(await rejects(t.client.subnets.delete(subnet.id))).toMatchObject({ code: 'SUBNET_IN_USE' });
    await t.client.ports.delete(port.id);
    await t.client.subnets.delete(subnet.id);
    expect((await t.client.networks.show(net.id)).subnets).toStrictEqual([]);
  });
});

describe('ports', () => {
  test('a port gets a generated fa:16:3e MAC and the first free pool address; dns_name and extra DHCP options are kept', async () => {
    const net = await t.client.networks.create({ dns_domain: 'lab.example' });
    const subnet = await t.client.subnets.create({ network_id: net.id, cidr: '198.18.20.0/24' });
    const port = await t.client.ports.create({
      network_id: net.id,
      dns_name: 'VM-1',
      extra_dhcp_opts: [{ opt_name: 'tftp-server', opt_value: '198.18.20.9' }, { opt_name: '252', opt_value: 'http://wpad' }],
      device_owner: 'compute:nova',
    });
    expect(port.mac_address).toMatch(/^fa:16:3e(:[0-9a-f]{2}){3}$/);
    expect(port.fixed_ips).toStrictEqual([{ subnet_id: subnet.id, ip_address: '198.18.20.2' }]);
    expect(port.dns_assignment).toStrictEqual([{ hostname: 'vm-1', ip_address: '198.18.20.2', fqdn: 'vm-1.lab.example.' }]);
    expect(port.extra_dhcp_opts).toStrictEqual([
      { opt_name: 'tftp-server', opt_value: '198.18.20.9', ip_version: 4 },
      { opt_name: '252', opt_value: 'http://wpad', ip_version: 4 },
    ]);
    expect(await t.client.ports.list({ network_id: net.id, ip_address: '198.18.20.2' })).toStrictEqual([port]);
    expect(await t.client.ports.list({ mac_address: port.mac_address.toUpperCase() })).toStrictEqual([port]);
  });

  test('MAC and address errors name the field: invalid MAC, MAC in use, IP already allocated, IP outside every subnet', async () => {
    const net = await t.client.networks.create({});
    await t.client.subnets.create({ network_id: net.id, cidr: '198.18.21.0/24' });
    await t.client.ports.create({ network_id: net.id, mac_address: '52:54:00:aa:bb:cc', fixed_ips: [{ ip_address: '198.18.21.50' }] });
    expect(await rejects(t.client.ports.create({ network_id: net.id, mac_address: '52:54:00:zz:bb:cc' }))).toMatchObject({ code: 'INVALID_MAC', field: 'mac_address' });
    expect(await rejects(t.client.ports.create({ network_id: net.id, mac_address: '01:00:5e:00:00:01' }))).toMatchObject({ code: 'INVALID_MAC' });
    expect(await rejects(t.client.ports.create({ network_id: net.id, mac_address: '52:54:00:AA:BB:CC' }))).toMatchObject({ code: 'MAC_IN_USE', field: 'mac_address' });
    expect(await rejects(t.client.ports.create({ network_id: net.id, fixed_ips: [{ ip_address: '198.18.21.50' }] }))).toMatchObject({
      code: 'IP_ALREADY_ALLOCATED',
      field: 'fixed_ips[0].ip_address',
    });
    expect(await rejects(t.client.ports.create({ network_id: net.id, fixed_ips: [{ ip_address: '198.18.99.5' }] }))).toMatchObject({
      code: 'IP_OUTSIDE_SUBNETS',
      field: 'fixed_ips[0].ip_address',
    });
    expect(await rejects(t.client.ports.create({ network_id: net.id, fixed_ips: [{ ip_address: '198.18.21.1' }] }))).toMatchObject({ code: 'IP_ALREADY_ALLOCATED' });
    // The same MAC on another network is fine (unique per network).
    const other = await t.client.networks.create({});
    await expect(t.client.ports.create({ network_id: other.id, mac_address: '52:54:00:aa:bb:cc' })).resolves.toBeDefined();
  });

  test('a refused port gives back the address it had claimed, so the next port gets it', async () => {
    const net = await t.client.networks.create({});
    await t.client.subnets.create({ network_id: net.id, cidr: '198.18.22.0/24', allocation_pools: [{ start: '198.18.22.10', end: '198.18.22.12' }] });
    await t.client.ports.create({ network_id: net.id, mac_address: '52:54:00:00:00:01' });
    // This one claims an address, then fails on its MAC: the address must come back.
    await rejects(t.client.ports.create({ network_id: net.id, mac_address: '52:54:00:00:00:01' }));
    const ports = await Promise.all([1, 2].map(() => t.client.ports.create({ network_id: net.id })));
    expect(ports.map((p) => p.fixed_ips[0]!.ip_address).sort()).toStrictEqual(['198.18.22.11', '198.18.22.12']);
  });

  test('update moves a port to another address and MAC and frees the old ones; delete frees everything', async () => {
    const net = await t.client.networks.create({});
    const subnet = await t.client.subnets.create({ network_id: net.id, cidr: '198.18.23.0/24' });
    const port = await t.client.ports.create({ network_id: net.id, mac_address: '52:54:00:00:01:01', fixed_ips: [{ ip_address: '198.18.23.10' }] });
    const moved = await t.client.ports.update(port.id, { mac_address: '52:54:00:00:01:02', fixed_ips: [{ subnet_id: subnet.id, ip_address: '198.18.23.11' }], name: 'moved' });
    expect(moved).toMatchObject({ name: 'moved', mac_address: '52:54:00:00:01:02', fixed_ips: [{ subnet_id: subnet.id, ip_address: '198.18.23.11' }] });
    const reuse = await t.client.ports.create({ network_id: net.id, mac_address: '52:54:00:00:01:01', fixed_ips: [{ ip_address: '198.18.23.10' }] });
    expect(reuse.fixed_ips[0]!.ip_address).toBe('198.18.23.10');
    await t.client.ports.delete(moved.id);
    await expect(t.client.ports.create({ network_id: net.id, mac_address: '52:54:00:00:01:02', fixed_ips: [{ ip_address: '198.18.23.11' }] })).resolves.toBeDefined();
    expect((await rejects(t.client.ports.show(moved.id))).code).toBe('NOT_FOUND');
  });
});

describe('malformed requests', () => {
  const raw = (subject: string, body: Uint8Array) => t.nc.request(`lh.api.v1.${subject}`, body);

  test.each([
    ['bad JSON', json.encode('{"name": '), 'BAD_REQUEST', 400],
    ['bad msgpack', new Uint8Array([0xc1, 0xc1, 0xc1]), 'BAD_REQUEST', 400],
    ['a JSON array', json.encode('[1,2]'), 'BAD_REQUEST', 400],
    ['wrong types', json.encode('{"name": 5}'), 'VALIDATION_FAILED', 400],
    ['an unknown field', json.encode('{"name": "x", "shoe_size": 44}'), 'VALIDATION_FAILED', 400],
    ['an oversized payload', json.encode(`{"name": "${'x'.repeat(70_000)}"}`), 'PAYLOAD_TOO_LARGE', 413],
  ])('%s gets a %s error and writes nothing', async (_what, body, code, status) => {
    const before = (await t.journal.jsm.streams.info(t.journal.layout.stream)).state.last_seq;
    const reply = await raw('networks.create', body);
    const decoded = reply.headers?.get('content-type') === 'application/json' ? JSON.parse(text.decode(reply.data)) : (await import('@leasehold/protocol')).unpack(reply.data);
    expect(decoded).toMatchObject({ error: { code, status } });
    expect((await t.journal.jsm.streams.info(t.journal.layout.stream)).state.last_seq).toBe(before);
  });
});
