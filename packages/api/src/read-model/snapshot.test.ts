/**
 * The read model's snapshot: a model restored from a snapshot of a prefix of
 * the events (through `pack`/`unpack`, as it is stored) and fed the rest
 * answers every read exactly as the model that folded all of them.
 */
import { randomUUID } from 'node:crypto';
import { fc } from '@fast-check/vitest';
import type { Journal, StoredEvent } from '@leasehold/journal';
import { lease6Subject, lease6ToEnvelope, leaseSubject, leaseTimes, toEnvelope, type JournaledLease6Event, type JournaledLeaseEvent } from '@leasehold/lease-actor';
import {
  decodeEvent,
  encodeEvent,
  pack,
  parseCidr,
  parseIpv4,
  unpack,
  type AgentHeartbeatData,
  type NetworkState,
  type PortChanges,
  type PortState,
  type SubnetChanges,
  type SubnetState,
} from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { ApiError, ReadModelSnapshotError, ReadModelSnapshotVersionError } from '../errors.js';
import type { Handler } from '../endpoint.js';
import { apiHandlers } from '../service.js';
import { agentDraft, bindingDraft, ipClaimDraft, macClaimDraft, networkDraft, portDraft, segmentClaimDraft, type EventDraft } from '../testing/events.js';
import { DEFAULT_PROJECT_ID } from '../quota.js';
import { ipClaimSubject, macClaimSubject } from '@leasehold/resources';
import { ReadModel } from './read-model.js';
import { READ_MODEL_SNAPSHOT_V } from './snapshot.js';

const BASE = 1_800_000_000_000;
/** The clock while views are compared: agents and leases on both sides of alive/expired. */
const NOW = BASE + 300_000;
const AGENT_DOWN_MS = 75_000;

const uuid = (kind: number, i: number) => `00000000-0000-4000-8${kind.toString(16).padStart(3, '0')}-${i.toString(16).padStart(12, '0')}`;
const range = (n: number) => [...Array(n).keys()];
const NETS = range(4).map((i) => uuid(1, i));
/** Subnet ids are unique across networks, as the API's random ids are. */
const SUBNETS = NETS.map((_, n) => range(3).map((k) => uuid(2, n * 16 + k)));
const PORTS = range(10).map((i) => uuid(3, i));
const AGENTS = range(3).map((i) => uuid(4, i));
const MACS = range(4).map((i) => `fa:16:3e:00:00:0${i + 1}`);
const IPS = range(6).map((i) => parseIpv4(`198.18.0.${i + 1}`));
/** IPv6 lease addresses, RFC 5952 text (the events' and the rows' key). */
const IPS6 = ['2001:db8::1', '2001:db8::2', '2001:db8::a'];

const at = fc.integer({ min: BASE, max: BASE + 600_000 });
const netIndex = fc.nat(NETS.length - 1);
const pick = <T>(items: readonly T[]) => fc.constantFrom(...items);
const someOf = <T>(items: readonly T[]) => fc.subarray([...items]);

// ---- networks and subnets ----

/** Neutron's kept-for-clients fields, each present or not: events written before them have none. */
const standardExtras = { description: pick(['', 'blue team']), tags: pick([[], ['a'], ['a', 'b']]) };
const networkFields = fc
  .tuple(
    fc.record({
      name: pick(['', 'tenant-a', 'ext']),
      adminStateUp: fc.boolean(),
      mtu: pick([1450, 1500, 9000]),
      dnsDomain: pick(['', 'example.org.']),
      availabilityZoneHints: pick([[], ['az1'], ['az1', 'az2']]),
      physicalNetwork: pick([null, 'physnet1']),
    }),
    fc.record({ ...standardExtras, shared: fc.boolean(), portSecurityEnabled: fc.boolean() }, { requiredKeys: [] }),
  )
  .map(([fields, extras]) => ({ ...fields, ...extras }));

