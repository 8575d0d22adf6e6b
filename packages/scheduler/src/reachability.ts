/**
 * Networks no live agent can reach: DHCP-enabled networks whose physical
 * network no alive agent maps (and no alive agent has a `*` mapping or a
 * relay interface). `decide` binds them nowhere, since binding them to an
 * agent with no interface on their segment would serve no client; this
 * module says which they are, for the runtime's log and the
 * `leasehold_scheduler_unreachable_networks` metric. Neutron leaves such a
 * network unscheduled the same way (its DHCP filter finds no hostable
 * agent) and only logs it.
 */
import { isOverdue, reachesPhysicalNetwork, type AgentMachineState } from '@leasehold/resources';
import { compareIds, type SchedulerState } from './state.js';

export interface UnreachableNetwork {
  readonly networkId: string;
  readonly physicalNetwork: string;
}

/** The agents alive at `now`: the machine says alive and the last heartbeat is not overdue then. */
function aliveAt(state: SchedulerState, now: number): Map<string, AgentMachineState> {
  return new Map([...state.agents].filter(([, a]) => a.status === 'alive' && !isOverdue(a.context, now)));
}

/**
 * The ids of the agents alive at `now` as the scheduler judges them (its
 * fold's agent machines, and a heartbeat not overdue at `now`), sorted:
 * what a replay up to a past moment says was alive then (the console's time
 * travel). Pure.
 */
export function liveAgentIds(state: SchedulerState, now: number): string[] {
  return [...aliveAt(state, now).keys()].sort(compareIds);
}

/**
 * The DHCP-enabled, not deleted networks that no agent alive at `now`
 * reaches, in id order. Admin state does not matter here: an admin-down
 * agent that maps the network could serve it, it is only not given new
 * networks. Pure.
 */
export function unreachableNetworks(state: SchedulerState, now: number): UnreachableNetwork[] {
  const alive = [...aliveAt(state, now).values()];
  // Asked once per physical network, not per network: O(agents × physical networks + networks).
  const reached = new Map<string, boolean>();
  const isReached = (physicalNetwork: string): boolean => {
    let yes = reached.get(physicalNetwork);
    if (yes === undefined) reached.set(physicalNetwork, (yes = alive.some((a) => reachesPhysicalNetwork(a.context.reach, physicalNetwork))));
    return yes;
  };
  const out: UnreachableNetwork[] = [];
  for (const network of state.networks.values()) {
    const { physicalNetwork } = network;
    if (network.deleted || network.dhcpSubnets.length === 0 || physicalNetwork == null || isReached(physicalNetwork)) continue;
    out.push({ networkId: network.id, physicalNetwork });
  }
  return out.sort((a, b) => compareIds(a.networkId, b.networkId));
}
