/**
 * The network aggregate as an xstate machine: a network and its subnets.
 * Pure: its events are the journaled ones (flat, from `fromNetworkEnvelope`),
 * so replaying the stored events through `transition` rebuilds the aggregate
 * exactly. The API, which writes the aggregate, and every agent, which serves
 * it, fold the same machine.
 */
import { cidrOverlaps, ipv6PrefixesOverlap, parseIpv6Prefix, pools6Problem, poolsProblem, type NetworkState, type Subnet6State, type SubnetState } from '@leasehold/protocol';
import { assign, initialTransition, setup, transition, type SnapshotFrom } from 'xstate';
import type { NetworkEvent } from './events.js';

export interface NetworkContext {
  readonly network: NetworkState | null;
  /** Its IPv4 subnets: what DHCPv4 serves. */
  readonly subnets: Readonly<Record<string, SubnetState>>;
  /** Its IPv6 subnets, apart so that no IPv4 reader meets one (protocol's Subnet6State). */
  readonly subnets6: Readonly<Record<string, Subnet6State>>;
}

/**
 * The subnet with this id, if the network has one. Ids come from requests and
 * events: only the map's own keys count ("constructor" is no subnet). Pure.
 */
export function subnetIn(context: NetworkContext, subnetId: string): SubnetState | undefined {
  return Object.hasOwn(context.subnets, subnetId) ? context.subnets[subnetId] : undefined;
}

/** The IPv6 subnet with this id, if the network has one (own keys only, as `subnetIn`). Pure. */
export function subnet6In(context: NetworkContext, subnetId: string): Subnet6State | undefined {
  return Object.hasOwn(context.subnets6, subnetId) ? context.subnets6[subnetId] : undefined;
}

/** True when the network has a subnet of either version with this id. Pure. */
function hasSubnet(context: NetworkContext, subnetId: string): boolean {
  return subnetIn(context, subnetId) !== undefined || subnet6In(context, subnetId) !== undefined;
}

export const networkMachine = setup({
  types: { context: {} as NetworkContext, events: {} as NetworkEvent },
  guards: {
    // The API checks these rules before it writes; the fold holds any other writer to them, so a
    // network's subnets never overlap and their pools always fit (an agent's lease table needs both).
    subnetIsNew: ({ context, event }) =>
      event.type === 'SubnetCreated' &&
      !hasSubnet(context, event.subnet.id) &&
      Object.values(context.subnets).every((other) => !cidrOverlaps(other.cidr, event.subnet.cidr)),
    subnet6IsNew: ({ context, event }) => {
      if (event.type !== 'Subnet6Created' || hasSubnet(context, event.subnet.id)) return false;
      const block = parseIpv6Prefix(event.subnet.cidr);
      return Object.values(context.subnets6).every((other) => !ipv6PrefixesOverlap(parseIpv6Prefix(other.cidr), block));
    },
    subnetExists: ({ context, event }) => event.type === 'SubnetDeleted' && hasSubnet(context, event.subnetId),
    subnet6StaysValid: ({ context, event }) => {
      if (event.type !== 'Subnet6Updated') return false;
      const current = subnet6In(context, event.subnetId);
      return current !== undefined && pools6Problem(event.changes.allocationPools ?? current.allocationPools, current.cidr) === undefined;
    },
    subnetStaysValid: ({ context, event }) => {
      if (event.type !== 'SubnetUpdated') return false;
      const current = subnetIn(context, event.subnetId);
      if (!current) return false;
      const { allocationPools = current.allocationPools, dynamicPools = current.dynamicPools } = event.changes;
      return poolsProblem([...allocationPools, ...dynamicPools], current.cidr) === undefined;
    },
    hasNoSubnets: ({ context }) => Object.keys(context.subnets).length === 0 && Object.keys(context.subnets6).length === 0,
  },
  actions: {
    create: assign(({ event }) => (event.type === 'NetworkCreated' ? { network: event.network, subnets: {}, subnets6: {} } : {})),
    update: assign(({ context, event }) =>
      event.type === 'NetworkUpdated' && context.network ? { network: { ...context.network, ...event.changes } } : {},
    ),
    addSubnet: assign(({ context, event }) =>
      event.type === 'SubnetCreated' ? { subnets: { ...context.subnets, [event.subnet.id]: event.subnet } } : {},
    ),
    updateSubnet: assign(({ context, event }) => {
      if (event.type !== 'SubnetUpdated') return {};
      const current = context.subnets[event.subnetId]!;
      return { subnets: { ...context.subnets, [current.id]: { ...current, ...event.changes } } };
    }),
    addSubnet6: assign(({ context, event }) =>
      event.type === 'Subnet6Created' ? { subnets6: { ...context.subnets6, [event.subnet.id]: event.subnet } } : {},
    ),
    updateSubnet6: assign(({ context, event }) => {
      if (event.type !== 'Subnet6Updated') return {};
      const current = context.subnets6[event.subnetId]!;
      return { subnets6: { ...context.subnets6, [current.id]: { ...current, ...event.changes } } };
    }),
    removeSubnet: assign(({ context, event }) => {
      if (event.type !== 'SubnetDeleted') return {};
      const { [event.subnetId]: _removed, ...rest } = context.subnets;
      const { [event.subnetId]: _removed6, ...rest6 } = context.subnets6;
      return { subnets: rest, subnets6: rest6 };
    }),
  },
}).createMachine({
  id: 'network',
  context: { network: null, subnets: {}, subnets6: {} },
  initial: 'absent',
  states: {
    absent: { on: { NetworkCreated: { target: 'active', actions: 'create' } } },
    active: {
      on: {
        NetworkUpdated: { actions: 'update' },
        SubnetCreated: { guard: 'subnetIsNew', actions: 'addSubnet' },
        SubnetUpdated: { guard: 'subnetStaysValid', actions: 'updateSubnet' },
        SubnetDeleted: { guard: 'subnetExists', actions: 'removeSubnet' },
        Subnet6Created: { guard: 'subnet6IsNew', actions: 'addSubnet6' },
        Subnet6Updated: { guard: 'subnet6StaysValid', actions: 'updateSubnet6' },
        // Subnets go first (each its own event), so every subnet's end is on record.
        NetworkDeleted: { guard: 'hasNoSubnets', target: 'deleted' },
      },
    },
    deleted: { type: 'final' },
  },
});

export type NetworkSnapshot = SnapshotFrom<typeof networkMachine>;

/** The state before any event. Pure. */
export function initialNetwork(): NetworkSnapshot {
  return initialTransition(networkMachine)[0];
}

/** Applies one event. Pure. */
export function applyNetworkEvent(snapshot: NetworkSnapshot, event: NetworkEvent): NetworkSnapshot {
  return transition(networkMachine, snapshot, event)[0];
}

/** Folds events from the initial state. Pure. */
export function foldNetwork(events: readonly NetworkEvent[]): NetworkSnapshot {
  return events.reduce(applyNetworkEvent, initialNetwork());
}
