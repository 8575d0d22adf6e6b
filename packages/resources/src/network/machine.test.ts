import { parseCidr, type NetworkState, type Subnet6State, type SubnetState } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import type { NetworkEvent } from './events.js';
import { applyNetworkEvent, foldNetwork, subnet6In, subnetIn } from './machine.js';

const network: NetworkState = { id: 'n1', name: '', adminStateUp: true, mtu: 1500, dnsDomain: '', availabilityZoneHints: [], physicalNetwork: null };
const event = (type: NetworkEvent['type'], data: object): NetworkEvent => ({ type, at: 1, ...data }) as NetworkEvent;
function subnet(id: string, cidr: string, dynamic: [number, number][] = []): SubnetState {
  const block = parseCidr(cidr);
  return {
    id,
    networkId: 'n1',
    name: '',
    cidr: block,
    gatewayIp: block.address + 1,
    allocationPools: [{ first: block.address + 2, last: block.address + 99 }],
    dynamicPools: dynamic.map(([a, b]) => ({ first: block.address + a, last: block.address + b })),
    dnsNameservers: [],
    hostRoutes: [],
    enableDhcp: true,
    leaseDuration: 86_400,
  };
}
const created = foldNetwork([event('NetworkCreated', { network }), event('SubnetCreated', { subnet: subnet('s1', '198.18.0.0/24', [[100, 199]]) })]);

describe('the network machine holds any writer to the rules the API checks', () => {
  test('a subnet that overlaps another of the network is not added', () => {
    const next = applyNetworkEvent(created, event('SubnetCreated', { subnet: subnet('s2', '198.18.0.128/25') }));
    expect(Object.keys(next.context.subnets)).toStrictEqual(['s1']);
    const apart = applyNetworkEvent(created, event('SubnetCreated', { subnet: subnet('s2', '198.18.1.0/24') }));
    expect(Object.keys(apart.context.subnets)).toStrictEqual(['s1', 's2']);
  });

  test('an update that would put pools outside the subnet, or make them overlap, is not applied', () => {
    const block = parseCidr('198.18.0.0/24').address;
    const outside = applyNetworkEvent(created, event('SubnetUpdated', { subnetId: 's1', changes: { dynamicPools: [{ first: block + 200, last: block + 300 }] } }));
    expect(outside.context.subnets.s1!.dynamicPools).toStrictEqual(created.context.subnets.s1!.dynamicPools);
    const overlapping = applyNetworkEvent(created, event('SubnetUpdated', { subnetId: 's1', changes: { allocationPools: [{ first: block + 2, last: block + 150 }] } }));
    expect(overlapping.context.subnets.s1!.allocationPools).toStrictEqual(created.context.subnets.s1!.allocationPools);
    const fine = applyNetworkEvent(created, event('SubnetUpdated', { subnetId: 's1', changes: { dynamicPools: [{ first: block + 120, last: block + 129 }], name: 'x' } }));
    expect(fine.context.subnets.s1).toMatchObject({ name: 'x', dynamicPools: [{ first: block + 120, last: block + 129 }] });
  });

  test('subnets are looked up by own key only: "constructor" or "toString" is no subnet (regression: an update of one put a broken subnet in the network, and subnets.list threw)', () => {
    for (const subnetId of ['constructor', 'toString', 'hasOwnProperty']) {
      expect(subnetIn(created.context, subnetId)).toBeUndefined();
      const updated = applyNetworkEvent(created, event('SubnetUpdated', { subnetId, changes: { name: 'x' } }));
      expect(Object.keys(updated.context.subnets)).toStrictEqual(['s1']);
    }
    const named = applyNetworkEvent(created, event('SubnetCreated', { subnet: subnet('constructor', '198.18.2.0/24') }));
    expect(subnetIn(named.context, 'constructor')?.id).toBe('constructor');
    const deleted = applyNetworkEvent(named, event('SubnetDeleted', { subnetId: 'constructor' }));
    expect(Object.keys(deleted.context.subnets)).toStrictEqual(['s1']);
  });

  test('IPv6 subnets live apart from the IPv4 ones: added when their prefix overlaps no other IPv6 subnet and their id is new, updated within their prefix, deleted by SubnetDeleted, and the network goes only without either', () => {
    const v6 = (id: string, cidr: string): Subnet6State => ({
      id,
      networkId: 'n1',
      name: '',
      cidr,
      gatewayIp: null,
      allocationPools: [],
      dnsNameservers: [],
      hostRoutes: [],
      enableDhcp: true,
      ipv6AddressMode: 'slaac',
      ipv6RaMode: 'slaac',
      leaseDuration: 86_400,
    });
    const dual = applyNetworkEvent(created, event('Subnet6Created', { subnet: v6('s6', '2001:db8:1::/64') }));
    expect(Object.keys(dual.context.subnets)).toStrictEqual(['s1']);
    expect(subnet6In(dual.context, 's6')?.cidr).toBe('2001:db8:1::/64');
    expect(subnetIn(dual.context, 's6')).toBeUndefined();
    expect(applyNetworkEvent(dual, event('Subnet6Created', { subnet: v6('s7', '2001:db8::/32') })).context.subnets6).toStrictEqual(dual.context.subnets6);
    expect(applyNetworkEvent(dual, event('Subnet6Created', { subnet: v6('s1', '2001:db8:2::/64') })).context.subnets6).toStrictEqual(dual.context.subnets6);
    const outside = applyNetworkEvent(dual, event('Subnet6Updated', { subnetId: 's6', changes: { allocationPools: [{ first: '2001:db8:2::1', last: '2001:db8:2::9' }] } }));
    expect(outside.context.subnets6.s6!.allocationPools).toStrictEqual([]);
    const renamed = applyNetworkEvent(dual, event('Subnet6Updated', { subnetId: 's6', changes: { name: 'v6' } }));
    expect(renamed.context.subnets6.s6!.name).toBe('v6');
    expect(applyNetworkEvent(dual, event('NetworkDeleted', {})).value).toBe('active');
    const noV4 = applyNetworkEvent(dual, event('SubnetDeleted', { subnetId: 's1' }));
    expect(applyNetworkEvent(noV4, event('NetworkDeleted', {})).value).toBe('active');
    const none = applyNetworkEvent(noV4, event('SubnetDeleted', { subnetId: 's6' }));
    expect(none.context.subnets6).toStrictEqual({});
    expect(applyNetworkEvent(none, event('NetworkDeleted', {})).value).toBe('deleted');
  });
});
