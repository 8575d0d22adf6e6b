import type { AgentView, LeaseView, PortView, SubnetView } from '@leasehold/api';
import { describe, expect, test } from 'vitest';
import { alerts, leasePage, overview, poolUse } from './compose.js';

const subnet = (over: Partial<SubnetView> = {}): SubnetView =>
  ({ id: 's1', network_id: 'n1', ip_version: 4, cidr: '198.18.0.0/24', allocation_pools: [{ start: '198.18.0.10', end: '198.18.0.19' }], dynamic_pools: [], ...over }) as SubnetView;
const port = (ip: string, subnetId = 's1'): PortView => ({ id: `p-${ip}`, network_id: 'n1', fixed_ips: [{ subnet_id: subnetId, ip_address: ip }] }) as PortView;
const lease = (ip: string, state = 'bound', mac = '02:00:00:00:00:01', hostname: string | null = null): LeaseView =>
  ({ network_id: 'n1', ip_address: ip, mac_address: mac, hostname, state, client_id: null, expires_at: null, updated_at: '2026-01-01T00:00:00.000Z' }) as LeaseView;
const agent = (id: string, networks: string[], alive = true): AgentView => ({ id, networks, alive, admin_state_up: true }) as AgentView;

describe('poolUse', () => {
  test('an IPv6 lease counts in no pool: not in an IPv4 subnet\'s, and an IPv6 subnet has no bar', () => {
    expect(poolUse(subnet(), [], [lease('198.18.0.10'), lease('2001:db8::10')])).toMatchObject({ size: 10, used: 1 });
    const v6 = subnet({ ip_version: 6, cidr: '2001:db8::/64', allocation_pools: [{ start: '2001:db8::2', end: '2001:db8::ffff' }] });
    expect(poolUse(v6, [], [lease('2001:db8::10')])).toMatchObject({ size: 0, used: 0 });
  });

  test('counts the pools\' addresses held by a port or a bound lease, once each, and nothing outside the pools', () => {
    const use = poolUse(subnet({ dynamic_pools: [{ start: '198.18.0.100', end: '198.18.0.109' }] }), [port('198.18.0.10'), port('198.18.0.2'), port('198.18.0.11', 'other')], [
      lease('198.18.0.10'),
      lease('198.18.0.100'),
      lease('198.18.0.101', 'expired'),
      lease('198.18.0.200'),
    ]);
    expect(use).toEqual({ subnet_id: 's1', cidr: '198.18.0.0/24', size: 20, used: 2 });
  });

  test('an IPv6 subnet has no bar', () => {
    expect(poolUse(subnet({ ip_version: 6, cidr: '2001:db8::/64', allocation_pools: [{ start: '2001:db8::2', end: '2001:db8::ffff' }] }), [], [])).toMatchObject({ size: 0, used: 0 });
  });
});

