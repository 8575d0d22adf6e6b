import type { AgentView, NetworkView } from '@leasehold/api/client';
import { describe, expect, test } from 'vitest';
import { networkDhcp, networkRecord } from './network-reach.js';

const agent = (id: string, alive: boolean, interface_mappings: Record<string, string>, relay_interfaces: string[] = []): AgentView =>
  ({ id, alive, configurations: { interface_mappings, relay_interfaces, networks: 0, ports: 0, report_interval_ms: 1000 } }) as unknown as AgentView;
const network = (physicalNetwork: string | null) => ({ id: 'n1', 'provider:physical_network': physicalNetwork }) as unknown as NetworkView;

describe("net show's reachability", () => {
  const agents = [agent('mapped', true, { physA: 'eth1' }), agent('star', true, { '*': 'eth9' }), agent('relay', true, {}, ['uplink']), agent('other', true, { physB: 'eth1' }), agent('dead', false, { physA: 'eth1' })];

  test('lists the live agents that map the physical network, by name, *, or relays, and not the dead ones', () => {
    expect(networkDhcp(network('physA'), agents, ['mapped'])).toEqual({ agents: ['mapped'], reaching_agents: ['mapped', 'relay', 'star'], reachable: true });
  });

  test('a physical network only a dead agent maps is unreachable, and says so in words', () => {
    const dhcp = networkDhcp(network('physC'), [agents[3]!, agents[4]!], []);
    expect(dhcp).toEqual({ agents: [], reaching_agents: [], reachable: false });
    expect(networkRecord(network('physC'), dhcp)).toMatchObject({ dhcp_agents: '', dhcp_reachable: 'no: no live DHCP agent maps physical network physC, so none serves it' });
  });

  test('a network without a physical network is reachable by any agent, even with none alive', () => {
    expect(networkDhcp(network(null), [], []).reachable).toBe(true);
    expect(networkRecord(network(null), networkDhcp(network(null), [], []))).toMatchObject({ dhcp_reachable: 'yes: no physical network, any agent' });
  });
});
