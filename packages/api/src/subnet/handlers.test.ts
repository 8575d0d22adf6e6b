import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiErrorOf, startTestApi, type TestApi } from '../testing/index.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.stop());

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
    [{ cidr: '198.18.5.0/24', host_routes: [{ destination: '198.18.0.0/99', nexthop: '198.18.5.1' }] }, 'INVALID_CIDR', 'host_routes[0].destination'],
    [{ cidr: '198.18.5.0/24', enable_dhcp: 'yes' }, 'VALIDATION_FAILED', 'enable_dhcp'],
    [{ cidr: '198.18.5.0/24', colour: 'blue' }, 'VALIDATION_FAILED', 'colour'],
  ])('a bad subnet %j is refused with %s on field %s, and nothing is written', async (fields, code, field) => {
    const net = await t.client.networks.create({});
    const before = await t.journal.version(`lh.evt.network.${net.id}`);
    const error = await apiErrorOf(t.client.request('subnets.create', { network_id: net.id, ...fields }));
    expect(error).toMatchObject({ code, field });
    expect(await t.journal.version(`lh.evt.network.${net.id}`)).toBe(before);
  });

  test('dynamic pools that collide with the default allocation pool say the pool defaulted and how to choose it', async () => {
    const net = await t.client.networks.create({});
    const error = await apiErrorOf(t.client.request('subnets.create', { network_id: net.id, cidr: '198.18.9.0/24', dynamic_pools: [{ start: '198.18.9.100', end: '198.18.9.199' }] }));
    expect(error).toMatchObject({ code: 'POOL_OVERLAP', field: 'allocation_pools' });
    expect(error.message).toBe(
      "dynamic_pools[0] overlaps allocation_pools[0]: allocation_pools was not given, so it defaulted to every host address of 198.18.9.0/24 but the gateway (Neutron's default); give allocation_pools outside the dynamic pools (leasehold subnet create --pool START-END)",
    );
  });

  test('a subnet overlapping another subnet of the same network is SUBNET_OVERLAP; on another network it is fine', async () => {
    const a = await t.client.networks.create({});
    const b = await t.client.networks.create({});
    await t.client.subnets.create({ network_id: a.id, cidr: '198.18.8.0/22' });
    expect(await apiErrorOf(t.client.subnets.create({ network_id: a.id, cidr: '198.18.9.0/24' }))).toMatchObject({ code: 'SUBNET_OVERLAP', field: 'cidr' });
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
    expect(await apiErrorOf(t.client.subnets.delete(subnet.id))).toMatchObject({ code: 'SUBNET_IN_USE' });
    await t.client.ports.delete(port.id);
    await t.client.subnets.delete(subnet.id);
    expect((await t.client.networks.show(net.id)).subnets).toStrictEqual([]);
  });
});
