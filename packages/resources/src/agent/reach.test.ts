import { describe, expect, test } from 'vitest';
import { networkSegment } from '@leasehold/protocol';
import { initialAgentState, stepAgent } from './machine.js';
import { agentReachOf, reachesPhysicalNetwork } from './reach.js';

describe('which networks an agent reaches', () => {
  test('an agent reaches the physical networks its interface mappings name, and no other', () => {
    const reach = agentReachOf({ interfaceMappings: { physnet2: 'eth2', physnet1: 'eth1' } });
    expect(reach).toStrictEqual({ physicalNetworks: ['physnet1', 'physnet2'], relays: false });
    expect(reachesPhysicalNetwork(reach, 'physnet1')).toBe(true);
    expect(reachesPhysicalNetwork(reach, 'physnet2')).toBe(true);
    expect(reachesPhysicalNetwork(reach, 'physnet3')).toBe(false);
  });

  test('a * mapping reaches every physical network, as the agent serves any network not named on it', () => {
    expect(reachesPhysicalNetwork(agentReachOf({ interfaceMappings: { '*': 'eth9' } }), 'physnet3')).toBe(true);
  });

  test('an agent with relay interfaces reaches every network (a router relays to it), with no mapping at all', () => {
    expect(reachesPhysicalNetwork(agentReachOf({ interfaceMappings: {}, relayInterfaces: ['uplink'] }), 'physnet3')).toBe(true);
    expect(reachesPhysicalNetwork(agentReachOf({ interfaceMappings: {}, relayInterfaces: [] }), 'physnet3')).toBe(false);
  });

  test("a network without a physical network is reached by every agent (Neutron's tunnelled and local networks), even one with no mapping", () => {
    expect(reachesPhysicalNetwork(agentReachOf({ interfaceMappings: {} }), null)).toBe(true);
    expect(reachesPhysicalNetwork(agentReachOf({ interfaceMappings: { physnet1: 'eth1' } }), undefined)).toBe(true);
  });

  test('segments read through networkSegment: flat and vlan need their physical network mapped, a vxlan network (no physical network) is reached by any agent', () => {
    const reach = agentReachOf({ interfaceMappings: { physnet1: 'eth1' } });
    const physicalNetworkOf = (n: Parameters<typeof networkSegment>[0]) => networkSegment(n)?.physicalNetwork ?? null;
    expect(reachesPhysicalNetwork(reach, physicalNetworkOf({ networkType: 'flat', physicalNetwork: 'physnet1', segmentationId: null }))).toBe(true);
    expect(reachesPhysicalNetwork(reach, physicalNetworkOf({ networkType: 'vlan', physicalNetwork: 'physnet2', segmentationId: 7 }))).toBe(false);
    expect(reachesPhysicalNetwork(reach, physicalNetworkOf({ physicalNetwork: 'physnet2' }))).toBe(false);
    expect(reachesPhysicalNetwork(reach, physicalNetworkOf({ networkType: 'vxlan', physicalNetwork: null, segmentationId: 5000 }))).toBe(true);
    expect(reachesPhysicalNetwork(agentReachOf({ interfaceMappings: {} }), physicalNetworkOf({ networkType: 'vxlan', physicalNetwork: null, segmentationId: 5000 }))).toBe(true);
  });

  test('an agent whose reach is not known (no heartbeat read it yet) reaches every network, as before reachability', () => {
    expect(reachesPhysicalNetwork(null, 'physnet1')).toBe(true);
    expect(reachesPhysicalNetwork(undefined, 'physnet1')).toBe(true);
  });

  test("the agent machine keeps the reach of the agent's last heartbeat: a restart with other mappings replaces it", () => {
    const beat = (at: number, interfaceMappings: Record<string, string>) =>
      ({ type: 'AgentHeartbeat', at, now: at, agentId: 'a1', host: 'h', availabilityZone: 'nova', networks: [], load: 0, interfaceMappings, reportIntervalMs: 30_000, version: 'test' }) as const;
    const start = initialAgentState({ agentId: 'a1', agentDownTime: 75_000, adminStateUp: true });
    expect(start.context.reach).toBeNull();
    const first = stepAgent(start, beat(1000, { physnet1: 'eth1' }));
    expect(first.context.reach).toStrictEqual({ physicalNetworks: ['physnet1'], relays: false });
    const restarted = stepAgent(first, beat(2000, { physnet2: 'eth1' }));
    expect(reachesPhysicalNetwork(restarted.context.reach, 'physnet1')).toBe(false);
    expect(reachesPhysicalNetwork(restarted.context.reach, 'physnet2')).toBe(true);
  });
});
