import { parseCidr, parseIpv4 as v4, type NetworkState, type SubnetState } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import type { PlacedNetwork } from '../served-networks.js';
import { defaultMetadataOptions } from './options.js';
import { withMetadata } from './served.js';

const subnet: SubnetState = {
  id: 's1',
  networkId: 'n1',
  name: 's1',
  cidr: parseCidr('198.18.65.0/24'),
  gatewayIp: v4('198.18.65.1'),
  allocationPools: [],
  dynamicPools: [],
  dnsNameservers: [],
  hostRoutes: [],
  enableDhcp: true,
  leaseDuration: 86400,
};
const model = { network: (id: string) => ({ name: id === 'n1' ? 'lab' : 'other' }) as NetworkState, subnets: () => [subnet], portsOf: () => [] };
const net = (ifname: string | undefined): PlacedNetwork => ({ networkId: 'n1', ifname, serverIps: new Map([['s1', v4('198.18.65.2')]]) });

describe('served networks with their metadata', () => {
  test('an isolated network on an interface gets the proxy and its route through the DHCP port', () => {
    const out = withMetadata(new Map([['n1', net('eth1')]]), model, { ...defaultMetadataOptions, enableIsolatedMetadata: true });
    expect(out.get('n1')).toStrictEqual({ ...net('eth1'), metadataRoutes: new Map([['s1', v4('198.18.65.2')]]), metadataProxy: true });
  });

  test('a network reached only through relays gets no route through a DHCP port no proxy of ours answers on', () => {
    expect(withMetadata(new Map([['n1', net(undefined)]]), model, { ...defaultMetadataOptions, enableIsolatedMetadata: true }).get('n1')?.metadataRoutes).toBeUndefined();
  });

  test('a list of networks (names or ids) turns it on for those alone', () => {
    const two = new Map([['n1', net('eth1')], ['n2', { ...net('eth2'), networkId: 'n2' }]]);
    for (const named of [['lab'], ['n1']]) {
      const out = withMetadata(two, model, { ...defaultMetadataOptions, enableIsolatedMetadata: named });
      expect([out.get('n1')?.metadataProxy, out.get('n2')?.metadataProxy]).toStrictEqual([true, undefined]);
    }
    expect(withMetadata(two, model, { ...defaultMetadataOptions, forceMetadata: ['other'] }).get('n2')?.metadataProxy).toBe(true);
  });

  test("a network's own leasehold:isolated_metadata wins over the agent's settings: true turns it on with them off, false off with enable_isolated_metadata or force_metadata on, null leaves them", () => {
    const own = (isolatedMetadata: boolean | null | undefined) => ({ ...model, network: () => ({ name: 'lab', isolatedMetadata }) as NetworkState });
    const proxyOf = (isolatedMetadata: boolean | null | undefined, options: Partial<typeof defaultMetadataOptions>) =>
      withMetadata(new Map([['n1', net('eth1')]]), own(isolatedMetadata), { ...defaultMetadataOptions, ...options }).get('n1')?.metadataProxy ?? false;
    expect(proxyOf(true, {})).toBe(true);
    expect(proxyOf(false, { enableIsolatedMetadata: true })).toBe(false);
    expect(proxyOf(false, { forceMetadata: ['lab'] })).toBe(false);
    expect(withMetadata(new Map([['n1', net('eth1')]]), own(false), { ...defaultMetadataOptions, enableIsolatedMetadata: true }).get('n1')?.metadataRoutes).toBeUndefined();
    for (const unset of [null, undefined]) {
      expect(proxyOf(unset, {})).toBe(false);
      expect(proxyOf(unset, { enableIsolatedMetadata: ['lab'] })).toBe(true);
    }
  });

  test('with metadata off the networks are as given', () => {
    expect(withMetadata(new Map([['n1', net('eth1')]]), model, defaultMetadataOptions).get('n1')).toStrictEqual(net('eth1'));
  });
});