const subnetState = (n: number, k: number): fc.Arbitrary<SubnetState> => {
  const third = n * 4 + k;
  const ip = (last: number) => parseIpv4(`198.18.${third}.${last}`);
  return fc.record({
    id: fc.constant(SUBNETS[n]![k]!),
    networkId: fc.constant(NETS[n]!),
    name: pick(['', 'sub']),
    cidr: fc.constant(parseCidr(`198.18.${third}.0/24`)),
    gatewayIp: pick([ip(1), null]),
    allocationPools: fc.constant([{ first: ip(2), last: ip(100) }]),
    dynamicPools: pick([[], [{ first: ip(101), last: ip(200) }]]),
    dnsNameservers: pick([[], [parseIpv4('198.18.255.53')]]),
    hostRoutes: pick([[], [{ destination: parseCidr('198.19.0.0/16'), nexthop: ip(254) }]]),
    enableDhcp: fc.boolean(),
    leaseDuration: pick([86_400, 3_600, -1]),
  });
};

const subnetChanges: fc.Arbitrary<SubnetChanges> = fc.record(
  { name: pick(['', 'renamed']), enableDhcp: fc.boolean(), leaseDuration: pick([600, 86_400]), dnsNameservers: pick([[], [parseIpv4('198.18.255.54')]]), ...standardExtras },
  { requiredKeys: [] },
);

const networkEvents: fc.Arbitrary<EventDraft> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.tuple(netIndex, networkFields, at).map(([n, f, t]) => networkDraft(NETS[n]!, 'NetworkCreated', { network: { id: NETS[n]!, ...f } as NetworkState }, t)),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(netIndex, networkFields, at).chain(([n, f, t]) =>
      fc.subarray(Object.keys(f)).map((keys) => networkDraft(NETS[n]!, 'NetworkUpdated', { changes: Object.fromEntries(keys.map((k) => [k, f[k as keyof typeof f]])) }, t)),
    ),
  },
  { weight: 2, arbitrary: fc.tuple(netIndex, at).map(([n, t]) => networkDraft(NETS[n]!, 'NetworkDeleted', {}, t)) },
  {
    weight: 5,
    arbitrary: fc.tuple(netIndex, fc.nat(2), at).chain(([n, k, t]) => fc.tuple(subnetState(n, k), fc.record(standardExtras, { requiredKeys: [] })).map(([subnet, extras]) => networkDraft(NETS[n]!, 'SubnetCreated', { subnet: { ...subnet, ...extras } }, t))),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(netIndex, fc.nat(2), subnetChanges, at).map(([n, k, changes, t]) => networkDraft(NETS[n]!, 'SubnetUpdated', { subnetId: SUBNETS[n]![k]!, changes }, t)),
  },
  { weight: 2, arbitrary: fc.tuple(netIndex, fc.nat(2), at).map(([n, k, t]) => networkDraft(NETS[n]!, 'SubnetDeleted', { subnetId: SUBNETS[n]![k]! }, t)) },
);

// ---- ports and claims ----

const fixedIps = (n: number) => fc.array(fc.record({ subnetId: pick(SUBNETS[n]!), ipAddress: pick(IPS) }), { maxLength: 2 });
const portFields = (n: number) =>
  fc
    .tuple(
      fc.record({
        name: pick(['', 'vm-1']),
        macAddress: pick(MACS),
        fixedIps: fixedIps(n),
        dnsName: pick(['', 'vm1']),
        extraDhcpOpts: pick([[], [{ optName: 'mtu', optValue: '1400' }]]),
        deviceOwner: pick(['', 'compute:nova', 'network:dhcp']),
        deviceId: pick(['', 'instance-1']),
        adminStateUp: fc.boolean(),
      }),
      fc.record(
        {
          ...standardExtras,
          portSecurityEnabled: fc.boolean(),
          bindingHostId: pick(['', 'compute-1']),
          bindingProfile: pick([{}, { pci_slot: '0000:05:00.1' }]),
          allowedAddressPairs: pick([[], [{ ipAddress: '198.18.0.0/28' }], [{ ipAddress: '2001:db8::5', macAddress: 'fa:16:3e:00:00:09' }]]),
        },
        { requiredKeys: [] },
      ),
    )
    .map(([fields, extras]) => ({ ...fields, ...extras }));

const portEvents: fc.Arbitrary<EventDraft> = fc.oneof(
  fc.tuple(fc.nat(PORTS.length - 1), netIndex, at).chain(([p, n, t]) =>
    portFields(n).map((f) => portDraft(PORTS[p]!, 'PortCreated', { port: { id: PORTS[p]!, networkId: NETS[n]!, ...f } as PortState }, t)),
  ),
  fc.tuple(fc.nat(PORTS.length - 1), netIndex, at).chain(([p, n, t]) =>
    portFields(n).chain((f) =>
      fc.subarray(Object.keys(f)).map((keys) =>
        portDraft(PORTS[p]!, 'PortUpdated', { changes: Object.fromEntries(keys.map((k) => [k, f[k as keyof typeof f]])) as PortChanges }, t),
      ),
    ),
  ),
  fc.tuple(fc.nat(PORTS.length - 1), netIndex, at).map(([p, n, t]) => portDraft(PORTS[p]!, 'PortDeleted', { networkId: NETS[n]! }, t)),
);

