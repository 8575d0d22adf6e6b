import { parseCidr, parseIpv4 as v4, type PortState, type SubnetState } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { isolatedSubnets, networkMetadata } from './isolation.js';

const subnet = (id: string, cidr: string, gateway: string | null, over: Partial<SubnetState> = {}): SubnetState => ({
  id,
  networkId: 'n1',
  name: id,
  cidr: parseCidr(cidr),
  gatewayIp: gateway === null ? null : v4(gateway),
  allocationPools: [],
  dynamicPools: [],
  dnsNameservers: [],
  hostRoutes: [],
  enableDhcp: true,
  leaseDuration: 86400,
  ...over,
});
const port = (owner: string, subnetId: string, ip: string): PortState => ({
  id: `${owner}-${ip}`,
  networkId: 'n1',
  name: '',
  macAddress: 'fa:16:3e:00:00:09',
  fixedIps: [{ subnetId, ipAddress: v4(ip) }],
  dnsName: '',
  extraDhcpOpts: [],
  deviceOwner: owner,
  deviceId: 'router-1',
  adminStateUp: true,
});

const s1 = subnet('s1', '198.18.61.0/24', '198.18.61.1');
const s2 = subnet('s2', '198.18.62.0/24', '198.18.62.1');
const dhcp = new Map([
  ['s1', v4('198.18.61.2')],
  ['s2', v4('198.18.62.2')],
]);
const ISOLATED = { enableIsolatedMetadata: true, forceMetadata: false, enableMetadataNetwork: false };

describe('isolated metadata, by Neutron\'s rules', () => {
  test("a subnet is routed only when a router interface port holds its gateway address (any of Neutron's router interface owners)", () => {
    for (const owner of ['network:router_interface', 'network:router_interface_distributed', 'network:ha_router_replicated_interface']) {
      expect(isolatedSubnets([s1, s2], [port(owner, 's1', '198.18.61.1')])).toStrictEqual(new Set(['s2']));
    }
    // A router port on another address of the subnet, or a port of another owner on the gateway: still isolated.
    expect(isolatedSubnets([s1, s2], [port('network:router_interface', 's1', '198.18.61.5'), port('compute:nova', 's2', '198.18.62.1')])).toStrictEqual(new Set(['s1', 's2']));
  });

  test('with enable_isolated_metadata, an isolated subnet routes 169.254.169.254 through the DHCP port, a routed one through its gateway, and the network gets a proxy', () => {
    const md = networkMetadata(ISOLATED, [s1, s2], [port('network:router_interface', 's2', '198.18.62.1')], dhcp);
    expect(md).toStrictEqual({ proxy: true, routes: new Map([['s1', v4('198.18.61.2')], ['s2', v4('198.18.62.1')]]) });
  });

  test('a network whose every subnet is routed gets no proxy, only routes through the gateways', () => {
    const md = networkMetadata(ISOLATED, [s1], [port('network:router_interface', 's1', '198.18.61.1')], dhcp);
    expect(md).toStrictEqual({ proxy: false, routes: new Map([['s1', v4('198.18.61.1')]]) });
  });

  test('force_metadata serves every network and routes every subnet through the DHCP port, router or not', () => {
    const md = networkMetadata({ ...ISOLATED, enableIsolatedMetadata: false, forceMetadata: true }, [s1], [port('network:router_interface', 's1', '198.18.61.1')], dhcp);
    expect(md).toStrictEqual({ proxy: true, routes: new Map([['s1', v4('198.18.61.2')]]) });
  });

  test('both settings off, or no subnet with DHCP: nothing', () => {
    expect(networkMetadata({ ...ISOLATED, enableIsolatedMetadata: false }, [s1], [], dhcp)).toStrictEqual({ proxy: false, routes: new Map() });
    expect(networkMetadata(ISOLATED, [{ ...s1, enableDhcp: false }], [], dhcp)).toStrictEqual({ proxy: false, routes: new Map() });
  });

  test('an isolated subnet where this agent has no DHCP address gets no route through it', () => {
    expect(networkMetadata(ISOLATED, [s1], [], new Map()).routes).toStrictEqual(new Map());
  });

  test('enable_metadata_network: a routed network with a subnet in 169.254.0.0/16 gets the proxy (its router routes the clients)', () => {
    const meta = subnet('s9', '169.254.169.0/24', '169.254.169.1');
    const routed = [port('network:router_interface', 's9', '169.254.169.1')];
    expect(networkMetadata(ISOLATED, [meta], routed, new Map()).proxy).toBe(false);
    expect(networkMetadata({ ...ISOLATED, enableMetadataNetwork: true }, [meta], routed, new Map()).proxy).toBe(true);
  });
});
