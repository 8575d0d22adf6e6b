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
import { isOverdue, reachesPhysicalNetwork } from '@leasehold/resources';
import { compareIds, type SchedulerState } from './state.js';

export interface UnreachableNetwork {
  readonly networkId: string;
  readonly physicalNetwork: string;
}

/**
 * The DHCP-enabled, not deleted networks that no agent alive at `now`
 * reaches, in id order. Admin state does not matter here: an admin-down
 * agent that maps the network could serve it, it is only not given new
 * networks. Pure.
 */
export function unreachableNetworks(state: SchedulerState, now: number): UnreachableNetwork[] {
  const alive = [...state.agents.values()].filter((a) => a.status === 'alive' && !isOverdue(a.context, now));
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
