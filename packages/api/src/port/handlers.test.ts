import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiErrorOf, startTestApi, type TestApi } from '../testing/index.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.stop());

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
    expect(await apiErrorOf(t.client.ports.create({ network_id: net.id, mac_address: '52:54:00:zz:bb:cc' }))).toMatchObject({ code: 'INVALID_MAC', field: 'mac_address' });
    expect(await apiErrorOf(t.client.ports.create({ network_id: net.id, mac_address: '01:00:5e:00:00:01' }))).toMatchObject({ code: 'INVALID_MAC' });
    expect(await apiErrorOf(t.client.ports.create({ network_id: net.id, mac_address: '52:54:00:AA:BB:CC' }))).toMatchObject({ code: 'MAC_IN_USE', field: 'mac_address' });
    expect(await apiErrorOf(t.client.ports.create({ network_id: net.id, fixed_ips: [{ ip_address: '198.18.21.50' }] }))).toMatchObject({
      code: 'IP_ALREADY_ALLOCATED',
      field: 'fixed_ips[0].ip_address',
    });
    expect(await apiErrorOf(t.client.ports.create({ network_id: net.id, fixed_ips: [{ ip_address: '198.18.99.5' }] }))).toMatchObject({
      code: 'IP_OUTSIDE_SUBNETS',
      field: 'fixed_ips[0].ip_address',
    });
    expect(await apiErrorOf(t.client.ports.create({ network_id: net.id, fixed_ips: [{ ip_address: '198.18.21.1' }] }))).toMatchObject({ code: 'IP_ALREADY_ALLOCATED' });
    // The same MAC on another network is fine (unique per network).
    const other = await t.client.networks.create({});
    await expect(t.client.ports.create({ network_id: other.id, mac_address: '52:54:00:aa:bb:cc' })).resolves.toBeDefined();
  });

  test("the gateway address is a router interface's alone (Neutron's add_router_interface), and only once", async () => {
    const net = await t.client.networks.create({});
    await t.client.subnets.create({ network_id: net.id, cidr: '198.18.23.0/24' });
    expect(await apiErrorOf(t.client.ports.create({ network_id: net.id, device_owner: 'compute:nova', fixed_ips: [{ ip_address: '198.18.23.1' }] }))).toMatchObject({ code: 'IP_ALREADY_ALLOCATED' });
    const router = await t.client.ports.create({ network_id: net.id, device_owner: 'network:router_interface', device_id: 'router-1', fixed_ips: [{ ip_address: '198.18.23.1' }] });
    expect(router.fixed_ips[0]?.ip_address).toBe('198.18.23.1');
    expect(await apiErrorOf(t.client.ports.create({ network_id: net.id, device_owner: 'network:router_interface_distributed', fixed_ips: [{ ip_address: '198.18.23.1' }] }))).toMatchObject({ code: 'IP_ALREADY_ALLOCATED' });
  });

  test('a refused port gives back the address it had claimed, so the next port gets it', async () => {
    const net = await t.client.networks.create({});
    await t.client.subnets.create({ network_id: net.id, cidr: '198.18.22.0/24', allocation_pools: [{ start: '198.18.22.10', end: '198.18.22.12' }] });
    await t.client.ports.create({ network_id: net.id, mac_address: '52:54:00:00:00:01' });
    // This one claims an address, then fails on its MAC: the address must come back.
    await apiErrorOf(t.client.ports.create({ network_id: net.id, mac_address: '52:54:00:00:00:01' }));
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
    expect((await apiErrorOf(t.client.ports.show(moved.id))).code).toBe('NOT_FOUND');
  });
});

describe('dns_assignment', () => {
  test("a port without dns_name is host-a-b-c-d per address, under its network's dns_domain or openstacklocal, as Neutron's dns_db fills it; dns_name set later renames it", async () => {
    const net = await t.client.networks.create({});
    const subnet = await t.client.subnets.create({ network_id: net.id, cidr: '198.18.23.0/24' });
    const port = await t.client.ports.create({ network_id: net.id, fixed_ips: [{ ip_address: '198.18.23.40' }, { ip_address: '198.18.23.41' }] });
    expect(port.dns_name).toBe('');
    expect(port.dns_assignment).toStrictEqual([
      { hostname: 'host-198-18-23-40', ip_address: '198.18.23.40', fqdn: 'host-198-18-23-40.openstacklocal.' },
      { hostname: 'host-198-18-23-41', ip_address: '198.18.23.41', fqdn: 'host-198-18-23-41.openstacklocal.' },
    ]);
    expect((await t.client.ports.list({ network_id: net.id, device_owner: '' }))[0]!.dns_assignment).toStrictEqual(port.dns_assignment);
    const named = await t.client.ports.update(port.id, { dns_name: 'db', fixed_ips: [{ subnet_id: subnet.id, ip_address: '198.18.23.40' }] });
    expect(named.dns_assignment).toStrictEqual([{ hostname: 'db', ip_address: '198.18.23.40', fqdn: 'db.openstacklocal.' }]);
    const inDomain = await t.client.networks.create({ dns_domain: 'corp.example.' });
    await t.client.subnets.create({ network_id: inDomain.id, cidr: '198.18.24.0/24' });
    expect((await t.client.ports.create({ network_id: inDomain.id })).dns_assignment).toStrictEqual([
      { hostname: 'host-198-18-24-2', ip_address: '198.18.24.2', fqdn: 'host-198-18-24-2.corp.example.' },
    ]);
  });

  test("the configured dns_domain (agent.dns.domain, Neutron's dns_domain) replaces openstacklocal for networks without one", async () => {
    const configured = await startTestApi({ dnsDomain: 'cloud.internal' });
    try {
      const net = await configured.client.networks.create({});
      await configured.client.subnets.create({ network_id: net.id, cidr: '198.18.25.0/24' });
      const port = await configured.client.ports.create({ network_id: net.id });
      expect(port.dns_assignment).toStrictEqual([{ hostname: 'host-198-18-25-2', ip_address: '198.18.25.2', fqdn: 'host-198-18-25-2.cloud.internal.' }]);
      expect((await configured.client.ports.show(port.id)).dns_assignment).toStrictEqual(port.dns_assignment);
    } finally {
      await configured.stop();
    }
  });
});

