import { parseCidr, parseIpv4 as v4, type SubnetState } from '@leasehold/protocol';
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
const model = { subnets: () => [subnet], portsOf: () => [] };
const net = (ifname: string | undefined): PlacedNetwork => ({ networkId: 'n1', ifname, serverIps: new Map([['s1', v4('198.18.65.2')]]) });

describe('served networks with their metadata', () => {
  test('an isolated network on an interface gets the proxy and its route through the DHCP port', () => {
    const out = withMetadata(new Map([['n1', net('eth1')]]), model, { ...defaultMetadataOptions, enableIsolatedMetadata: true });
    expect(out.get('n1')).toStrictEqual({ ...net('eth1'), metadataRoutes: new Map([['s1', v4('198.18.65.2')]]), metadataProxy: true });
  });

  test('a network reached only through relays gets no route through a DHCP port no proxy of ours answers on', () => {
    expect(withMetadata(new Map([['n1', net(undefined)]]), model, { ...defaultMetadataOptions, enableIsolatedMetadata: true }).get('n1')?.metadataRoutes).toBeUndefined();
  });

  test('with metadata off the networks are as given', () => {
    expect(withMetadata(new Map([['n1', net('eth1')]]), model, defaultMetadataOptions).get('n1')).toStrictEqual(net('eth1'));
  });
});
