import type { NetworkView, SubnetView } from '@leasehold/api/client';
import { startTestApi, type TestApi } from '@leasehold/api/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseLeaseDuration, subnetFields, subnetVersionFields } from './subnet.js';
import { jsonOf, runCli, tableRows } from './testing/run-cli.js';

let t: TestApi;
let net: NetworkView;
const cli = (...args: string[]) => runCli([...args, '--nats-url', t.nats.url]);

beforeAll(async () => {
  t = await startTestApi();
  net = await t.client.networks.create({ name: 'subnet-net' });
});
afterAll(() => t?.stop());

describe('leasehold subnet', () => {
  test('create takes the network by name and sends pools, dynamic pools, DNS servers, routes and lease time', async () => {
    const run = await cli(
      'subnet', 'create', '--network', 'subnet-net', '--cidr', '198.18.0.0/24', '--name', 'full',
      '--gateway', '198.18.0.254', '--pool', '198.18.0.10-198.18.0.99', '--pool', '198.18.0.110-198.18.0.119',
      '--dynamic-pool', '198.18.0.200-198.18.0.249', '--dns-server', '198.18.0.2', '--dns-server', '198.18.255.9',
      '--host-route', '198.19.0.0/16=198.18.0.254', '--no-dhcp', '--lease-duration', '600', '--json',
    );
    expect(run.stderr).toBe('');
    const { subnet } = jsonOf<{ subnet: SubnetView }>(run);
    expect(subnet).toMatchObject({
      network_id: net.id,
      name: 'full',
      cidr: '198.18.0.0/24',
      gateway_ip: '198.18.0.254',
      allocation_pools: [
        { start: '198.18.0.10', end: '198.18.0.99' },
        { start: '198.18.0.110', end: '198.18.0.119' },
      ],
      dynamic_pools: [{ start: '198.18.0.200', end: '198.18.0.249' }],
      dns_nameservers: ['198.18.0.2', '198.18.255.9'],
      host_routes: [{ destination: '198.19.0.0/16', nexthop: '198.18.0.254' }],
      enable_dhcp: false,
      lease_duration: 600,
    });
    expect(await t.client.subnets.show(subnet.id)).toEqual(subnet);
  });

  test('list --network prints only that network’s subnets as a table; show finds a subnet by name', async () => {
    const other = await t.client.networks.create({ name: 'other-net' });
    const s1 = await t.client.subnets.create({ network_id: other.id, cidr: '198.18.1.0/24', name: 'o1' });
    await t.client.subnets.create({ network_id: other.id, cidr: '198.18.2.0/24', name: 'o2', gateway_ip: null });
    const [list, show] = await Promise.all([cli('subnet', 'list', '--network', 'other-net'), cli('subnet', 'show', 'o1', '--json')]);
    expect(list.code).toBe(0);
    const [header, ...rows] = tableRows(list.stdout);
    expect(header).toEqual(['id', 'name', 'network', 'network name', 'cidr', 'ipv6 mode', 'gateway', 'dhcp', 'allocation pools']);
    expect(rows.map((r) => [r[1], r[3], r[4], r[6], r[7]]).sort()).toEqual([
      ['o1', 'other-net', '198.18.1.0/24', '198.18.1.1', 'on'],
      ['o2', 'other-net', '198.18.2.0/24', 'none', 'on'],
    ]);
    expect(rows.find((r) => r[0] === s1.id)?.[8]).toBe('198.18.1.2-198.18.1.254');
    // revision_number is the network's: it moved on when o2 was added.
    expect(jsonOf<{ subnet: SubnetView }>(show).subnet).toEqual(await t.client.subnets.show(s1.id));
  });

  test('create makes an IPv6 subnet with its modes; list --ip-version 6 shows it with its mode; a mode pair Neutron refuses exits 2 naming ipv6_ra_mode', async () => {
    const v6net = await t.client.networks.create({ name: 'subnet-v6-net' });
    const run = await cli(
      'subnet', 'create', '--network', 'subnet-v6-net', '--cidr', '2001:db8:5::/64', '--name', 'v6',
      '--ip-version', '6', '--ipv6-address-mode', 'slaac', '--ipv6-ra-mode', 'slaac', '--pool', '2001:db8:5::10-2001:db8:5::ff', '--json',
    );
    expect(run.stderr).toBe('');
    expect(jsonOf<{ subnet: SubnetView }>(run).subnet).toMatchObject({
      ip_version: 6, cidr: '2001:db8:5::/64', gateway_ip: '2001:db8:5::1', ipv6_address_mode: 'slaac', ipv6_ra_mode: 'slaac', allocation_pools: [{ start: '2001:db8:5::10', end: '2001:db8:5::ff' }],
    });
    await t.client.subnets.create({ network_id: v6net.id, cidr: '198.18.5.0/24', name: 'v4' });
    const list = await cli('subnet', 'list', '--network', 'subnet-v6-net', '--ip-version', '6');
    const [header, ...rows] = tableRows(list.stdout);
    expect(rows.map((r) => [r[1], r[4], r[header!.indexOf('ipv6 mode')]])).toEqual([['v6', '2001:db8:5::/64', 'slaac']]);
    const refused = await cli('subnet', 'create', '--network', 'subnet-v6-net', '--cidr', '2001:db8:6::/64', '--ipv6-address-mode', 'slaac', '--ipv6-ra-mode', 'dhcpv6-stateful');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/VALIDATION_FAILED.*ipv6_ra_mode set to 'dhcpv6-stateful' with ipv6_address_mode set to 'slaac' is not valid/);
  });

  test('update can clear the gateway, replace the DNS servers and drop the routes; delete removes the subnet', async () => {
    const s = await t.client.subnets.create({
      network_id: net.id,
      cidr: '198.19.0.0/24',
      name: 'changing',
      host_routes: [{ destination: '198.18.0.0/16', nexthop: '198.19.0.1' }],
      dns_nameservers: ['198.19.0.2'],
    });
    const update = await cli('subnet', 'update', 'changing', '--no-gateway', '--dns-server', '198.18.255.1', '--no-host-route', '--lease-duration', 'infinite', '--json');
    expect(update.stderr).toBe('');
    const updated = jsonOf<{ subnet: SubnetView }>(update).subnet;
    expect(updated).toEqual({
      ...s,
      gateway_ip: null,
      dns_nameservers: ['198.18.255.1'],
      host_routes: [],
      lease_duration: -1,
      allocation_pools: updated.allocation_pools,
      revision_number: updated.revision_number,
      // The update's time: a second later than the create's when the two straddle one.
      updated_at: updated.updated_at,
    });
    expect(updated.updated_at! >= s.updated_at!).toBe(true);
    const del = await cli('subnet', 'delete', s.id);
    expect(del).toMatchObject({ code: 0, stdout: `deleted subnet ${s.id}\n` });
    await expect(t.client.subnets.show(s.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  test('a gateway outside the CIDR exits 2 with GATEWAY_OUTSIDE_CIDR naming gateway_ip, and no subnet is made', async () => {
    const before = await t.client.subnets.list({ network_id: net.id });
    const run = await cli('subnet', 'create', '--network', net.id, '--cidr', '198.18.201.0/24', '--gateway', '198.19.201.9');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error GATEWAY_OUTSIDE_CIDR \(gateway_ip\): .*198\.19\.201\.9.*\n$/);
    expect(await t.client.subnets.list({ network_id: net.id })).toEqual(before);
  });
});

describe('subnet flags', () => {
  test('--no-<list> flags send empty lists and --no-gateway sends null', () => {
    expect(subnetFields({ gateway: false, pool: false, dynamicPool: false, dnsServer: false, hostRoute: false })).toEqual({
      gateway_ip: null,
      allocation_pools: [],
      dynamic_pools: [],
      dns_nameservers: [],
      host_routes: [],
    });
  });

  test('--ip-version is 4 or 6 and the IPv6 modes are Neutron\'s three, each refused naming its flag', () => {
    expect(subnetVersionFields({ ipVersion: '6', ipv6AddressMode: 'dhcpv6-stateless', ipv6RaMode: 'dhcpv6-stateless' })).toEqual({ ip_version: 6, ipv6_address_mode: 'dhcpv6-stateless', ipv6_ra_mode: 'dhcpv6-stateless' });
    expect(subnetVersionFields({})).toEqual({});
    expect(() => subnetVersionFields({ ipVersion: '5' })).toThrow(expect.objectContaining({ code: 'INVALID_FLAG', field: '--ip-version' }));
    expect(() => subnetVersionFields({ ipv6RaMode: 'dhcpv6' })).toThrow(expect.objectContaining({ code: 'INVALID_FLAG', field: '--ipv6-ra-mode' }));
  });

  test('a pool that is not START-END is refused naming --pool', () => {
    expect(() => subnetFields({ pool: ['198.18.0.10'] })).toThrow(expect.objectContaining({ code: 'INVALID_FLAG', field: '--pool' }));
  });

  test('--lease-duration takes seconds, dnsmasq\'s 45m/12h/1d/1w and infinite, and refuses 0 and garbage', () => {
    expect(['600', '45m', '12h', '1d', '1w', '90s', 'infinite'].map(parseLeaseDuration)).toEqual([600, 2700, 43_200, 86_400, 604_800, 90, -1]);
    for (const bad of ['0', '0h', '12x', '1.5h', '']) expect(() => parseLeaseDuration(bad)).toThrow(expect.objectContaining({ code: 'INVALID_FLAG', field: '--lease-duration' }));
  });
});
