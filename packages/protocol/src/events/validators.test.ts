import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decodeStoredEvent, encodeEvent, type EventEnvelope } from '../envelope.js';
import { InvalidEventError } from '../errors.js';
import { parseCidr } from '../ipv4/cidr.js';
import { parseIpv4 } from '../ipv4/address.js';
import { garbageArb, validEventArb, valueOf } from './testing.js';
import { checkEventData, checkStoredEvent, eventSchemas, eventVersions, type KnownEventType } from './validators.js';

const at = 1_700_000_000_000;
const event = (type: string, aggregate: string, data: unknown, v = 1): EventEnvelope => ({ type, v, id: 'e-1', aggregate, at, data });
const network = { id: 'net-1', name: 'n', adminStateUp: true, mtu: 1500, dnsDomain: 'example.org.', availabilityZoneHints: [], physicalNetwork: null };
const block = parseCidr('198.18.0.0/24');
const subnet = {
  id: 'sub-1',
  networkId: 'net-1',
  name: '',
  cidr: block,
  gatewayIp: block.address + 1,
  allocationPools: [{ first: block.address + 2, last: block.address + 99 }],
  dynamicPools: [{ first: block.address + 100, last: block.address + 199 }],
  dnsNameservers: [],
  hostRoutes: [{ destination: parseCidr('198.19.0.0/16'), nexthop: block.address + 1 }],
  enableDhcp: true,
  leaseDuration: 86_400,
};
const port = {
  id: 'port-1',
  networkId: 'net-1',
  name: '',
  macAddress: 'fa:16:3e:00:00:01',
  fixedIps: [{ subnetId: 'sub-1', ipAddress: block.address + 5 }],
  dnsName: 'vm',
  extraDhcpOpts: [{ optName: 'router', optValue: '198.18.0.1' }],
  deviceOwner: 'compute:nova',
  deviceId: 'vm-1',
  adminStateUp: true,
};
const ip = parseIpv4('198.18.0.100');
const subnet6 = {
  id: 'sub-6',
  networkId: 'net-1',
  name: 'v6',
  cidr: '2001:db8:1::/64',
  gatewayIp: '2001:db8:1::1',
  allocationPools: [{ first: '2001:db8:1::2', last: '2001:db8:1:0:ffff:ffff:ffff:ffff' }],
  dnsNameservers: [],
  hostRoutes: [{ destination: '2001:db8:2::/64', nexthop: '2001:db8:1::fe' }],
  enableDhcp: true,
  ipv6AddressMode: 'dhcpv6-stateful',
  ipv6RaMode: null,
  leaseDuration: 86_400,
};

