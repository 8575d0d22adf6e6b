import { eui64Address, formatIpv6, parseIpv6Prefix } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiErrorOf, startTestApi, type TestApi } from '../testing/index.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.stop());

const eui64 = (cidr: string, mac: string) => formatIpv6(eui64Address(parseIpv6Prefix(cidr), mac));

describe('IPv6 fixed IPs', () => {
  test('dual stack: a port on a network with a v4 subnet, a slaac and a dhcpv6-stateful subnet gets one v4 address, its EUI-64 address and one pool address, as Neutron gives', async () => {
    const net = await t.client.networks.create({ dns_domain: 'dual.example.' });
    const v4 = await t.client.subnets.create({ network_id: net.id, cidr: '198.18.70.0/24' });
    const slaac = await t.client.subnets.create({ network_id: net.id, cidr: '2001:db8:70::/64', ipv6_address_mode: 'slaac', ipv6_ra_mode: 'slaac' });
    const stateful = await t.client.subnets.create({ network_id: net.id, cidr: '2001:db8:71::/64', ipv6_address_mode: 'dhcpv6-stateful', allocation_pools: [{ start: '2001:db8:71::10', end: '2001:db8:71::1f' }] });
    const port = await t.client.ports.create({ network_id: net.id, mac_address: 'fa:16:3e:70:00:01', dns_name: 'vm' });
    expect(port.fixed_ips).toStrictEqual([
      { subnet_id: v4.id, ip_address: '198.18.70.2' },
      { subnet_id: stateful.id, ip_address: '2001:db8:71::10' },
      { subnet_id: slaac.id, ip_address: '2001:db8:70:0:f816:3eff:fe70:1' },
    ]);
    expect(port.dns_assignment.map((a) => a.ip_address)).toStrictEqual(port.fixed_ips.map((f) => f.ip_address));
    expect(port.dns_assignment[2]).toStrictEqual({ hostname: 'vm', ip_address: '2001:db8:70:0:f816:3eff:fe70:1', fqdn: 'vm.dual.example.' });
    // The pool address is claimed: the next port gets the next one; its EUI-64 address follows its own MAC.
    const second = await t.client.ports.create({ network_id: net.id, mac_address: 'fa:16:3e:70:00:02' });
    expect(second.fixed_ips.map((f) => f.ip_address)).toStrictEqual(['198.18.70.3', '2001:db8:71::11', eui64('2001:db8:70::/64', 'fa:16:3e:70:00:02')]);
    expect(second.dns_assignment[1]!.hostname).toBe('host-2001-db8-71--11');
    expect(await t.client.ports.list({ network_id: net.id, ip_address: '2001:DB8:71:0::11' })).toStrictEqual([second]);
    expect((await t.client.ports.list({ subnet_id: slaac.id })).map((p) => p.id).sort()).toStrictEqual([port.id, second.id].sort());
    expect(await t.journal.version(`lh.evt.ipam.${net.id}.2001:db8:71::11`)).toBeGreaterThan(0);
  });

  test('an explicit address on a slaac or dhcpv6-stateless subnet is refused with Neutron\'s text; on a stateful one it is claimed once only', async () => {
    const net = await t.client.networks.create({});
    const stateless = await t.client.subnets.create({ network_id: net.id, cidr: '2001:db8:72::/64', ipv6_address_mode: 'dhcpv6-stateless' });
    const stateful = await t.client.subnets.create({ network_id: net.id, cidr: '2001:db8:73::/64', ipv6_ra_mode: 'dhcpv6-stateful' });
    const error = await apiErrorOf(t.client.ports.create({ network_id: net.id, fixed_ips: [{ subnet_id: stateless.id, ip_address: '2001:db8:72::99' }] }));
    expect(error).toMatchObject({
      code: 'INVALID_IP',
      message: `IPv6 address 2001:db8:72::99 cannot be directly assigned to a port on subnet ${stateless.id} as the subnet is configured for automatic addresses`,
    });
    const pinned = await t.client.ports.create({ network_id: net.id, mac_address: 'fa:16:3e:72:00:01', fixed_ips: [{ ip_address: '2001:db8:73::99' }] });
    // Listed or not, the auto-address subnet's EUI-64 address comes with the port (Neutron's _get_auto_address_ips).
    expect(pinned.fixed_ips).toStrictEqual([
      { subnet_id: stateful.id, ip_address: '2001:db8:73::99' },
      { subnet_id: stateless.id, ip_address: eui64('2001:db8:72::/64', 'fa:16:3e:72:00:01') },
    ]);
    expect(await apiErrorOf(t.client.ports.create({ network_id: net.id, fixed_ips: [{ subnet_id: stateful.id, ip_address: '2001:db8:73:0:0::99' }] }))).toMatchObject({ code: 'IP_ALREADY_ALLOCATED' });
    expect(await apiErrorOf(t.client.ports.create({ network_id: net.id, fixed_ips: [{ ip_address: '2001:db8:74::1' }] }))).toMatchObject({ code: 'IP_OUTSIDE_SUBNETS' });
    expect(await apiErrorOf(t.client.ports.create({ network_id: net.id, fixed_ips: [{ subnet_id: stateful.id, ip_address: '2001:db8:73::1' }] }))).toMatchObject({ code: 'IP_ALREADY_ALLOCATED' });
  });

  test('update: new fixed_ips give back the old pool address and keep the EUI-64 one; a new MAC moves the EUI-64 address; delete gives back every claim', async () => {
    const net = await t.client.networks.create({});
    const slaac = await t.client.subnets.create({ network_id: net.id, cidr: '2001:db8:75::/64', ipv6_address_mode: 'slaac' });
    const stateful = await t.client.subnets.create({ network_id: net.id, cidr: '2001:db8:76::/64', ipv6_address_mode: 'dhcpv6-stateful' });
    const port = await t.client.ports.create({ network_id: net.id, mac_address: 'fa:16:3e:75:00:01' });
    expect(port.fixed_ips.map((f) => f.ip_address)).toStrictEqual(['2001:db8:76::2', eui64('2001:db8:75::/64', 'fa:16:3e:75:00:01')]);
    const moved = await t.client.ports.update(port.id, { fixed_ips: [{ subnet_id: stateful.id, ip_address: '2001:db8:76::50' }] });
    expect(moved.fixed_ips.map((f) => f.ip_address)).toStrictEqual(['2001:db8:76::50', eui64('2001:db8:75::/64', 'fa:16:3e:75:00:01')]);
    // The old pool address is free again.
    const other = await t.client.ports.create({ network_id: net.id, fixed_ips: [{ ip_address: '2001:db8:76::2' }] });
    expect(other.fixed_ips[0]).toStrictEqual({ subnet_id: stateful.id, ip_address: '2001:db8:76::2' });
    const remac = await t.client.ports.update(port.id, { mac_address: 'fa:16:3e:75:00:02' });
    expect(remac.fixed_ips).toStrictEqual([
      { subnet_id: stateful.id, ip_address: '2001:db8:76::50' },
      { subnet_id: slaac.id, ip_address: eui64('2001:db8:75::/64', 'fa:16:3e:75:00:02') },
    ]);
    await t.client.ports.delete(port.id);
    await expect(t.client.ports.create({ network_id: net.id, fixed_ips: [{ ip_address: '2001:db8:76::50' }] })).resolves.toBeDefined();
    expect(await apiErrorOf(t.client.subnets.delete(stateful.id))).toMatchObject({ code: 'SUBNET_IN_USE' });
  });

  test("a slaac subnet added to a network gives its existing ports their EUI-64 addresses, and deleting it takes them away again (Neutron's auto-address subnets never block a delete)", async () => {
    const net = await t.client.networks.create({});
    const v4 = await t.client.subnets.create({ network_id: net.id, cidr: '198.18.78.0/24' });
    const a = await t.client.ports.create({ network_id: net.id, mac_address: 'fa:16:3e:78:00:01' });
    const b = await t.client.ports.create({ network_id: net.id, mac_address: 'fa:16:3e:78:00:02', fixed_ips: [] });
    const slaac = await t.client.subnets.create({ network_id: net.id, cidr: '2001:db8:78::/64', ipv6_address_mode: 'slaac', ipv6_ra_mode: 'slaac' });
    expect((await t.client.ports.show(a.id)).fixed_ips).toStrictEqual([
      { subnet_id: v4.id, ip_address: '198.18.78.2' },
      { subnet_id: slaac.id, ip_address: eui64('2001:db8:78::/64', 'fa:16:3e:78:00:01') },
    ]);
    expect((await t.client.ports.show(b.id)).fixed_ips).toStrictEqual([{ subnet_id: slaac.id, ip_address: eui64('2001:db8:78::/64', 'fa:16:3e:78:00:02') }]);
    await t.client.subnets.delete(slaac.id);
    expect((await t.client.ports.show(a.id)).fixed_ips).toStrictEqual([{ subnet_id: v4.id, ip_address: '198.18.78.2' }]);
    expect((await t.client.ports.show(b.id)).fixed_ips).toStrictEqual([]);
    expect((await t.client.networks.show(net.id)).subnets).toStrictEqual([v4.id]);
  });

  test('extra_dhcp_opts with ip_version 6 are kept and shown with it, beside the IPv4 ones', async () => {
    const net = await t.client.networks.create({});
    await t.client.subnets.create({ network_id: net.id, cidr: '2001:db8:77::/64', ipv6_address_mode: 'dhcpv6-stateless' });
    const port = await t.client.ports.create({
      network_id: net.id,
      extra_dhcp_opts: [
        { opt_name: 'dns-server', opt_value: '[2001:db8:77::53]', ip_version: 6 },
        { opt_name: 'tftp-server', opt_value: '198.18.77.9', ip_version: 4 },
      ],
    });
    expect(port.extra_dhcp_opts).toStrictEqual([
      { opt_name: 'tftp-server', opt_value: '198.18.77.9', ip_version: 4 },
      { opt_name: 'dns-server', opt_value: '[2001:db8:77::53]', ip_version: 6 },
    ]);
    const cleared = await t.client.ports.update(port.id, { extra_dhcp_opts: [] });
    expect(cleared.extra_dhcp_opts).toStrictEqual([]);
  });
});