describe('extra_dhcp_opts', () => {
  test("an entry protocol's option table refuses is VALIDATION_FAILED naming the entry, on create and on update, and nothing is written", async () => {
    const net = await t.client.networks.create({});
    await t.client.subnets.create({ network_id: net.id, cidr: '198.18.24.0/24' });
    const port = await t.client.ports.create({ network_id: net.id, extra_dhcp_opts: [{ opt_name: 'ntp-server', opt_value: '198.18.24.1' }] });
    const lastSeq = async () => (await t.journal.jsm.streams.info(t.journal.layout.stream)).state.last_seq;
    const before = await lastSeq();
    const badName = [{ opt_name: 'router', opt_value: '198.18.24.1' }, { opt_name: 'no-such-option', opt_value: '1' }];
    expect(await apiErrorOf(t.client.ports.create({ network_id: net.id, extra_dhcp_opts: badName }))).toMatchObject({ code: 'VALIDATION_FAILED', status: 400, field: 'extra_dhcp_opts[1].opt_name' });
    const badValue = [{ opt_name: 'mtu', opt_value: '67' }];
    expect(await apiErrorOf(t.client.ports.update(port.id, { fixed_ips: [{ ip_address: '198.18.24.50' }], extra_dhcp_opts: badValue }))).toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'extra_dhcp_opts[0].opt_value',
      message: 'extra_dhcp_opts[0].opt_value: option 26 (mtu): 67 is not in 68..65535',
    });
    expect(await lastSeq()).toBe(before);
    expect((await t.client.ports.show(port.id)).extra_dhcp_opts).toStrictEqual([{ opt_name: 'ntp-server', opt_value: '198.18.24.1', ip_version: 4 }]);
  });

  test('names, aliases and codes protocol accepts are kept as given, lower-cased', async () => {
    const net = await t.client.networks.create({});
    await t.client.subnets.create({ network_id: net.id, cidr: '198.18.25.0/24' });
    const port = await t.client.ports.create({ network_id: net.id });
    const updated = await t.client.ports.update(port.id, {
      extra_dhcp_opts: [
        { opt_name: 'Classless-Static-Route', opt_value: '198.19.0.0/16,198.18.25.1' },
        { opt_name: 'wpad', opt_value: 'http://wpad/wpad.dat' },
        { opt_name: '150', opt_value: '198.18.25.9' },
        { opt_name: 'server-ip-address', opt_value: '198.18.25.9' },
        { opt_name: 'router', opt_value: '' },
      ],
    });
    expect(updated.extra_dhcp_opts.map((o) => [o.opt_name, o.opt_value])).toStrictEqual([
      ['classless-static-route', '198.19.0.0/16,198.18.25.1'],
      ['wpad', 'http://wpad/wpad.dat'],
      ['150', '198.18.25.9'],
      ['server-ip-address', '198.18.25.9'],
      ['router', ''],
    ]);
  });
});

describe('paging', () => {
  test('limit and marker page through ports in id order, and next_marker says where to go on', async () => {
    const net = await t.client.networks.create({});
    await t.client.subnets.create({ network_id: net.id, cidr: '198.18.71.0/24' });
    const ids = (await Promise.all(Array.from({ length: 7 }, () => t.client.ports.create({ network_id: net.id })))).map((p) => p.id).sort();
    const seen: string[] = [];
    let marker: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await t.client.request<{ ports: { id: string }[]; next_marker?: string }>('ports.list', { network_id: net.id, limit: 3, ...(marker ? { marker } : {}) });
      seen.push(...page.ports.map((p) => p.id));
      marker = page.next_marker;
      if (!marker) break;
    }
    expect(seen).toStrictEqual(ids);
  });
});
