/**
 * What `leasehold net show` adds to the API's network (which keeps
 * Neutron's shape): the DHCP agents bound to it, the live agents that reach
 * its physical network, and whether any does. The rule is resources'
 * `reachesPhysicalNetwork`, the scheduler's: a network no live agent
 * reaches is bound to none (`leasehold_scheduler_unreachable_networks`
 * counts them).
 */
import type { AgentView, NetworkView } from '@leasehold/api/client';
import { agentReachOf, reachesPhysicalNetwork } from '@leasehold/resources';

export interface NetworkDhcp {
  /** Agents bound to the network, by id. */
  readonly agents: readonly string[];
  /** Live agents whose mappings (or `*`, or relay interfaces) reach its physical network, by id. */
  readonly reaching_agents: readonly string[];
  /** Some live agent reaches it, or it has no physical network (every agent does). */
  readonly reachable: boolean;
}

/** The network's DHCP agents and reachability from the agents the API lists. Pure. */
export function networkDhcp(network: NetworkView, agents: readonly AgentView[], bound: readonly string[]): NetworkDhcp {
  const physicalNetwork = network['provider:physical_network'];
  const reaches = (a: AgentView) => {
    // `relay_interfaces` is missing from an API older than reachability.
    const relayInterfaces = (a.configurations as Partial<AgentView['configurations']>).relay_interfaces ?? [];
    return reachesPhysicalNetwork(agentReachOf({ interfaceMappings: a.configurations.interface_mappings, relayInterfaces }), physicalNetwork);
  };
  const reaching = agents
    .filter((a) => a.alive && reaches(a))
    .map((a) => a.id)
    .sort();
  return { agents: [...bound].sort(), reaching_agents: reaching, reachable: physicalNetwork === null || reaching.length > 0 };
}

/** The record `net show` prints: the network's fields, then its DHCP agents and reachability in words. Pure. */
export function networkRecord(network: NetworkView, dhcp: NetworkDhcp): object {
  const physicalNetwork = network['provider:physical_network'];
  const reachable = !dhcp.reachable
    ? `no: no live DHCP agent maps physical network ${physicalNetwork}, so none serves it`
    : dhcp.reaching_agents.length > 0
      ? `yes: ${dhcp.reaching_agents.join(', ')}`
      : 'yes: no physical network, any agent';
  return { ...network, dhcp_agents: dhcp.agents.join(', '), dhcp_reachable: reachable };
}
