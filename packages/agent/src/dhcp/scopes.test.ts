import { fc, test } from '@fast-check/vitest';
import { cidrContains, type NetworkState, type SubnetState } from '@leasehold/protocol';
import { describe, expect } from 'vitest';
import type { ModelChange } from '../state/agent-model.js';
import { ScopeIndex, type ScopeModel } from './scopes.js';
import type { ServedNetwork } from './server.js';

interface FakeNetwork {
  readonly id: string;
  readonly ifname: string | undefined;
  readonly adminStateUp: boolean;
  readonly subnets: { readonly address: number; readonly prefix: number; readonly enableDhcp: boolean }[];
}

/** Addresses in a small space (198.18.0.0/22) so that subnets of different networks overlap often. */
const base = 0xc6120000;
const subnet = fc.record({
  prefix: fc.constantFrom(22, 23, 24, 25, 26),
  offset: fc.integer({ min: 0, max: 1023 }),
  enableDhcp: fc.boolean(),
}).map(({ prefix, offset, enableDhcp }) => {
  const mask = (0xffffffff << (32 - prefix)) >>> 0;
  return { address: ((base + offset) & mask) >>> 0, prefix, enableDhcp };
});
const overlap = (a: { address: number; prefix: number }, b: { address: number; prefix: number }) =>
  cidrContains({ address: a.address, prefix: a.prefix }, b.address) || cidrContains({ address: b.address, prefix: b.prefix }, a.address);
const network = fc.record({
  ifname: fc.option(fc.constantFrom('eth1', 'eth2', 'eth3'), { nil: undefined }),
  adminStateUp: fc.boolean(),
  // The API keeps one network's subnets disjoint (different networks may overlap: tenants' own CIDRs).
  subnets: fc.array(subnet, { maxLength: 3 }).filter((list) => list.every((a, i) => list.every((b, j) => i === j || !overlap(a, b)))),
});
const address = fc.integer({ min: base - 8, max: base + 1031 });

function modelOf(networks: FakeNetwork[]): { model: ScopeModel; served: ServedNetwork[] } {
  const byId = new Map(networks.map((n) => [n.id, n]));
  const model: ScopeModel = {
    network: (id) => {
      const n = byId.get(id);
      return n && ({ id, name: id, adminStateUp: n.adminStateUp, mtu: 1500, dnsDomain: '', availabilityZoneHints: [], physicalNetwork: null } satisfies NetworkState);
    },
    subnets: (id) =>
      (byId.get(id)?.subnets ?? []).map(
        (s, i): SubnetState => ({
          id: `${id}-s${i}`,
          networkId: id,
          name: '',
          cidr: { address: s.address, prefix: s.prefix },
          gatewayIp: null,
          allocationPools: [],
          dynamicPools: [],
          dnsNameservers: [],
          hostRoutes: [],
          enableDhcp: s.enableDhcp,
          leaseDuration: 86400,
        }),
      ),
    onChange: (_listener: (change: ModelChange) => void) => () => true,
  };
  return { model, served: networks.map((n) => ({ networkId: n.id, ifname: n.ifname, serverIps: new Map() })) };
}

/** The walk over every served network that the index replaces (the server's scope before it). */
function walk(model: ScopeModel, served: ServedNetwork[], giaddr: number, ifname: string | undefined, ciaddr: number) {
  let unicast: { id: string; subnets: string[] } | undefined;
  for (const s of served) {
    const net = model.network(s.networkId);
    if (!net || !net.adminStateUp) continue;
    const dhcp = model.subnets(s.networkId).filter((x) => x.enableDhcp);
    let subnets: SubnetState[];
    if (giaddr !== 0) {
      subnets = dhcp.filter((x) => cidrContains(x.cidr, giaddr));
    } else if (s.ifname === undefined) {
      const own = ciaddr === 0 ? [] : dhcp.filter((x) => cidrContains(x.cidr, ciaddr));
      if (!unicast && own.length > 0) unicast = { id: s.networkId, subnets: own.map((x) => x.id) };
      continue;
    } else {
      if (s.ifname !== ifname) continue;
      subnets = dhcp;
    }
    if (subnets.length > 0) return { id: s.networkId, subnets: subnets.map((x) => x.id) };
  }
  return unicast;
}

describe('ScopeIndex', () => {
  test.prop([fc.array(network, { maxLength: 12 }), fc.array(fc.tuple(fc.boolean(), address, fc.option(fc.constantFrom('eth1', 'eth2', 'eth3', 'eth9'), { nil: undefined }), fc.oneof(fc.constant(0), address)), { minLength: 1, maxLength: 30 })])(
    'finds the same network and subnets as a walk over every served network, for relayed, direct and unicast packets',
    (nets, packets) => {
      const networks = nets.map((n, i) => ({ ...n, id: `n${i}` }));
      const { model, served } = modelOf(networks);
      const index = new ScopeIndex(model, () => served);
      for (const [relayed, giaddr, ifname, ciaddr] of packets) {
        const g = relayed ? giaddr : 0;
        const expected = walk(model, served, g, ifname, ciaddr);
        const match = g !== 0 ? index.forRelay(g) : ((ifname === undefined ? undefined : index.forInterface(ifname)) ?? (ciaddr !== 0 ? index.forUnicast(ciaddr) : undefined));
        const got = match && { id: match.entry.served.networkId, subnets: match.subnets.map((x) => x.id) };
        expect(got).toStrictEqual(expected);
      }
    },
  );

  test('a change of the served set or of a network is seen after invalidate', () => {
    const networks: FakeNetwork[] = [{ id: 'a', ifname: 'eth1', adminStateUp: true, subnets: [{ address: base, prefix: 24, enableDhcp: true }] }];
    const { model, served } = modelOf(networks);
    let listener: ((c: ModelChange) => void) | undefined;
    const watched: ScopeModel = { ...model, onChange: (l) => ((listener = l), () => true) };
    const index = new ScopeIndex(watched, () => served);
    expect(index.forInterface('eth1')?.entry.served.networkId).toBe('a');
    served.splice(0, 1, { networkId: 'a', ifname: 'eth2', serverIps: new Map() });
    expect(index.forInterface('eth2')).toBeUndefined();
    index.invalidate();
    expect(index.forInterface('eth2')?.entry.served.networkId).toBe('a');
    // A network event (subnet added, admin state) invalidates by itself.
    (networks[0] as { adminStateUp: boolean }).adminStateUp = false;
    listener!({ kind: 'network', networkId: 'a' });
    expect(index.forInterface('eth2')).toBeUndefined();
  });
});