const claimEvents: fc.Arbitrary<EventDraft> = fc.oneof(
  fc.tuple(pick(['IpAllocated', 'IpReleased'] as const), netIndex, fc.nat(2), pick(IPS), pick(PORTS), at).map(([type, n, k, ip, portId, t]) =>
    ipClaimDraft(type, { networkId: NETS[n]!, subnetId: SUBNETS[n]![k]!, ip, portId }, t),
  ),
  fc.tuple(pick(['MacClaimed', 'MacReleased'] as const), netIndex, pick(MACS), pick(PORTS), at).map(([type, n, mac, portId, t]) =>
    macClaimDraft(type, { networkId: NETS[n]!, mac, portId }, t),
  ),
  // A few segments, so claims meet: flat and VLAN 7 of physnet1, VNI 7.
  fc.tuple(pick(['SegmentClaimed', 'SegmentReleased'] as const), netIndex, pick(['flat', 'vlan', 'vxlan'] as const), at).map(([type, n, networkType, t]) =>
    segmentClaimDraft(type, { networkId: NETS[n]!, networkType, physicalNetwork: networkType === 'vxlan' ? null : 'physnet1', segmentationId: networkType === 'flat' ? null : 7 }, t),
  ),
);

// ---- agents, bindings, leases ----

const heartbeat = (agentId: string): fc.Arbitrary<AgentHeartbeatData> =>
  fc.record({
    agentId: fc.constant(agentId),
    host: pick(['host-1', 'host-2']),
    availabilityZone: pick(['nova', 'az2']),
    networks: someOf(NETS),
    load: fc.nat(50),
    interfaceMappings: pick<Record<string, string>>([{}, { physnet1: 'eth1' }]),
    reportIntervalMs: fc.constant(30_000),
    version: fc.constant('0.1.0'),
  });

const fleetEvents: fc.Arbitrary<EventDraft> = fc.oneof(
  fc.tuple(pick(AGENTS), at).chain(([a, t]) => heartbeat(a).map((data) => agentDraft('AgentHeartbeat', data, t))),
  fc.tuple(pick(AGENTS), fc.boolean(), at).map(([agentId, adminStateUp, t]) => agentDraft('AgentAdminStateChanged', { agentId, adminStateUp }, t)),
  fc.tuple(pick(AGENTS), at).map(([agentId, t]) => agentDraft('AgentDeleted', { agentId }, t)),
  fc.tuple(pick(NETS), pick(AGENTS), pick(['new-network', 'failover', 'manual'] as const), fc.boolean(), at).map(([networkId, agentId, reason, decided, t]) =>
    bindingDraft('NetworkScheduled', { networkId, agentId, reason, ...(decided ? { strategy: 'least-networks', inputs: { loads: { [agentId]: 1 } } } : {}) }, t),
  ),
  fc.tuple(pick(NETS), pick(AGENTS), pick(['agent-down', 'network-deleted', 'manual'] as const), at).map(([networkId, agentId, reason, t]) =>
    bindingDraft('NetworkUnscheduled', { networkId, agentId, reason }, t),
  ),
);

const client = fc.record({
  mac: pick(MACS),
  clientId: fc.option(pick(['01fa163e000001', '0068656c6c6f']), { nil: undefined }),
  hostname: fc.option(pick(['alpha', 'beta']), { nil: undefined }),
});