/** One event of every type as its writer makes it, on its subject. */
const written: [string, EventEnvelope][] = [
  ['lh.evt.network.net-1', event('NetworkCreated', 'network/net-1', { network })],
  ['lh.evt.network.net-1', event('NetworkUpdated', 'network/net-1', { changes: { mtu: 9000, name: 'x' } })],
  ['lh.evt.network.net-1', event('NetworkDeleted', 'network/net-1', {})],
  ['lh.evt.network.net-1', event('SubnetCreated', 'network/net-1', { subnet })],
  ['lh.evt.network.net-1', event('SubnetUpdated', 'network/net-1', { subnetId: 'sub-1', changes: { gatewayIp: null, enableDhcp: false } })],
  ['lh.evt.network.net-1', event('SubnetDeleted', 'network/net-1', { subnetId: 'sub-1' })],
  ['lh.evt.network.net-1', event('Subnet6Created', 'network/net-1', { subnet: subnet6 })],
  ['lh.evt.network.net-1', event('Subnet6Updated', 'network/net-1', { subnetId: 'sub-6', changes: { dnsNameservers: ['2001:db8:1::53'], enableDhcp: true } })],
  ['lh.evt.port.port-1', event('PortCreated', 'port/port-1', { port })],
  ['lh.evt.port.port-1', event('PortUpdated', 'port/port-1', { changes: { dnsName: 'vm2', fixedIps: [], fixedIps6: [{ subnetId: 'sub-6', ipAddress: '2001:db8:1:0:f816:3eff:fe00:1' }], extraDhcpOpts6: [{ optName: 'dns-server', optValue: '[2001:db8:1::53]' }] } })],
  ['lh.evt.port.port-1', event('PortDeleted', 'port/port-1', { networkId: 'net-1' })],
  ['lh.evt.ipam.net-1.198-18-0-100', event('IpAllocated', 'lh.evt.ipam.net-1.198-18-0-100', { networkId: 'net-1', subnetId: 'sub-1', ip, portId: 'port-1' })],
  ['lh.evt.ipam.net-1.198-18-0-100', event('IpReleased', 'lh.evt.ipam.net-1.198-18-0-100', { networkId: 'net-1', subnetId: 'sub-1', ip, portId: 'port-1' })],
  ['lh.evt.mac.net-1.fa:16:3e:00:00:01', event('MacClaimed', 'lh.evt.mac.net-1.fa:16:3e:00:00:01', { networkId: 'net-1', mac: 'fa:16:3e:00:00:01', portId: 'port-1' })],
  ['lh.evt.ipam.net-1.2001:db8:1::10', event('Ip6Allocated', 'lh.evt.ipam.net-1.2001:db8:1::10', { networkId: 'net-1', subnetId: 'sub-6', ip: '2001:db8:1::10', portId: 'port-1' })],
  ['lh.evt.ipam.net-1.2001:db8:1::10', event('Ip6Released', 'lh.evt.ipam.net-1.2001:db8:1::10', { networkId: 'net-1', subnetId: 'sub-6', ip: '2001:db8:1::10', portId: 'port-1' })],
  ['lh.evt.mac.net-1.fa:16:3e:00:00:01', event('MacReleased', 'lh.evt.mac.net-1.fa:16:3e:00:00:01', { networkId: 'net-1', mac: 'fa:16:3e:00:00:01', portId: 'port-1' })],
  ['lh.evt.segment.p:physnet1.vlan-42', event('SegmentClaimed', 'lh.evt.segment.p:physnet1.vlan-42', { networkId: 'net-1', networkType: 'vlan', physicalNetwork: 'physnet1', segmentationId: 42 })],
  ['lh.evt.segment.vxlan.5000', event('SegmentReleased', 'lh.evt.segment.vxlan.5000', { networkId: 'net-1', networkType: 'vxlan', physicalNetwork: null, segmentationId: 5000 })],
  [
    'lh.evt.agent.a-1',
    event('AgentHeartbeat', 'agent/a-1', { agentId: 'a-1', host: 'h', availabilityZone: 'nova', networks: ['net-1'], load: 3, interfaceMappings: { physnet1: 'eth1' }, reportIntervalMs: 30_000, version: '0.1.0' }),
  ],
  ['lh.evt.agent.a-1', event('AgentAdminStateChanged', 'agent/a-1', { agentId: 'a-1', adminStateUp: false })],
  ['lh.evt.agent.a-1', event('AgentDeleted', 'agent/a-1', { agentId: 'a-1' })],
  ['lh.evt.binding.net-1', event('NetworkScheduled', 'binding/net-1', { networkId: 'net-1', agentId: 'a-1', reason: 'new-network', strategy: 'least-loaded', inputs: { wanted: 1 } })],
  ['lh.evt.binding.net-1', event('NetworkUnscheduled', 'binding/net-1', { networkId: 'net-1', agentId: 'a-1', reason: 'agent-down' })],
  ['lh.evt.lease.net-1.198-18-0-100', event('LeaseBound', 'lease/net-1/198.18.0.100', { ip, mac: 'aa:00:00:00:00:01', clientId: '01aa', hostname: 'vm', expiresAt: at + 1000, renewAt: at + 500, rebindAt: at + 875 })],
  ['lh.evt.lease.net-1.198-18-0-100', event('LeaseRenewed', 'lease/net-1/198.18.0.100', { ip, mac: 'aa:00:00:00:00:01', expiresAt: at + 1000, renewAt: at + 500, rebindAt: at + 875 })],
  ['lh.evt.lease.net-1.198-18-0-100', event('LeaseReleased', 'lease/net-1/198.18.0.100', { ip, mac: 'aa:00:00:00:00:01' })],
  ['lh.evt.lease.net-1.198-18-0-100', event('LeaseDeclined', 'lease/net-1/198.18.0.100', { ip, mac: 'aa:00:00:00:00:01', quarantineUntil: at + 60_000, message: 'in use' })],
  ['lh.evt.lease.net-1.198-18-0-100', event('LeaseExpired', 'lease/net-1/198.18.0.100', { ip, expiresAt: at })],
  ['lh.evt.lease6.net-1.2001:db8:1::10', event('Lease6Bound', 'lease6/net-1/2001:db8:1::10', { ip: '2001:db8:1::10', duid: '000100011c39cf88080027fe8f95', iaid: 0x27fe8f95, mac: '08:00:27:fe:8f:95', expiresAt: at + 1000 })],
  ['lh.evt.lease6.net-1.2001:db8:1::10', event('Lease6Renewed', 'lease6/net-1/2001:db8:1::10', { ip: '2001:db8:1::10', duid: '000100011c39cf88080027fe8f95', iaid: 1, expiresAt: at + 2000 })],
  ['lh.evt.lease6.net-1.2001:db8:1::10', event('Lease6Released', 'lease6/net-1/2001:db8:1::10', { ip: '2001:db8:1::10', duid: '00030001080027fe8f95', iaid: 1 })],
  ['lh.evt.lease6.net-1.2001:db8:1::10', event('Lease6Declined', 'lease6/net-1/2001:db8:1::10', { ip: '2001:db8:1::10', duid: '00030001080027fe8f95', iaid: 1 })],
  ['lh.evt.lease6.net-1.2001:db8:1::10', event('Lease6Expired', 'lease6/net-1/2001:db8:1::10', { ip: '2001:db8:1::10', expiresAt: at })],
];

