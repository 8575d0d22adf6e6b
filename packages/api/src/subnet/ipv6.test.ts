import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiErrorOf, startTestApi, type TestApi } from '../testing/index.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.stop());

const MODES = [null, 'slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'] as const;
type Mode = (typeof MODES)[number];

/**
 * Neutron's verdict on a pair of modes on a /64 with DHCP (db_base_plugin_v2's
 * _validate_ipv6_combination): both set and different is refused, anything
 * else is fine.
 */
const valid = (ra: Mode, address: Mode) => ra === null || address === null || ra === address;

describe('IPv6 subnets', () => {
  test('defaults follow Neutron: ip_version 6, the gateway is the prefix + 1, the pool runs to the last address (no broadcast in IPv6); addresses come back in RFC 5952 form', async () => {
    const net = await t.client.networks.create({});
    const subnet = await t.client.subnets.create({
      network_id: net.id,
      ip_version: 6,
      cidr: '2001:DB8:1:0::/64',
      ipv6_address_mode: 'dhcpv6-stateful',
      ipv6_ra_mode: 'dhcpv6-stateful',
      dns_nameservers: ['2001:db8:1:0:0:0:0:53'],
      host_routes: [{ destination: '2001:db8:9::/48', nexthop: '2001:db8:1::fe' }],
    });
    expect(subnet).toMatchObject({
      ip_version: 6,
      cidr: '2001:db8:1::/64',
      gateway_ip: '2001:db8:1::1',
      allocation_pools: [{ start: '2001:db8:1::2', end: '2001:db8:1:0:ffff:ffff:ffff:ffff' }],
      dynamic_pools: [],
      dns_nameservers: ['2001:db8:1::53'],
      host_routes: [{ destination: '2001:db8:9::/48', nexthop: '2001:db8:1::fe' }],
      ipv6_address_mode: 'dhcpv6-stateful',
      ipv6_ra_mode: 'dhcpv6-stateful',
      enable_dhcp: true,
    });
    expect(await t.client.subnets.show(subnet.id)).toStrictEqual(subnet);
    expect((await t.client.networks.show(net.id)).subnets).toStrictEqual([subnet.id]);
    expect(await t.client.subnets.list({ network_id: net.id, ip_version: 6 })).toStrictEqual([subnet]);
    expect(await t.client.subnets.list({ network_id: net.id, ip_version: 4 })).toStrictEqual([]);
  });

  test('an IPv4 subnet shows both modes null; the version follows the CIDR when ip_version is not given', async () => {
    const net = await t.client.networks.create({});
    const v4 = await t.client.subnets.create({ network_id: net.id, cidr: '198.18.60.0/24' });
    expect(v4).toMatchObject({ ip_version: 4, ipv6_address_mode: null, ipv6_ra_mode: null });
    const v6 = await t.client.subnets.create({ network_id: net.id, cidr: 'fd00:60::/64' });
    expect(v6).toMatchObject({ ip_version: 6, ipv6_address_mode: null, ipv6_ra_mode: null, gateway_ip: 'fd00:60::1' });
  });

  for (const ra of MODES) {
    for (const address of MODES) {
      test(`ipv6_ra_mode ${String(ra)} with ipv6_address_mode ${String(address)} is ${valid(ra, address) ? 'accepted' : "refused with Neutron's text"}`, async () => {
        const net = await t.client.networks.create({});
        const request = t.client.subnets.create({ network_id: net.id, ip_version: 6, cidr: '2001:db8:2::/64', ipv6_ra_mode: ra, ipv6_address_mode: address });
        if (valid(ra, address)) {
          await expect(request).resolves.toMatchObject({ ipv6_ra_mode: ra, ipv6_address_mode: address });
        } else {
          expect(await apiErrorOf(request)).toMatchObject({
            code: 'VALIDATION_FAILED',
            message: `ipv6_ra_mode set to '${ra}' with ipv6_address_mode set to '${address}' is not valid. If both attributes are set, they must be the same value.`,
          });
        }
      });
    }
  }

  test.each([
    [{ ipv6_address_mode: 'slaac', cidr: '2001:db8:3::/56' }, 'VALIDATION_FAILED', 'Invalid CIDR 2001:db8:3::/56 for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64.'],
    [{ ipv6_ra_mode: 'dhcpv6-stateless', cidr: '2001:db8:3::/80' }, 'VALIDATION_FAILED', 'Invalid CIDR 2001:db8:3::/80 for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64.'],
    [{ ipv6_address_mode: 'slaac', enable_dhcp: false }, 'VALIDATION_FAILED', 'ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False.'],
    [{ ip_version: 4, ipv6_ra_mode: 'slaac', cidr: '198.18.61.0/24' }, 'VALIDATION_FAILED', 'ipv6_ra_mode is not valid when ip_version is 4'],
    [{ ip_version: 4, ipv6_address_mode: 'slaac', cidr: '198.18.61.0/24' }, 'VALIDATION_FAILED', 'ipv6_address_mode is not valid when ip_version is 4'],
    [{ ip_version: 4 }, 'VALIDATION_FAILED', "cidr '2001:db8:3::/64' does not match the ip_version '4'"],
    [{ ip_version: 6, cidr: '198.18.61.0/24' }, 'VALIDATION_FAILED', "cidr '198.18.61.0/24' does not match the ip_version '6'"],
    [{ cidr: '2001:db8:3::/127' }, 'VALIDATION_FAILED', 'Subnet has a prefix length that is incompatible with DHCP service enabled.'],
    [{ cidr: '::/0', enable_dhcp: false }, 'VALIDATION_FAILED', '0 is not allowed as CIDR prefix length'],
    [{ cidr: '2001:db8:3::1/64' }, 'INVALID_CIDR', undefined],
    [{ gateway_ip: '2001:db8:4::1' }, 'GATEWAY_OUTSIDE_CIDR', undefined],
    [{ allocation_pools: [{ start: '2001:db8:3::10', end: '2001:db8:4::10' }] }, 'POOL_OUTSIDE_CIDR', undefined],
    [{ allocation_pools: [{ start: '2001:db8:3::1', end: '2001:db8:3::10' }] }, 'POOL_OVERLAP', undefined],
    [{ dynamic_pools: [{ start: '2001:db8:3::10', end: '2001:db8:3::20' }] }, 'VALIDATION_FAILED', undefined],
    [{ dns_nameservers: ['198.18.0.53'] }, 'INVALID_IP', "dns_nameserver '198.18.0.53' does not match the ip_version '6'."],
    [{ gateway_ip: '198.18.0.1' }, 'INVALID_IP', "gateway_ip '198.18.0.1' does not match the ip_version '6'."],
    [{ host_routes: [{ destination: '198.18.0.0/16', nexthop: '2001:db8:3::fe' }] }, 'INVALID_CIDR', "destination '198.18.0.0/16' does not match the ip_version '6'."],
    [{ host_routes: [{ destination: '2001:db8:9::/48', nexthop: '198.18.0.1' }] }, 'INVALID_IP', "nexthop '198.18.0.1' does not match the ip_version '6'."],
    [{ ip_version: 4, cidr: '198.18.61.0/24', dns_nameservers: ['2001:db8::53'] }, 'INVALID_IP', "dns_nameserver '2001:db8::53' does not match the ip_version '4'."],
    [{ ip_version: 4, cidr: '198.18.61.0/24', host_routes: [{ destination: '2001:db8:9::/48', nexthop: '198.18.61.1' }] }, 'INVALID_CIDR', "destination '2001:db8:9::/48' does not match the ip_version '4'."],
  ])('a bad IPv6 subnet %j is refused with %s, and nothing is written', async (fields, code, message) => {
    const net = await t.client.networks.create({});
    const before = await t.journal.version(`lh.evt.network.${net.id}`);
    const error = await apiErrorOf(t.client.request('subnets.create', { network_id: net.id, cidr: '2001:db8:3::/64', ...fields }));
    expect(error).toMatchObject({ code, ...(message === undefined ? {} : { message }) });
    expect(await t.journal.version(`lh.evt.network.${net.id}`)).toBe(before);
  });

  test('IPv6 subnets of one network may not overlap each other, but a v4 and a v6 subnet live side by side (dual stack)', async () => {
    const net = await t.client.networks.create({});
    await t.client.subnets.create({ network_id: net.id, cidr: '198.18.62.0/24' });
    await t.client.subnets.create({ network_id: net.id, cidr: '2001:db8:62::/48', enable_dhcp: false });
    expect(await apiErrorOf(t.client.subnets.create({ network_id: net.id, cidr: '2001:db8:62:1::/64' }))).toMatchObject({ code: 'SUBNET_OVERLAP', field: 'cidr' });
    expect((await t.client.networks.show(net.id)).subnets).toHaveLength(2);
  });

  test('update changes pools, DNS and the gateway; the modes stay as created; DHCP cannot be turned off under modes; a subnet goes with SubnetDeleted', async () => {
    const net = await t.client.networks.create({});
    const subnet = await t.client.subnets.create({ network_id: net.id, cidr: '2001:db8:63::/64', ipv6_address_mode: 'dhcpv6-stateful' });
    const updated = await t.client.subnets.update(subnet.id, { allocation_pools: [{ start: '2001:db8:63::100', end: '2001:db8:63::1ff' }], dns_nameservers: ['2001:db8:63::53'], name: 'v6' });
    expect(updated).toMatchObject({ name: 'v6', allocation_pools: [{ start: '2001:db8:63::100', end: '2001:db8:63::1ff' }], dns_nameservers: ['2001:db8:63::53'], ipv6_address_mode: 'dhcpv6-stateful' });
    expect(await apiErrorOf(t.client.subnets.update(subnet.id, { ipv6_address_mode: 'slaac' }))).toMatchObject({ code: 'VALIDATION_FAILED', field: 'ipv6_address_mode' });
    expect(await apiErrorOf(t.client.subnets.update(subnet.id, { enable_dhcp: false }))).toMatchObject({ code: 'VALIDATION_FAILED', message: 'Cannot disable enable_dhcp with ipv6 attributes set' });
    await t.client.subnets.delete(subnet.id);
    expect((await t.client.networks.show(net.id)).subnets).toStrictEqual([]);
    await t.client.networks.delete(net.id);
  });
});