const leaseEvents: fc.Arbitrary<EventDraft> = fc
  .tuple(netIndex, pick(IPS), pick(['LeaseBound', 'LeaseRenewed', 'LeaseReleased', 'LeaseDeclined', 'LeaseExpired'] as const), client, at, pick([60_000, 3_600_000]), fc.boolean())
  .map(([n, ip, type, c, t, leaseMs, explained]) => {
    const who = { mac: c.mac, ...(c.clientId !== undefined ? { clientId: c.clientId } : {}) };
    let event: JournaledLeaseEvent;
    if (type === 'LeaseBound' || type === 'LeaseRenewed') event = { type, at: t, ip, ...who, ...(c.hostname !== undefined ? { hostname: c.hostname } : {}), ...leaseTimes(t, leaseMs) };
    else if (type === 'LeaseReleased') event = { type, at: t, ip, ...who };
    else if (type === 'LeaseDeclined') event = { type, at: t, ip, ...who, quarantineUntil: t + 600_000, ...(explained ? { message: 'address in use' } : {}) };
    else event = { type, at: t, ip, expiresAt: t - leaseMs };
    return { subject: leaseSubject(NETS[n]!, ip), event: toEnvelope(NETS[n]!, event, { id: randomUUID() }) };
  });

const client6 = fc.record({
  duid: pick(['000100012a5f3e10fa163e000001', '00030001fa163e000002']),
  iaid: pick([0, 1, 0xffff_ffff]),
  mac: fc.option(pick(MACS), { nil: undefined }),
  hostname: fc.option(pick(['alpha', 'beta']), { nil: undefined }),
});

const lease6Events: fc.Arbitrary<EventDraft> = fc
  .tuple(netIndex, pick(IPS6), pick(['Lease6Bound', 'Lease6Renewed', 'Lease6Released', 'Lease6Declined', 'Lease6Expired'] as const), client6, at, pick([60_000, 3_600_000]))
  .map(([n, ip, type, c, t, leaseMs]) => {
    const who = { duid: c.duid, iaid: c.iaid, ...(c.mac !== undefined ? { mac: c.mac } : {}) };
    let event: JournaledLease6Event;
    if (type === 'Lease6Bound' || type === 'Lease6Renewed') event = { type, at: t, ip, ...who, ...(c.hostname !== undefined ? { hostname: c.hostname } : {}), expiresAt: t + leaseMs };
    else if (type === 'Lease6Expired') event = { type, at: t, ip, expiresAt: t - leaseMs };
    else event = { type, at: t, ip, ...who };
    return { subject: lease6Subject(NETS[n]!, ip), event: lease6ToEnvelope(NETS[n]!, event, { id: randomUUID() }) };
  });

/** An event no part of the read model folds (another projection's), and an undecodable one the projection skips. */
const foreignEvent: fc.Arbitrary<EventDraft> = at.map((t) => ({ subject: 'lh.evt.test.x', event: { type: 'TestPing', v: 1, id: randomUUID(), aggregate: 'test/x', at: t, data: {} } }));
type Step = { readonly seq: number; readonly draft: EventDraft | undefined };

const history: fc.Arbitrary<Step[]> = fc
  .array(
    fc.tuple(
      fc.oneof(
        { weight: 5, arbitrary: networkEvents },
        { weight: 4, arbitrary: portEvents },
        { weight: 3, arbitrary: claimEvents },
        { weight: 3, arbitrary: fleetEvents },
        { weight: 4, arbitrary: leaseEvents },
        { weight: 3, arbitrary: lease6Events },
        { weight: 1, arbitrary: foreignEvent },
        { weight: 1, arbitrary: fc.constant(undefined) },
      ),
      fc.integer({ min: 1, max: 3 }),
    ),
    { maxLength: 200, size: 'medium' },
  )
  .map((drafts) => {
    // A port id is created once: the writer appends PortCreated at expected version 0 on a fresh id.
    const created = new Set<string>();
    let seq = 0;
    const steps: Step[] = [];
    for (const [draft, gap] of drafts) {
      if (draft?.event.type === 'PortCreated') {
        const id = (draft.event.data as { port: PortState }).port.id;
        if (created.has(id)) continue;
        created.add(id);
      }
      seq += gap; // gaps: messages of the stream deleted or never matched
      // Through the wire codec, as the projection gets them (plain objects, no undefined fields).
      steps.push({ seq, draft: draft && { subject: draft.subject, event: decodeEvent(encodeEvent(draft.event)) } });
    }
    return steps;
  });

/** Folds as the service's projection does: `apply` for events, `advance` for undecodable ones. */
function fold(model: ReadModel, steps: readonly Step[]): ReadModel {
  for (const { seq, draft } of steps) {
    if (draft) model.apply({ seq, subject: draft.subject, event: draft.event } satisfies StoredEvent);
    else model.advance(seq);
  }
  return model;
}