describe('event validators', () => {
  test('there is one validator per known type and version, and an event of every type as its writer makes it passes', () => {
    expect([...eventVersions.keys()].sort()).toStrictEqual(written.map(([, e]) => e.type).sort());
    for (const [subject, e] of written) expect(checkStoredEvent(subject, e), `${e.type}`).toBeUndefined();
  });

  test('the NetworkCreated with empty data of the probe is refused, naming the missing field', () => {
    expect(checkStoredEvent('lh.evt.network.net-1', event('NetworkCreated', 'network/net-1', {}))).toBe('NetworkCreated v1: data.network: missing');
    expect(() => decodeStoredEvent('lh.evt.network.net-1', encodeEvent(event('NetworkCreated', 'network/net-1', {})))).toThrow(InvalidEventError);
  });

  test('an unknown version of a known type is refused, naming the versions this build reads', () => {
    expect(checkEventData('LeaseBound', 2, {})).toBe('LeaseBound v2 is not a schema version this build reads (1)');
  });

  test('an unknown type is refused on the subjects of known aggregates, and left alone elsewhere', () => {
    expect(checkStoredEvent('lh.evt.network.net-1', event('NetworkRenamed', 'network/net-1', {}))).toMatch(/unknown event type "NetworkRenamed" on a network subject/);
    expect(checkStoredEvent('lh.evt.test.x', event('Added', 'test/x', { n: 1 }))).toBeUndefined();
  });

  test('a known type on another kind of subject, or with ids that are not its subject\'s, is refused', () => {
    expect(checkStoredEvent('lh.evt.port.net-1', event('NetworkCreated', 'network/net-1', { network }))).toMatch(/belongs on lh.evt.network/);
    expect(checkStoredEvent('lh.evt.network.net-2', event('NetworkCreated', 'network/net-1', { network }))).toMatch(/data.network.id "net-1" is not the subject's/);
    expect(checkStoredEvent('lh.evt.port.port-2', event('PortCreated', 'port/port-1', { port }))).toMatch(/data.port.id/);
    expect(checkStoredEvent('lh.evt.binding.net-2', event('NetworkScheduled', 'binding/net-1', { networkId: 'net-1', agentId: 'a', reason: 'manual' }))).toMatch(/data.networkId/);
    expect(checkStoredEvent('lh.evt.lease.net-1.198-18-0-101', event('LeaseExpired', 'lease/net-1/198.18.0.100', { ip, expiresAt: at }))).toMatch(/data.ip 198.18.0.100/);
    expect(checkStoredEvent('lh.evt.lease.net-1', event('LeaseExpired', 'lease/net-1/198.18.0.100', { ip, expiresAt: at }))).toMatch(/belongs on/);
    // An IPv6 lease lives on lease6 under its RFC 5952 text, never on a DHCPv4 lease subject.
    const lease6 = { ip: '2001:db8:1::10', expiresAt: at };
    expect(checkStoredEvent('lh.evt.lease6.net-1.2001:db8:1::11', event('Lease6Expired', 'x', lease6))).toMatch(/data.ip "2001:db8:1::10" is not the subject's/);
    expect(checkStoredEvent('lh.evt.lease.net-1.2001:db8:1::10', event('Lease6Expired', 'x', lease6))).toMatch(/belongs on lh.evt.lease6/);
    expect(checkStoredEvent('lh.evt.lease6.net-1.2001:db8:1:0::10', event('Lease6Expired', 'x', { ...lease6, ip: '2001:db8:1:0::10' }))).toMatch(/data.ip/);
    expect(checkEventData('Lease6Bound', 1, { ip: '2001:db8:1::10', duid: '0001', iaid: 2 ** 32, expiresAt: at })).toMatch(/data.iaid/);
    // A bind's cause (its message and rule) and the client's host name are optional v1 fields, each checked when present.
    const bound6 = { ip: '2001:db8:1::10', duid: '0001', iaid: 1, expiresAt: at };
    expect(checkEventData('Lease6Bound', 1, { ...bound6, message: 'request', source: 'pool', hostname: 'vm-6' })).toBeUndefined();
    expect(checkEventData('Lease6Renewed', 1, { ...bound6, message: 'reboot' })).toMatch(/data.message/);
    expect(checkEventData('Lease6Bound', 1, { ...bound6, source: 'guess' })).toMatch(/data.source/);
    expect(checkEventData('Lease6Bound', 1, { ...bound6, hostname: '' })).toMatch(/data.hostname/);
    const vlan42 = { networkId: 'net-1', networkType: 'vlan', physicalNetwork: 'physnet1', segmentationId: 42 };
    expect(checkStoredEvent('lh.evt.segment.p:physnet1.vlan-43', event('SegmentClaimed', 'x', vlan42))).toMatch(/its segment/);
    expect(checkStoredEvent('lh.evt.segment.p:physnet2.vlan-42', event('SegmentClaimed', 'x', vlan42))).toMatch(/its segment/);
    expect(checkStoredEvent('lh.evt.segment.vxlan.42', event('SegmentClaimed', 'x', vlan42))).toMatch(/its segment/);
  });

  test('a field a fold spreads into its state may hold only the fields of the type (no id, no unknown keys)', () => {
    expect(checkStoredEvent('lh.evt.network.net-1', event('NetworkUpdated', 'network/net-1', { changes: { id: 'other' } }))).toMatch(/data.changes.id: is not a field/);
    expect(checkStoredEvent('lh.evt.port.port-1', event('PortUpdated', 'port/port-1', { changes: { networkId: 'n' } }))).toMatch(/data.changes.networkId/);
  });

  test('values a reader would choke on are refused: times no Date holds, addresses out of range, ids that cannot be map keys, pools an agent cannot serve', () => {
    const bound = written.find(([, e]) => e.type === 'LeaseBound')!;
    expect(checkStoredEvent(bound[0], { ...bound[1], data: { ...(bound[1].data as object), expiresAt: 1e300 } })).toMatch(/expiresAt/);
    expect(checkStoredEvent(bound[0], { ...bound[1], at: 9e15 })).toMatch(/at 9000000000000000 is not a time/);
    expect(checkEventData('IpAllocated', 1, { networkId: 'n', subnetId: 's', ip: 2 ** 32, portId: 'p' })).toMatch(/data.ip/);
    expect(checkEventData('SubnetDeleted', 1, { subnetId: '__proto__' })).toMatch(/not allowed/);
    expect(checkEventData('SubnetCreated', 1, { subnet: { ...subnet, dynamicPools: [{ first: block.address + 50, last: block.address + 120 }] } })).toMatch(/overlap/);
    expect(checkEventData('SubnetCreated', 1, { subnet: { ...subnet, dynamicPools: [{ first: block.address + 250, last: block.address + 300 }] } })).toMatch(/outside/);
    expect(checkEventData('SubnetCreated', 1, { subnet: { ...subnet, cidr: { address: block.address + 1, prefix: 24 } } })).toMatch(/host bits/);
    expect(checkEventData('SubnetUpdated', 1, { subnetId: 's', changes: { dynamicPools: [{ first: 0, last: 2 ** 25 }] } })).toMatch(/larger than a \/8/);
    expect(checkEventData('AgentHeartbeat', 1, { ...(written.find(([, e]) => e.type === 'AgentHeartbeat')![1].data as object), interfaceMappings: new Map() })).toMatch(/interfaceMappings: expected a map, got a Map/);
  });

  test('IPv6 addresses travel in their one RFC 5952 spelling, prefixes without host bits, pools inside and apart; a v6 claim names its address as its subject token', () => {
    expect(checkEventData('Subnet6Created', 1, { subnet: { ...subnet6, gatewayIp: '2001:DB8:1::1' } })).toMatch(/data.subnet.gatewayIp: expected an IPv6 address in RFC 5952 text/);
    expect(checkEventData('Subnet6Created', 1, { subnet: { ...subnet6, gatewayIp: '2001:db8:1:0:0:0:0:1' } })).toMatch(/gatewayIp/);
    expect(checkEventData('Subnet6Created', 1, { subnet: { ...subnet6, cidr: '2001:db8:1::1/64' } })).toMatch(/host bits clear/);
    expect(checkEventData('Subnet6Created', 1, { subnet: { ...subnet6, allocationPools: [{ first: '2001:db8:2::1', last: '2001:db8:2::9' }] } })).toMatch(/outside 2001:db8:1::\/64/);
    expect(checkEventData('Subnet6Created', 1, { subnet: { ...subnet6, allocationPools: [{ first: '2001:db8:1::9', last: '2001:db8:1::1' }] } })).toMatch(/first is after last/);
    expect(checkEventData('Subnet6Created', 1, { subnet: { ...subnet6, ipv6AddressMode: 'dhcpv6' } })).toMatch(/ipv6AddressMode/);
    expect(checkEventData('Subnet6Updated', 1, { subnetId: 's', changes: { ipv6AddressMode: 'slaac' } })).toMatch(/is not a field/);
    const claim = { networkId: 'net-1', subnetId: 'sub-6', ip: '2001:db8:1::10', portId: 'port-1' };
    expect(checkStoredEvent('lh.evt.ipam.net-1.2001:db8:1::11', event('Ip6Allocated', 'x', claim))).toMatch(/data.ip "2001:db8:1::10" is not the subject's/);
    expect(checkStoredEvent('lh.evt.ipam.net-1.2001:db8:1::10', event('Ip6Allocated', 'x', { ...claim, ip: '2001:db8:1:0::10' }))).toMatch(/data.ip/);
  });

  test('a heartbeat may list its relay interfaces (written since reachability scheduling) or not (written before); anything but a list of names is refused', () => {
    const beat = written.find(([, e]) => e.type === 'AgentHeartbeat')![1].data as object;
    expect(checkEventData('AgentHeartbeat', 1, beat)).toBeUndefined();
    expect(checkEventData('AgentHeartbeat', 1, { ...beat, relayInterfaces: ['eth9'] })).toBeUndefined();
    expect(checkEventData('AgentHeartbeat', 1, { ...beat, relayInterfaces: 'eth9' })).toMatch(/relayInterfaces/);
    expect(checkEventData('NetworkUnscheduled', 1, { networkId: 'n', agentId: 'a', reason: 'unreachable' })).toBeUndefined();
    expect(checkEventData('NetworkUnscheduled', 1, { networkId: 'n', agentId: 'a', reason: 'unmapped' })).toMatch(/reason/);
  });

  test("Neutron's kept-for-clients fields (description, tags, shared, port security, binding, address pairs) are optional: events written before them pass, bad values are refused", () => {
    const extras = { description: 'd', tags: ['a', 'b'] };
    expect(checkEventData('NetworkCreated', 1, { network: { ...network, ...extras, shared: true, portSecurityEnabled: false } })).toBeUndefined();
    expect(checkEventData('NetworkUpdated', 1, { changes: { tags: [], shared: false } })).toBeUndefined();
    expect(checkEventData('SubnetCreated', 1, { subnet: { ...subnet, ...extras } })).toBeUndefined();
    expect(checkEventData('Subnet6Updated', 1, { subnetId: 's', changes: { description: '' } })).toBeUndefined();
    const portExtras = { ...extras, portSecurityEnabled: false, bindingHostId: 'compute-1', bindingProfile: { local_link_information: [{ port_id: 'Ethernet1' }] }, allowedAddressPairs: [{ ipAddress: '198.18.0.0/24' }, { ipAddress: '2001:db8::5', macAddress: 'fa:16:3e:00:00:09' }] };
    expect(checkEventData('PortCreated', 1, { port: { ...port, ...portExtras } })).toBeUndefined();
    expect(checkEventData('PortUpdated', 1, { changes: portExtras })).toBeUndefined();
    expect(checkEventData('NetworkCreated', 1, { network: { ...network, description: 'x'.repeat(256) } })).toMatch(/data.network.description/);
    expect(checkEventData('NetworkUpdated', 1, { changes: { tags: [''] } })).toMatch(/data.changes.tags\[0\]/);
    expect(checkEventData('SubnetUpdated', 1, { subnetId: 's', changes: { tags: 'a' } })).toMatch(/data.changes.tags/);
    expect(checkEventData('PortUpdated', 1, { changes: { allowedAddressPairs: [{ macAddress: 'fa:16:3e:00:00:09' }] } })).toMatch(/allowedAddressPairs\[0\].ipAddress: missing/);
    expect(checkEventData('PortUpdated', 1, { changes: { bindingProfile: 'x' } })).toMatch(/bindingProfile/);
  });

  test("a network's leasehold:isolated_metadata (isolatedMetadata) is optional and true, false or null (the agent's default); anything else is refused", () => {
    for (const value of [true, false, null]) {
      expect(checkEventData('NetworkCreated', 1, { network: { ...network, isolatedMetadata: value } })).toBeUndefined();
      expect(checkEventData('NetworkUpdated', 1, { changes: { isolatedMetadata: value } })).toBeUndefined();
    }
    expect(checkEventData('NetworkUpdated', 1, { changes: { isolatedMetadata: 'yes' } })).toMatch(/data.changes.isolatedMetadata/);
  });

  test.prop([validEventArb()], { numRuns: 500 })('every event the generator calls valid passes, through its bytes too', ({ subject, event: e }) => {
    expect(checkStoredEvent(subject, e)).toBeUndefined();
    expect(decodeStoredEvent(subject, encodeEvent(e))).toEqual(e);
  });

  test.prop([garbageArb()], { numRuns: 300 })('no garbage the generator makes passes (it filters by the decoder): the generator still makes each kind', (m) => {
    expect(() => decodeStoredEvent(m.subject, m.data)).toThrow();
  });

  test('the garbage generator makes every kind of garbage', () => {
    const kinds = new Set(fc.sample(garbageArb(), 400).map((m) => m.garbage));
    expect([...kinds].sort()).toStrictEqual(['another subject', 'empty data', 'msgpack that is no envelope', 'mutated data', 'random bytes', 'time out of range', 'unknown type', 'unknown version']);
  });

  test('each plain (unrefined) schema accepts what its own generator draws from it', () => {
    for (const type of Object.keys(eventSchemas) as KnownEventType[]) {
      const schema = eventSchemas[type][1]!;
      if (type === 'SubnetCreated' || type === 'SubnetUpdated' || type === 'Subnet6Created' || type === 'Subnet6Updated') continue;
      for (const value of fc.sample(valueOf(schema.node), 50)) expect(schema.check(value), type).toBeUndefined();
    }
  });
});
