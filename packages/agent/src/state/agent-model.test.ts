import { describe, expect, test } from 'vitest';
import { testEvent } from '@leasehold/journal/testing';
import { aggregateSubject, parseIpv4 as v4, parseIpv6 as v6, type PortState } from '@leasehold/protocol';
import { AgentModel } from './agent-model.js';

const port = (changes: Partial<PortState>): PortState => ({
  id: 'port-1',
  networkId: 'net-a',
  name: '',
  macAddress: 'fa:16:3e:00:00:01',
  fixedIps: [],
  dnsName: '',
  extraDhcpOpts: [],
  deviceOwner: 'compute:nova',
  deviceId: 'vm-1',
  adminStateUp: true,
  ...changes,
});

describe('regression: a second PortCreated for a port id', () => {
  test('replaces the port everywhere: no index keeps the old port, and its fixed address is released', () => {
    const model = new AgentModel();
    let seq = 0;
    const apply = (subject: string, type: string, data: unknown) => model.apply({ seq: ++seq, subject, event: testEvent('x', type, data) });
    const network = { id: 'net-a', name: 'a', adminStateUp: true, mtu: 1500, dnsDomain: '', availabilityZoneHints: [], physicalNetwork: null };
    apply(aggregateSubject('network', 'net-a'), 'NetworkCreated', { network });
    apply(aggregateSubject('port', 'port-1'), 'PortCreated', { port: port({ fixedIps: [{ subnetId: 's', ipAddress: v4('198.18.0.5') }] }) });
    expect(model.table('net-a')?.configuration().fixed).toEqual([{ mac: 'fa:16:3e:00:00:01', ip: v4('198.18.0.5') }]);
    apply(aggregateSubject('port', 'port-1'), 'PortCreated', { port: port({ macAddress: 'fa:16:3e:00:00:02', fixedIps: [] }) });
    expect(model.portByMac('net-a', 'fa:16:3e:00:00:01')).toBeUndefined();
    expect([...model.portsOf('net-a')].map((p) => p.macAddress)).toEqual(['fa:16:3e:00:00:02']);
    expect(model.table('net-a')?.configuration().fixed).toEqual([]);
  });
});

describe('IPv6 subnets and addresses', () => {
  test('the agent folds them without showing them to DHCPv4: subnets() lists the IPv4 subnets only, the lease table takes the IPv4 address of a dual-stack port only, and nothing is counted bad', () => {
    const model = new AgentModel();
    let seq = 0;
    const apply = (subject: string, type: string, data: unknown) => model.apply({ seq: ++seq, subject, event: testEvent('x', type, data) });
    const network = { id: 'net-a', name: 'a', adminStateUp: true, mtu: 1500, dnsDomain: '', availabilityZoneHints: [], physicalNetwork: null };
    const subnet4 = { id: 's4', networkId: 'net-a', name: '', cidr: { address: v4('198.18.0.0'), prefix: 24 }, gatewayIp: null, allocationPools: [], dynamicPools: [], dnsNameservers: [], hostRoutes: [], enableDhcp: true, leaseDuration: 86_400 };
    const subnet6 = { id: 's6', networkId: 'net-a', name: '', cidr: '2001:db8:1::/64', gatewayIp: '2001:db8:1::1', allocationPools: [], dnsNameservers: [], hostRoutes: [], enableDhcp: true, ipv6AddressMode: 'slaac', ipv6RaMode: 'slaac', leaseDuration: 86_400 };
    apply(aggregateSubject('network', 'net-a'), 'NetworkCreated', { network });
    apply(aggregateSubject('network', 'net-a'), 'SubnetCreated', { subnet: subnet4 });
    apply(aggregateSubject('network', 'net-a'), 'Subnet6Created', { subnet: subnet6 });
    apply(aggregateSubject('port', 'port-1'), 'PortCreated', {
      port: port({ fixedIps: [{ subnetId: 's4', ipAddress: v4('198.18.0.5') }], fixedIps6: [{ subnetId: 's6', ipAddress: '2001:db8:1:0:f816:3eff:fe00:1' }] }),
    });
    expect(model.subnets('net-a').map((s) => s.id)).toEqual(['s4']);
    expect(model.table('net-a')?.configuration().fixed).toEqual([{ mac: 'fa:16:3e:00:00:01', ip: v4('198.18.0.5') }]);
    expect(model.badEvents).toBe(0);
    apply(aggregateSubject('network', 'net-a'), 'SubnetDeleted', { subnetId: 's6' });
    expect(model.subnets('net-a').map((s) => s.id)).toEqual(['s4']);
  });
});

describe('IPv6 leases', () => {
  test('are folded into their own table, kept in the snapshot a restart restores, and move their subject version (a quarantined one too)', async () => {
    const { pack, unpack } = await import('@leasehold/protocol');
    const model = new AgentModel();
    let seq = 0;
    const apply = (subject: string, type: string, data: unknown) => model.apply({ seq: ++seq, subject, event: testEvent('x', type, data) });
    const network = { id: 'net-a', name: 'a', adminStateUp: true, mtu: 1500, dnsDomain: '', availabilityZoneHints: [], physicalNetwork: null };
    apply(aggregateSubject('network', 'net-a'), 'NetworkCreated', { network });
    const subject = 'lh.evt.lease6.net-a.2001:db8:1::10';
    apply(subject, 'Lease6Bound', { ip: '2001:db8:1::10', duid: '00030001020000000001', iaid: 1, expiresAt: 2e12 });
    apply('lh.evt.lease6.net-a.2001:db8:1::11', 'Lease6Bound', { ip: '2001:DB8:1::11', duid: '00030001020000000002', iaid: 1, expiresAt: 2e12 });
    expect(model.badEvents).toBe(1);
    expect(model.lease6Table('net-a').binding('00030001020000000001/1')?.address).toBe(v6('2001:db8:1::10'));
    expect(model.leaseVersion(subject)).toBe(2);
    // Nothing of it reaches the IPv4 table.
    expect(model.table('net-a')?.dynamicInUse()).toBe(0);
    const restored = new AgentModel();
    restored.restore(unpack(pack(model.snapshot())));
    expect([...restored.lease6Table('net-a').leases()]).toEqual([...model.lease6Table('net-a').leases()]);
    expect(restored.leaseVersion(subject)).toBe(2);
    restored.quarantine(subject, 9);
    expect(restored.leaseVersion(subject)).toBe(9);
  });
});