function snapshotRoundTrip(model: ReadModel): ReadModel {
  return ReadModel.restore(unpack(pack(model.snapshot())));
}

async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await run() };
  } catch (error) {
    if (error instanceof ApiError) return { error: error.toBody() };
    throw error;
  }
}

/** What the API answers from this model: every read operation, for every id of the universe (known or not). */
async function views(model: ReadModel): Promise<Record<string, unknown>> {
  // Reads never touch the journal.
  const journal = {} as Journal;
  const h: Record<string, Handler> = apiHandlers(journal, model, { agentDownTimeMs: AGENT_DOWN_MS });
  const calls: [string, Record<string, unknown>][] = [
    ['networks.list', {}],
    ['subnets.list', {}],
    ['ports.list', {}],
    ['agents.list', {}],
    ['leases.list', {}],
    ...NETS.flatMap((id): [string, Record<string, unknown>][] => [
      ['networks.show', { id }],
      ['subnets.list', { network_id: id }],
      ['ports.list', { network_id: id }],
      ['bindings.agents-on-network', { network_id: id }],
      ['leases.list', { network_id: id }],
      ['leases.list', { network_id: id, ip_version: 6, limit: 2 }],
    ]),
    ...SUBNETS.flat().map((id): [string, Record<string, unknown>] => ['subnets.show', { id }]),
    ...PORTS.map((id): [string, Record<string, unknown>] => ['ports.show', { id }]),
    ...AGENTS.flatMap((id): [string, Record<string, unknown>][] => [
      ['agents.show', { id }],
      ['bindings.networks-on-agent', { agent_id: id }],
    ]),
    ...MACS.map((mac): [string, Record<string, unknown>] => ['leases.show', { mac_address: mac }]),
    ...IPS.map((ip): [string, Record<string, unknown>] => ['leases.show', { ip_address: `198.18.0.${(ip & 0xff).toString()}` }]),
    ...IPS6.map((ip): [string, Record<string, unknown>] => ['leases.show', { ip_address: ip }]),
    ...MACS.map((mac): [string, Record<string, unknown>] => ['leases.show', { mac_address: mac, ip_version: 6 }]),
  ];
  const out: Record<string, unknown> = {};
  for (const [op, body] of calls) out[`${op} ${JSON.stringify(body)}`] = await outcome(() => h[op]!(body));
  return out;
}

/** The versions and owners the commands read before they append. */
function versions(model: ReadModel) {
  const claimSubjects = NETS.flatMap((n) => [...IPS.map((ip) => ipClaimSubject(n, ip)), ...MACS.map((mac) => macClaimSubject(n, mac))]);
  return {
    at: model.at(),
    networks: NETS.map((id) => [model.networkVersion(id), model.network(id)?.value]),
    ports: PORTS.map((id) => model.ports.get(id)?.version),
    portsOf: NETS.map((id) => model.portsOf(id).map((p) => p.id)),
    claims: claimSubjects.map((s) => model.claimVersion(s)),
    owners: NETS.flatMap((n) => [...IPS.map((ip) => model.ipOwner(n, ip)), ...MACS.map((mac) => model.macOwner(n, mac))]),
    subnets: SUBNETS.flat().map((id) => model.networkOfSubnet.get(id)),
    agents: AGENTS.map((id) => model.fleet.agents.get(id)?.version),
    bindings: NETS.map((id) => model.fleet.bindingVersions.get(id)),
    usage: projectsIn(model).map((p) => [p, model.usage(p)]),
  };
}

/** Every project a network or port of the model names, and the default one: whose quota usage to compare. */
function projectsIn(model: ReadModel): string[] {
  const named = [...model.networks.values()].map((n) => n.value.context.network?.projectId).concat([...model.ports.values()].map((p) => p.value.projectId));
  return [...new Set([DEFAULT_PROJECT_ID, ...named.filter((p): p is string => p !== undefined)])].sort();
}

const sorted = <K, V>(map: ReadonlyMap<K, V>) => [...map].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1));

