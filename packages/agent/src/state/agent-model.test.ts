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

describe('own lease writes met again on the subscription (issue 19)', () => {
  test('alreadyFolded is true exactly for the events apply would ignore, and a model skipping them ends equal to one that applies everything', async () => {
    const { parseCidr } = await import('@leasehold/protocol');
    const { leaseSubject, leaseTimes, toEnvelope } = await import('@leasehold/lease-actor');
    const net = 'net-a';
    const cidr = parseCidr('198.18.0.0/24');
    const network = { id: net, name: 'a', adminStateUp: true, mtu: 1500, dnsDomain: '', availabilityZoneHints: [], physicalNetwork: null };
    const subnet = {
      id: 'sub-a', networkId: net, name: 'a', cidr, gatewayIp: v4('198.18.0.1'), allocationPools: [], dynamicPools: [{ first: v4('198.18.0.10'), last: v4('198.18.0.200') }],
      dnsNameservers: [], hostRoutes: [], enableDhcp: true, leaseDuration: 3600,
    };
    const setup = [
      { seq: 1, subject: aggregateSubject('network', net), event: testEvent(`network/${net}`, 'NetworkCreated', { network }) },
      { seq: 2, subject: aggregateSubject('network', net), event: testEvent(`network/${net}`, 'SubnetCreated', { subnet }) },
    ];
    const lease = (type: 'LeaseBound' | 'LeaseRenewed', ip: string, mac: string, at: number) => ({ type, ip: v4(ip), mac, at, ...leaseTimes(at, 3_600_000) }) as const;
    const own1 = lease('LeaseBound', '198.18.0.10', '02:00:00:00:00:01', 1_000);
    const peer = lease('LeaseBound', '198.18.0.11', '02:00:00:00:00:02', 2_000);
    const own2 = lease('LeaseRenewed', '198.18.0.10', '02:00:00:00:00:01', 3_000);
    const stream = [own1, peer, own2].map((event, i) => ({ seq: 3 + i, subject: leaseSubject(net, event.ip), event: toEnvelope(net, event, { id: `e${i}` }), lease: event }));

    const reference = new AgentModel();
    for (const stored of [...setup, ...stream]) reference.apply(stored);

    const model = new AgentModel();
    for (const stored of setup) model.apply(stored);
    // The agent's own writes are folded when JetStream acknowledges them, before they come back.
    model.applyLease(net, stream[0]!.subject, 3, own1);
    model.applyLease(net, stream[2]!.subject, 5, own2);
    const answers = stream.map((s) => {
      const folded = model.alreadyFolded(s.subject, s.seq);
      if (!folded) model.apply(s);
      return folded;
    });
    expect(answers).toStrictEqual([true, false, true]);
    expect(model.position).toBe(5);
    expect(model.snapshot()).toStrictEqual(reference.snapshot());
    // A sequence past what was folded on a subject is not held.
    expect(model.alreadyFolded(stream[0]!.subject, 6)).toBe(false);
  });
});
