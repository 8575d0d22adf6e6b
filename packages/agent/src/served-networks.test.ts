import { parseIpv4 as v4, type NetworkState, type PortState } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { desiredServedNetworks, peerDhcpAddresses, ServedNetworks } from './served-networks.js';

const network = (id: string, physicalNetwork: string | null) => ({ id, physicalNetwork }) as NetworkState;
const dhcpPort = (networkId: string, fixedIps: [string, string][]) => ({ networkId, fixedIps: fixedIps.map(([subnetId, ip]) => ({ subnetId, ipAddress: v4(ip) })) }) as unknown as PortState;

describe('the networks an agent serves', () => {
  test('are those bound to it that the model knows, on the interface of their physical network (else "*"), with its DHCP port address per subnet', () => {
    const networks = new Map([
      ['n1', network('n1', 'phys1')],
      ['n2', network('n2', 'phys2')],
      ['n3', network('n3', null)],
    ]);
    const ports = new Map([['n1', dhcpPort('n1', [['s1', '198.18.1.2'], ['s2', '198.18.2.2']])]]);
    const model = {
      bindings: new Map([
        ['n1', new Set(['a1', 'a2'])],
        ['n2', new Set(['a1'])],
        ['n3', new Set(['a1'])],
        ['n4', new Set(['a1'])], // bound, but not (yet) in the model
        ['n5', new Set(['a2'])], // another agent's
      ]),
      network: (id: string) => networks.get(id),
      dhcpPort: (id: string, deviceId: string) => (deviceId === 'dhcp-a1' ? ports.get(id) : undefined),
      portsOf: () => [],
    };
    const desired = desiredServedNetworks(model, { agentId: 'a1', interfaceMappings: { phys1: 'eth1', '*': 'eth9' } }, 'dhcp-a1');
    expect([...desired.values()]).toStrictEqual([
      { networkId: 'n1', ifname: 'eth1', serverIps: new Map([['s1', v4('198.18.1.2')], ['s2', v4('198.18.2.2')]]) },
      { networkId: 'n2', ifname: 'eth9', serverIps: new Map() },
      { networkId: 'n3', ifname: 'eth9', serverIps: new Map() },
    ]);
    // Without a "*" mapping, a network of an unmapped physical network is reached through relays only.
    expect(desiredServedNetworks(model, { agentId: 'a1', interfaceMappings: { phys1: 'eth1' } }, 'dhcp-a1').get('n2')?.ifname).toBeUndefined();
  });

  test("a VXLAN network is served on its VNI's device over the agent's vxlan interface (else '*'), a VLAN one on its template's interface, one without an id nowhere and why is said", () => {
    const networks = new Map<string, NetworkState>([
      ['x1', { id: 'x1', physicalNetwork: null, networkType: 'vxlan', segmentationId: 1001 } as NetworkState],
      ['v1', { id: 'v1', physicalNetwork: 'phys1', networkType: 'vlan', segmentationId: 101 } as NetworkState],
      ['bad', { id: 'bad', physicalNetwork: 'phys1', networkType: 'vlan', segmentationId: null } as NetworkState],
    ]);
    const model = { bindings: new Map([...networks.keys()].map((id) => [id, new Set(['a1'])])), network: (id: string) => networks.get(id), dhcpPort: () => undefined, portsOf: () => [] };
    const problems: string[] = [];
    const segments = { vlanInterfaceTemplate: 'br-{physical}-{vid}', vxlan: { remotes: [], port: 4789, interface: 'underlay0' } };
    const desired = desiredServedNetworks(model, { agentId: 'a1', interfaceMappings: { phys1: 'eth1', '*': 'eth9' }, segments }, 'dhcp-a1', problems);
    expect(desired.get('x1')).toMatchObject({ ifname: 'vxlan-1001', placement: { kind: 'vxlan', netns: 'qdhcp-x1', physical: 'underlay0', vni: 1001 } });
    expect(desired.get('v1')).toMatchObject({ ifname: 'br-eth1-101', placement: { kind: 'vlan-template' } });
    expect(desired.has('bad')).toBe(false);
    expect(problems).toStrictEqual(['network bad: a vlan segment needs a segmentation id']);
    const noVxlanInterface = desiredServedNetworks(model, { agentId: 'a1', interfaceMappings: { '*': 'eth9' } }, 'dhcp-a1');
    expect(noVxlanInterface.get('x1')?.placement).toMatchObject({ physical: 'eth9' });
  });

  test("another bound agent's DHCP port addresses are its subnet's DNS servers besides this agent; reserved ports, unbound agents' and other owners' are not", () => {
    const port = (deviceId: string, ips: [string, string][], deviceOwner = 'network:dhcp') =>
      ({ ...dhcpPort('n1', ips), deviceId, deviceOwner }) as PortState;
    const ports = [
      port('dhcp-a1', [['s1', '198.18.1.2']]), // this agent's own
      port('dhcp-a3', [['s1', '198.18.1.9'], ['s2', '198.18.2.9']]),
      port('dhcp-a2', [['s1', '198.18.1.3']]),
      port('reserved_dhcp_port', [['s1', '198.18.1.4']]),
      port('dhcp-gone', [['s1', '198.18.1.5']]), // its agent is no longer bound
      port('vm-1', [['s1', '198.18.1.6']], 'compute:nova'),
    ];
    expect(peerDhcpAddresses(ports, new Set(['a1', 'a2', 'a3']), 'a1')).toStrictEqual(
      new Map([
        ['s1', [v4('198.18.1.3'), v4('198.18.1.9')]],
        ['s2', [v4('198.18.2.9')]],
      ]),
    );
    const model = { bindings: new Map([['n1', new Set(['a1', 'a2'])]]), network: () => network('n1', null), dhcpPort: () => ports[0], portsOf: () => ports };
    expect(desiredServedNetworks(model, { agentId: 'a1', interfaceMappings: { '*': 'eth1' } }, 'dhcp-a1').get('n1')?.peerServerIps).toStrictEqual(new Map([['s1', [v4('198.18.1.3')]]]));
  });

  test('served now are replaced whole: a set read before a reconcile stays as it was', () => {
    const served = new ServedNetworks();
    const before = served.current;
    served.replace(new Map([['n1', { networkId: 'n1', ifname: 'eth1', serverIps: new Map() }]]));
    expect(before.size).toBe(0);
    expect([...served.list()].map((s) => s.networkId)).toStrictEqual(['n1']);
  });
});