/** Everything the model holds, in the order its maps iterate where that order can show in an answer. */
function state(model: ReadModel) {
  const f = model.fleet;
  return {
    networks: [...model.networks].map(([id, { value, version }]) => [id, version, value.value, value.status, value.context]),
    ports: [...model.ports],
    ipClaims: sorted(model.ipClaims),
    macClaims: sorted(model.macClaims),
    segmentClaims: sorted(model.segmentClaims),
    claimVersions: sorted(model.claimVersions),
    portsByNetwork: sorted(model.portsByNetwork).map(([n, ids]) => [n, [...ids]]),
    networkOfSubnet: sorted(model.networkOfSubnet),
    agents: [...f.agents],
    bindings: [...f.bindings].map(([n, rows]) => [n, [...rows]]),
    bindingVersions: [...f.bindingVersions],
    leases: [...f.leases].map(([n, byIp]) => [n, [...byIp]]),
    leases6: [...f.leases6].map(([n, byIp]) => [n, [...byIp]]),
  };
}

describe('read-model snapshots', () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  test('a model restored from a packed snapshot of any prefix and fed the rest answers exactly as the full fold', async () => {
    await fc.assert(
      fc.asyncProperty(history, fc.nat(), async (steps, cut) => {
        const k = cut % (steps.length + 1);
        const full = fold(new ReadModel(), steps);
        const resumed = fold(snapshotRoundTrip(fold(new ReadModel(), steps.slice(0, k))), steps.slice(k));
        expect(versions(resumed)).toStrictEqual(versions(full));
        expect(state(resumed)).toStrictEqual(state(full));
        expect(await views(resumed)).toStrictEqual(await views(full));
      }),
      { numRuns: 300 },
    );
  });

  test('the histories reach every kind of state the views show (the property is not vacuous)', () => {
    const seen = { networks: 0, subnets: 0, ports: 0, ipClaims: 0, macClaims: 0, segmentClaims: 0, released: 0, agents: 0, bindings: 0, leases: 0, leases6: 0, deleted: 0 };
    for (const steps of fc.sample(history, { numRuns: 100, seed: 17 })) {
      const m = fold(new ReadModel(), steps);
      const active = [...m.networks.values()].filter((n) => n.value.value === 'active');
      seen.networks += active.length;
      seen.deleted += [...m.networks.values()].filter((n) => n.value.value === 'deleted').length;
      seen.subnets += active.reduce((s, n) => s + Object.keys(n.value.context.subnets).length, 0);
      seen.ports += m.ports.size;
      seen.ipClaims += m.ipClaims.size;
      seen.macClaims += m.macClaims.size;
      seen.segmentClaims += m.segmentClaims.size;
      seen.released += m.claimVersions.size - m.ipClaims.size - m.macClaims.size - m.segmentClaims.size;
      seen.agents += m.fleet.agents.size;
      seen.bindings += [...m.fleet.bindings.values()].reduce((s, b) => s + b.size, 0);
      seen.leases += [...m.fleet.leases.values()].reduce((s, b) => s + b.size, 0);
      seen.leases6 += [...m.fleet.leases6.values()].reduce((s, b) => s + b.size, 0);
    }
    for (const [kind, count] of Object.entries(seen)) expect(count, kind).toBeGreaterThan(10);
  });

  test('a snapshot of another schema version is refused with ReadModelSnapshotVersionError, never read', () => {
    const model = fold(new ReadModel(), [{ seq: 3, draft: agentDraft('AgentDeleted', { agentId: AGENTS[0]! }, BASE) }]);
    const good = unpack(pack(model.snapshot())) as Record<string, unknown>;
    expect(ReadModel.restore(good).at()).toBe(3);
    for (const v of [READ_MODEL_SNAPSHOT_V + 1, READ_MODEL_SNAPSHOT_V - 1, undefined, '1']) {
      const error = (() => {
        try {
          ReadModel.restore({ ...good, v });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ReadModelSnapshotVersionError);
      expect(error).toMatchObject({ found: v, expected: READ_MODEL_SNAPSHOT_V });
    }
  });

  test('anything not shaped like the API read model snapshot is refused with ReadModelSnapshotError', () => {
    const good = new ReadModel().snapshot();
    const bad: unknown[] = [
      null,
      42,
      [good],
      { ...good, kind: 'agent-lease-table' },
      { ...good, position: -1 },
      { ...good, position: undefined },
      { ...good, ports: {} },
      { ...good, leases: undefined },
      { ...good, leases6: undefined },
    ];
    for (const value of bad) expect(() => ReadModel.restore(value), JSON.stringify(value)).toThrow(ReadModelSnapshotError);
  });

  test('a snapshot whose entries hold what no event could (a network of {}, a time no Date holds, an address out of range) is refused: a restored model cannot make a read throw either', () => {
    const good = new ReadModel().snapshot();
    const context = (network: unknown, subnets: Record<string, unknown> = {}) => ({ network, subnets });
    const port = { id: 'p1', networkId: 'n1', name: '', macAddress: 'fa:16:3e:00:00:01', fixedIps: [], dnsName: '', extraDhcpOpts: [], deviceOwner: '', deviceId: '', adminStateUp: true };
    const bad: unknown[] = [
      { ...good, networks: [['n1', 1, 'active', context({})]] },
      { ...good, networks: [['n1', 1, 'active', context(null)]] },
      { ...good, networks: [['n1', 1, 'active', context({ id: 'n1', name: '', adminStateUp: true, mtu: 1500, dnsDomain: '', availabilityZoneHints: [], physicalNetwork: null }, { s1: { id: 's1' } })]] },
      { ...good, ports: [['p1', 1, { ...port, fixedIps: [{ subnetId: 's1', ipAddress: -1 }] }]] },
      { ...good, ports: [['p2', 1, port]] },
      { ...good, agents: [{ agentId: 'a1', heartbeat: undefined, heartbeatAt: 1e300, version: 1, adminStateUp: true, deleted: false }] },
      { ...good, leases: [['n1', [[2 ** 32, 'mac', null, null, 0, null, 0, 1]]]] },
      { ...good, leases: [['n1', [[1, 'mac', null, null, 9, null, 0, 1]]]] },
      // An IPv6 row keyed by a form other than RFC 5952 text would never be found by its subject's address.
      { ...good, leases6: [['n1', [['2001:DB8::1', '0001', 1, '', null, 0, null, 0, 1]]]] },
      { ...good, leases6: [['n1', [['2001:db8::1', '0001', 2 ** 32, '', null, 0, null, 0, 1]]]] },
      { ...good, leases6: [['n1', [['2001:db8::1', 7, 1, '', null, 0, null, 0, 1]]]] },
      { ...good, bindings: [['n1', 1, [{ agentId: 'a1', reason: 'manual', at: Number.NaN }]]] },
      { ...good, claims: [['lh.evt.ipam.n1.198-18-0-1', -1]] },
    ];
    for (const value of bad) expect(() => ReadModel.restore(value), JSON.stringify(value)).toThrow(ReadModelSnapshotError);
    expect(ReadModel.restore({ ...good, ports: [['p1', 1, port]] }).ports.get('p1')?.value).toStrictEqual(port);
  });

  test('a snapshot taken before more events are folded still restores the state at its position', () => {
    const agentId = AGENTS[0]!;
    const beat = (host: string, t: number) =>
      agentDraft('AgentHeartbeat', { agentId, host, availabilityZone: 'nova', networks: [], load: 0, interfaceMappings: {}, reportIntervalMs: 30_000, version: '0.1.0' }, t);
    const model = fold(new ReadModel(), [{ seq: 1, draft: beat('host-1', BASE) }]);
    const early = model.snapshot();
    // The fold updates agent rows in place: the snapshot must not see that.
    fold(model, [{ seq: 2, draft: beat('host-2', BASE + 1) }, { seq: 3, draft: agentDraft('AgentAdminStateChanged', { agentId, adminStateUp: false }, BASE + 2) }]);
    const restored = ReadModel.restore(unpack(pack(early)));
    expect(restored.at()).toBe(1);
    expect(restored.fleet.agents.get(agentId)).toStrictEqual({
      agentId,
      heartbeat: (beat('host-1', BASE).event.data as AgentHeartbeatData),
      heartbeatAt: BASE,
      version: 1,
      adminStateUp: true,
      deleted: false,
    });
  });

  test('a restored model is at the snapshot position: waitFor resolves at once up to it and waits for the next event', async () => {
    const model = fold(new ReadModel(), [{ seq: 5, draft: undefined }]);
    const restored = snapshotRoundTrip(model);
    expect(restored.at()).toBe(5);
    await restored.waitFor(5);
    let seen = false;
    const next = restored.waitFor(6).then(() => (seen = true));
    await Promise.resolve();
    expect(seen).toBe(false);
    restored.advance(6);
    await next;
    expect(seen).toBe(true);
  });
});
