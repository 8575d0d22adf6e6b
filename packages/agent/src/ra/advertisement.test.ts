import { encodeNdp, type NetworkState, type Subnet6State } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { routerAdvertisement } from './advertisement.js';

const network: Pick<NetworkState, 'mtu' | 'dnsDomain'> = { mtu: 1450, dnsDomain: 'v6.example.' };

function subnet(cidr: string, mode: Subnet6State['ipv6RaMode'], extra: Partial<Subnet6State> = {}): Subnet6State {
  return {
    id: cidr,
    networkId: 'net-1',
    name: '',
    cidr,
    gatewayIp: null,
    allocationPools: [],
    dnsNameservers: [],
    hostRoutes: [],
    enableDhcp: true,
    ipv6AddressMode: mode,
    ipv6RaMode: mode,
    leaseDuration: 86400,
    ...extra,
  } as Subnet6State;
}

const prefixOf = (ra: ReturnType<typeof routerAdvertisement>) => ra!.options.flatMap((o) => ('value' in o && o.type === 3 ? [o.value] : []));

describe('the advertisement of a network', () => {
  test('each ipv6_ra_mode gets the flags Neutron has radvd send: stateful M=1 O=1 and no A flag, stateless M=0 O=1 with A, slaac M=0 O=0 with A', () => {
    const base = { network, maxIntervalS: 600, defaultRouter: false };
    const stateful = routerAdvertisement({ ...base, subnets: [subnet('2001:db8:1::/64', 'dhcpv6-stateful')] })!;
    expect([stateful.managed, stateful.other, prefixOf(stateful)[0]]).toMatchObject([true, true, { onLink: true, autonomous: false }]);
    const stateless = routerAdvertisement({ ...base, subnets: [subnet('2001:db8:2::/64', 'dhcpv6-stateless')] })!;
    expect([stateless.managed, stateless.other, prefixOf(stateless)[0]]).toMatchObject([false, true, { onLink: true, autonomous: true }]);
    const slaac = routerAdvertisement({ ...base, subnets: [subnet('2001:db8:3::/64', 'slaac')] })!;
    expect([slaac.managed, slaac.other, prefixOf(slaac)[0]]).toMatchObject([false, false, { onLink: true, autonomous: true }]);
  });

  test('a link with a stateful and a slaac subnet sets M and O and advertises both prefixes; a subnet without ipv6_ra_mode is left out', () => {
    const ra = routerAdvertisement({
      network,
      subnets: [subnet('2001:db8:1::/64', 'dhcpv6-stateful'), subnet('fd00:1::/64', 'slaac'), subnet('2001:db8:9::/64', null)],
      maxIntervalS: 600,
      defaultRouter: false,
    })!;
    expect([ra.managed, ra.other]).toEqual([true, true]);
    expect(prefixOf(ra).map((p) => [Buffer.from(p!.prefix).toString('hex'), p!.prefixLength, p!.autonomous])).toEqual([
      ['20010db8000100000000000000000000', 64, false],
      ['fd000001000000000000000000000000', 64, true],
    ]);
    expect(routerAdvertisement({ network, subnets: [subnet('2001:db8:9::/64', null)], maxIntervalS: 600, defaultRouter: false })).toBeUndefined();
  });

  test('DNS servers go in RDNSS and the domain in DNSSL for 3 × MaxRtrAdvInterval, with the MTU and the MAC, and it encodes', () => {
    const ra = routerAdvertisement({ network, subnets: [subnet('2001:db8:1::/64', 'slaac', { dnsNameservers: ['2001:db8:1::53'] })], mac: '02:00:00:00:00:01', maxIntervalS: 10, defaultRouter: false })!;
    expect(ra.options.map((o) => o.type)).toEqual([1, 5, 3, 25, 31]);
    expect(ra.options).toContainEqual({ type: 25, value: { lifetime: 30, servers: [Uint8Array.from(Buffer.from('20010db8000100000000000000000053', 'hex'))] } });
    expect(ra.options).toContainEqual({ type: 31, value: { lifetime: 30, domains: ['v6.example.'] } });
    expect(ra.options).toContainEqual({ type: 5, value: 1450 });
    expect(ra.options).toContainEqual({ type: 1, value: Uint8Array.from([2, 0, 0, 0, 0, 1]) });
    expect(encodeNdp(ra).length).toBeGreaterThan(16);
  });

  test('the router lifetime is 0 (the agent is not a router) unless it is told to advertise itself and a subnet has a gateway: then 3 × MaxRtrAdvInterval, as dnsmasq', () => {
    const gateway = subnet('2001:db8:1::/64', 'slaac', { gatewayIp: '2001:db8:1::1' });
    expect(routerAdvertisement({ network, subnets: [gateway], maxIntervalS: 600, defaultRouter: false })!.routerLifetime).toBe(0);
    expect(routerAdvertisement({ network, subnets: [gateway], maxIntervalS: 600, defaultRouter: true })!.routerLifetime).toBe(1800);
    expect(routerAdvertisement({ network, subnets: [subnet('2001:db8:1::/64', 'slaac')], maxIntervalS: 600, defaultRouter: true })!.routerLifetime).toBe(0);
    expect(routerAdvertisement({ network, subnets: [gateway], maxIntervalS: 1800, defaultRouter: true })!.routerLifetime).toBe(5400);
  });
});