describe('alerts', () => {
  const pools = [{ subnet_id: 's1', cidr: '198.18.0.0/24', size: 10, used: 9 }];
  test('a network with a subnet and no live agent is critical; a pool at 90% is a warning', () => {
    const list = alerts([agent('a1', ['n2'], false)], [
      { id: 'n1', name: 'one', status: 'ACTIVE', agents: [], pools, leases: 0 },
      { id: 'n2', name: 'two', status: 'ACTIVE', agents: ['a1'], pools: [{ ...pools[0]!, used: 8 }], leases: 0 },
      { id: 'n3', name: 'three', status: 'ACTIVE', agents: [], pools: [], leases: 0 },
    ]);
    expect(list).toEqual([
      { level: 'critical', network_id: 'n1', text: 'network one has no DHCP agent' },
      { level: 'warning', network_id: 'n1', text: 'subnet 198.18.0.0/24 of one: pool 90% used (9 of 10)' },
      { level: 'critical', network_id: 'n2', text: 'network two: none of its agents is alive (a1)' },
    ]);
  });

  test("a network the scheduler finds no live agent mapping names its physical network, apart from 'no agent' and 'none alive'", () => {
    const unreachable = new Map([['n1', 'physnet-x'], ['n2', 'physnet-y']]);
    const list = alerts([agent('a1', ['n2'], false), agent('a2', ['n3'], false)], [
      { id: 'n1', name: 'one', status: 'ACTIVE', agents: [], pools: [{ ...pools[0]!, used: 1 }], leases: 0 },
      { id: 'n2', name: 'two', status: 'ACTIVE', agents: ['a1'], pools: [{ ...pools[0]!, used: 1 }], leases: 0 },
      { id: 'n3', name: 'three', status: 'ACTIVE', agents: ['a2'], pools: [{ ...pools[0]!, used: 1 }], leases: 0 },
      { id: 'n4', name: 'four', status: 'ACTIVE', agents: [], pools: [{ ...pools[0]!, used: 1 }], leases: 0 },
    ], unreachable);
    expect(list).toEqual([
      { level: 'critical', network_id: 'n1', physical_network: 'physnet-x', text: 'network one: no live agent maps physnet physnet-x' },
      { level: 'critical', network_id: 'n2', physical_network: 'physnet-y', text: 'network two: no live agent maps physnet physnet-y (bound to a1, not alive)' },
      { level: 'critical', network_id: 'n3', text: 'network three: none of its agents is alive (a2)' },
      { level: 'critical', network_id: 'n4', text: 'network four has no DHCP agent' },
    ]);
  });

  test('a hosted network with room in its pools raises nothing', () => {
    expect(alerts([agent('a1', ['n1'])], [{ id: 'n1', name: 'one', status: 'ACTIVE', agents: ['a1'], pools: [{ ...pools[0]!, used: 8 }], leases: 0 }])).toEqual([]);
  });
});

describe('overview', () => {
  test('a read model 1,000 events or more behind the journal is an alert; less is not', () => {
    const fleet = { agents: [], networks: [], subnets: [], ports: [], leases: [] };
    expect(overview(fleet, { position: 10, last: 1_010, lag: 1_000 }).alerts).toEqual([
      { level: 'warning', text: "the API's read model is 1000 events behind the journal (at #10 of #1010): these pages show the state as of then" },
    ]);
    expect(overview(fleet, { position: 11, last: 1_010, lag: 999 }).alerts).toEqual([]);
    expect(overview(fleet).projection).toBeNull();
  });
});

describe('leasePage', () => {
  const leases = Array.from({ length: 120 }, (_, i) => lease(`198.18.${Math.floor(i / 100)}.${i % 100}`, 'bound', `02:00:00:00:00:${i.toString(16).padStart(2, '0')}`, i === 7 ? 'Printer-7' : null)).reverse();
  test('pages in address order with the total of all matches', () => {
    const page = leasePage(leases, '', 95, 10);
    expect(page.total).toBe(120);
    expect(page.leases.map((l) => l.ip_address)).toEqual(['198.18.0.95', '198.18.0.96', '198.18.0.97', '198.18.0.98', '198.18.0.99', '198.18.1.0', '198.18.1.1', '198.18.1.2', '198.18.1.3', '198.18.1.4']);
  });

  test('searches MAC, address and host name, case-insensitively', () => {
    expect(leasePage(leases, 'printer', 0, 10).leases.map((l) => l.ip_address)).toEqual(['198.18.0.7']);
    expect(leasePage(leases, '02:00:00:00:00:0A', 0, 10).leases.map((l) => l.ip_address)).toEqual(['198.18.0.10']);
    expect(leasePage(leases, '198.18.1.1', 0, 50).total).toBe(11);
  });

  test('IPv6 leases (the API lists them too) follow every IPv4 one, in address order (2001:db8::9 before 2001:db8::10)', () => {
    const mixed = [lease('2001:db8::10'), lease('198.18.0.9'), lease('2001:db8::9'), lease('198.18.0.10')];
    expect(leasePage(mixed, '', 0, 10).leases.map((l) => l.ip_address)).toEqual(['198.18.0.9', '198.18.0.10', '2001:db8::9', '2001:db8::10']);
    expect(leasePage(mixed, 'db8::1', 0, 10).leases.map((l) => l.ip_address)).toEqual(['2001:db8::10']);
  });

  test('bounds a page at 500 rows and takes nonsense as the defaults', () => {
    expect(leasePage(leases, '', 0, 10_000).limit).toBe(500);
    expect(leasePage(leases, '', Number.NaN, Number.NaN)).toMatchObject({ offset: 0, limit: 50 });
  });
});
