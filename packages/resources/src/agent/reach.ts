/**
 * Which networks an agent can serve: the one rule, for the scheduler (which
 * binds a network only to agents that reach it, Neutron's
 * `_filter_agents_with_network_access`), the API's agent views and
 * `leasehold net show`.
 *
 * An agent reaches a network when it can put the network's DHCP port on an
 * interface, exactly as the agent itself picks one (agent's
 * served-networks.ts): the interface its mappings give the network's
 * physical network, else the `*` entry (the interface for every physical
 * network not named); or when it has relay interfaces, which hear relayed
 * requests of any network a router relays to it.
 *
 * A network without a physical network is reached by every agent. That is
 * Neutron's answer: a flat or VLAN network always has one (the flat and vlan
 * type drivers refuse a segment without `provider:physical_network`, and so
 * does the API: protocol's segmentProblem), and a vxlan network never has
 * one (the tunnel type drivers refuse it), so a network without one is a
 * tunnelled or untyped one, which ML2's `filter_hosts_with_segment_access`
 * checks against no physical mapping. So the one rule covers segments: flat
 * and vlan need their physical network mapped, vxlan needs only a VTEP,
 * which for now every agent is (it makes its VXLAN device over its own
 * address), and an untyped network is served on the `*` interface or
 * through relays.
 */
import type { AgentHeartbeatData } from './events.js';

/** What a heartbeat says an agent reaches. */
export interface AgentReach {
  /** The physical networks its interface mappings name (`*` included), sorted. */
  readonly physicalNetworks: readonly string[];
  /** It has relay interfaces. */
  readonly relays: boolean;
}

/** The physical network name that stands for any physical network the mappings do not name. */
const ANY_PHYSICAL_NETWORK = '*';

/** An agent's reach from its heartbeat's mappings and relay interfaces. Pure. */
export function agentReachOf(heartbeat: Pick<AgentHeartbeatData, 'interfaceMappings' | 'relayInterfaces'>): AgentReach {
  return { physicalNetworks: Object.keys(heartbeat.interfaceMappings).sort(), relays: (heartbeat.relayInterfaces?.length ?? 0) > 0 };
}

/**
 * True when an agent with this reach can serve a network on `physicalNetwork`
 * (null or undefined: the network has none). A reach of null or undefined is
 * not known (a scheduler snapshot taken before reachability was read, until
 * the agent's next heartbeat) and reaches every network, as every agent did
 * before. Pure.
 */
export function reachesPhysicalNetwork(reach: AgentReach | null | undefined, physicalNetwork: string | null | undefined): boolean {
  if (physicalNetwork == null || reach == null || reach.relays) return true;
  return reach.physicalNetworks.includes(physicalNetwork) || reach.physicalNetworks.includes(ANY_PHYSICAL_NETWORK);
}
