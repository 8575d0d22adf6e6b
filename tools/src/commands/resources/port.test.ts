import type { NetworkView, PortView, SubnetView } from '@leasehold/api/client';
import { startTestApi, type TestApi } from '@leasehold/api/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { portFields } from './port.js';
import { jsonOf, runCli, tableRows } from './testing/run-cli.js';

let t: TestApi;
let net: NetworkView;
let sub: SubnetView;
const cli = (...args: string[]) => runCli([...args, '--nats-url', t.nats.url]);

beforeAll(async () => {
  t = await startTestApi();
  net = await t.client.networks.create({ name: 'port-net', dns_domain: 'example.org' });
  sub = await t.client.subnets.create({ network_id: net.id, cidr: '198.18.0.0/24', name: 'port-sub' });
});
afterAll(() => t?.stop());

describe('leasehold port', () => {
  test('create sends MAC, fixed IP by subnet name, DNS name, extra DHCP options and device fields', async () => {
    const run = await cli(
      'port', 'create', '--network', 'port-net', '--name', 'vm1', '--mac', 'FA:16:3E:00:00:01',
      '--fixed-ip', 'subnet=port-sub,ip=198.18.0.20', '--dns-name', 'vm1',
      '--extra-dhcp-opt', 'domain-search=example.org', '--extra-dhcp-opt', '42=198.18.0.1,198.18.0.2',
      '--device-owner', 'compute:nova', '--device-id', 'instance-1', '--json',
    );
    expect(run.stderr).toBe('');
    const { port } = jsonOf<{ port: PortView }>(run);
    expect(port).toMatchObject({
      network_id: net.id,
      name: 'vm1',
      mac_address: 'fa:16:3e:00:00:01',
      fixed_ips: [{ subnet_id: sub.id, ip_address: '198.18.0.20' }],
      dns_name: 'vm1',
      extra_dhcp_opts: [
        { opt_name: 'domain-search', opt_value: 'example.org' },
        { opt_name: '42', opt_value: '198.18.0.1,198.18.0.2' },
      ],
      device_owner: 'compute:nova',
      device_id: 'instance-1',
    });
    expect(await t.client.ports.show(port.id)).toEqual(port);
  });

  test('list filters by device owner in a table with each port’s address; show finds a port by name', async () => {
    const a = await t.client.ports.create({ network_id: net.id, name: 'lb-a', device_owner: 'network:lb' });
    const b = await t.client.ports.create({ network_id: net.id, name: 'lb-b', device_owner: 'network:lb' });
    await t.client.ports.create({ network_id: net.id, name: 'not-lb', device_owner: 'compute:nova' });
    const [list, show] = await Promise.all([cli('port', 'list', '--network', 'port-net', '--device-owner', 'network:lb'), cli('port', 'show', 'lb-b', '--json')]);
    expect(list.code).toBe(0);
    const [header, ...rows] = tableRows(list.stdout);
    expect(header).toEqual(['id', 'name', 'mac address', 'network', 'network name', 'fixed ips', 'status', 'device owner']);
    // DOWN: no agent serves port-net, so none has the ports in its lease table (the status rule: api's port/status.ts).
    expect(rows.sort((x, y) => x[1]!.localeCompare(y[1]!))).toEqual(
      [a, b].map((p) => [p.id, p.name, p.mac_address, net.id, 'port-net', p.fixed_ips[0]!.ip_address, 'DOWN', 'network:lb']),
    );
    expect(jsonOf<{ port: PortView }>(show).port).toEqual(b);
  });

  test('update moves the port to another address and clears its options; delete frees it', async () => {
    const p = await t.client.ports.create({ network_id: net.id, name: 'mover', extra_dhcp_opts: [{ opt_name: 'mtu', opt_value: '1400' }] });
    const update = await cli('port', 'update', 'mover', '--fixed-ip', 'ip=198.18.0.77', '--no-extra-dhcp-opt', '--disable', '--json');
    expect(update.stderr).toBe('');
    const updated = jsonOf<{ port: PortView }>(update).port;
    expect(updated).toEqual({
      ...p,
      fixed_ips: [{ subnet_id: sub.id, ip_address: '198.18.0.77' }],
      // A port without dns_name is named after its address (Neutron's host-<a-b-c-d>), so the name moves with it.
      dns_assignment: [{ hostname: 'host-198-18-0-77', ip_address: '198.18.0.77', fqdn: p.dns_assignment[0]!.fqdn.replace(/^[^.]+/, 'host-198-18-0-77') }],
      extra_dhcp_opts: [],
      admin_state_up: false,
      status: 'DOWN',
      revision_number: updated.revision_number,
      // The update's time: a second later than the create's when the two straddle one.
      updated_at: updated.updated_at,
    });
    expect(updated.updated_at! >= p.updated_at!).toBe(true);
    const del = await cli('port', 'delete', p.id);
    expect(del).toMatchObject({ code: 0, stdout: `deleted port ${p.id}\n` });
    expect(await t.client.ports.list({ ip_address: '198.18.0.77' })).toEqual([]);
  });

  test('a MAC already in use exits 2 with MAC_IN_USE naming mac_address', async () => {
    const taken = await t.client.ports.create({ network_id: net.id });
    const run = await cli('port', 'create', '--network', net.id, '--mac', taken.mac_address);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^error MAC_IN_USE \\(mac_address\\): .*${taken.mac_address}.*\\n$`));
  });
});

describe('port flags', () => {
  test('--fixed-ip accepts either part alone and --no-fixed-ip asks for no address', () => {
    expect(portFields({ fixedIp: ['subnet=s1', 'ip=198.18.0.9', 'subnet_id=s2,ip_address=198.19.0.9'] }).fixed_ips).toEqual([
      { subnet_id: 's1' },
      { ip_address: '198.18.0.9' },
      { subnet_id: 's2', ip_address: '198.19.0.9' },
    ]);
    expect(portFields({ fixedIp: false })).toEqual({ fixed_ips: [] });
  });

  test('an extra DHCP option without a value separator is refused naming --extra-dhcp-opt', () => {
    expect(() => portFields({ extraDhcpOpt: ['router'] })).toThrow(expect.objectContaining({ code: 'INVALID_FLAG', field: '--extra-dhcp-opt' }));
  });
});
