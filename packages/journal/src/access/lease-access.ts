/**
 * Which networks' leases each agent may write: the networks bound to it.
 * NATS permissions are static subject allow-lists, so whoever owns the
 * server's configuration turns the bindings (network → agent ids, as a
 * projection folds them) into each agent user's `leaseNetworks`, renders the
 * users again, and reloads the server whenever the result changes (the
 * runtime's access keeper). Pure: no I/O, no clock.
 */
import type { Role } from './roles.js';

/** An agent id → the ids of the networks bound to it, sorted. */
export type LeaseNetworks = ReadonlyMap<string, readonly string[]>;

// The role table's token rule (roles.ts): a network id outside it cannot be one token of a lease subject.
const tokenPattern = /^[A-Za-z0-9_\-:]+$/;

/**
 * Turns bindings (network id → the agents bound to it) around: each agent's
 * networks, sorted, without repeats. A network id that cannot be a subject
 * token is left out: no pattern could grant its leases alone (and granting
 * `lh.evt.lease.>` for it would grant every network's). Pure.
 */
export function leaseNetworksOf(bindings: Iterable<readonly [networkId: string, agentIds: Iterable<string>]>): Map<string, string[]> {
  const byAgent = new Map<string, Set<string>>();
  for (const [networkId, agentIds] of bindings) {
    if (!tokenPattern.test(networkId)) continue;
    for (const agentId of agentIds) {
      let networks = byAgent.get(agentId);
      if (!networks) byAgent.set(agentId, (networks = new Set()));
      networks.add(networkId);
    }
  }
  return new Map([...byAgent].sort(([a], [b]) => compare(a, b)).map(([agentId, networks]) => [agentId, [...networks].sort(compare)]));
}

/**
 * The users with every agent's `leaseNetworks` taken from `byAgent` (an
 * agent it does not name gets none: no lease writes at all). `undefined`
 * gives the static configuration: agents without `leaseNetworks`, so each
 * may write every network's leases. Other roles are returned as they are. Pure.
 */
export function withLeaseNetworks<U extends { readonly role: Role }>(users: readonly U[], byAgent: LeaseNetworks | undefined): U[] {
  return users.map((user) => {
    if (user.role.kind !== 'agent') return user;
    const { leaseNetworks: _previous, ...role } = user.role;
    return { ...user, role: byAgent === undefined ? role : { ...role, leaseNetworks: byAgent.get(role.agentId) ?? [] } };
  });
}

/**
 * Whether two assignments grant the same agents the same networks (an agent
 * absent from one and with no network in the other counts as the same), so
 * a change of bindings that grants nothing new needs no reload. The lists
 * are compared in order: give them sorted, as `leaseNetworksOf` does. Pure.
 */
export function sameLeaseNetworks(a: LeaseNetworks | undefined, b: LeaseNetworks | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const agents = new Set([...a.keys(), ...b.keys()]);
  for (const agentId of agents) {
    const x = a.get(agentId) ?? [];
    const y = b.get(agentId) ?? [];
    if (x.length !== y.length || x.some((network, i) => network !== y[i])) return false;
  }
  return true;
}

/** Code-unit order, the same on every machine (unlike localeCompare). Pure. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
