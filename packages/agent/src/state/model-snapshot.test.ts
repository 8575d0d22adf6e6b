/**
 * Snapshots of the agent model: a model restored from the packed snapshot of
 * the fold of the first k steps, then given the rest, is the fold of every
 * step. The steps are real-shaped stored events (networks, subnets, ports,
 * bindings, agents, leases on `lh.evt.lease.<net>.<ip>`), the agent's own
 * lease writes applied at their ack before the stream delivers them, and (in
 * the live variant) what the DHCP server does to the tables between events:
 * look them up, make offers.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { StoredEvent } from '@leasehold/journal';
import { LEASE_TABLE_SNAPSHOT_V, leaseSubject, leaseTimes, toEnvelope, type ClientRef, type JournaledLeaseEvent, type LeaseEvent } from '@leasehold/lease-actor';
import { leaseEventArb } from '@leasehold/lease-actor/testing';
import { aggregateSubject, pack, parseCidr, parseIpv4 as v4, unpack, type EventEnvelope, type Ipv4, type PortState, type SubnetState } from '@leasehold/protocol';
import { AgentModelSnapshotError } from '../errors.js';
import { DHCP_DEVICE_OWNER } from '@leasehold/resources';
import { AgentModel, type ModelChange } from './agent-model.js';
import { AGENT_MODEL_SNAPSHOT_V, leaseHostnames, type AgentModelOptions, type AgentModelSnapshot } from './model-snapshot.js';

const T0 = 1_700_000_000_000;
const OPTIONS = { offerTtlMs: 5_000, declineQuarantineMs: 120_000 };
const NETS = ['net-a', 'net-b', 'net-c'];
/** A network that is never created: lease events and bindings for it still arrive (another agent's late write). */
const GHOST = 'net-x';
const ALL_NETS = [...NETS, GHOST];
const AGENTS = ['agent-1', 'agent-2', 'agent-3'];
const DEVICE = 'dhcp-agent-1';
const MACS = [1, 2, 3, 4, 5, 6].map((n) => `fa:16:3e:00:00:0${n}`);
const CLIENTS: ClientRef[] = [
  { mac: 'aa:00:00:00:00:01' },
  { mac: 'aa:00:00:00:00:02', clientId: '01aa0000000002' },
  { mac: 'aa:00:00:00:00:03' },
  { mac: MACS[0]! },
  { mac: 'aa:00:00:00:00:05', clientId: 'ff05' },
];
const HOSTNAMES = ['vm-1', 'db', undefined];

/** Each network's subnets: the /24 and the dynamic-pool variants a SubnetUpdated may switch between. */
const SUBNETS: Record<string, { id: string; cidr: string; pools: [number, number][][] }[]> = {
  'net-a': [
    { id: 'sub-a1', cidr: '198.18.0.0/24', pools: [[[100, 109]], [[100, 104]], []] },
    { id: 'sub-a2', cidr: '198.18.2.0/24', pools: [[[100, 103]]] },
  ],
  'net-b': [{ id: 'sub-b1', cidr: '198.18.1.0/24', pools: [[[100, 104]], [[100, 101]]] }],
  'net-c': [{ id: 'sub-c1', cidr: '198.18.3.0/24', pools: [[[100, 101]]] }],
};

function subnetOf(networkId: string, index: number, variant: number, enableDhcp = true): SubnetState {
  const t = SUBNETS[networkId]![index % SUBNETS[networkId]!.length]!;
  const block = parseCidr(t.cidr);
  return {
    id: t.id,
    networkId,
    name: t.id,
    cidr: block,
    gatewayIp: block.address + 1,
    allocationPools: [{ first: block.address + 10, last: block.address + 99 }],
    dynamicPools: t.pools[variant % t.pools.length]!.map(([a, b]) => ({ first: block.address + a, last: block.address + b })),
    dnsNameservers: [],
    hostRoutes: [],
    enableDhcp,
    leaseDuration: 86_400,
  };
}

/** The address of port `p`, inside the first subnet's dynamic pool or outside it; one per port, so no two ports share one. */
function portIp(networkId: string, p: number, inPool: boolean): Ipv4 {
  return parseCidr(SUBNETS[networkId]![0]!.cidr).address + (inPool ? 100 : 20) + p;
}

/** What the agent does to its model: fold a stored event, apply its own write at the ack, look a table up, offer. */
type Step =
  | { kind: 'stored'; stored: StoredEvent }
  | { kind: 'ack'; networkId: string; subject: string; seq: number; event: JournaledLeaseEvent }
  | { kind: 'touch'; networkId: string }
  | { kind: 'offer'; networkId: string; client: ClientRef; now: number };

function run(model: AgentModel, step: Step): void {
  if (step.kind === 'stored') model.apply(step.stored);
  else if (step.kind === 'ack') model.applyLease(step.networkId, step.subject, step.seq, step.event);
  else if (step.kind === 'touch') model.table(step.networkId);
  else model.table(step.networkId)?.offer({ ...step.client, now: step.now });
}

type Op =
  | { k: 'network'; action: 'create' | 'update' | 'delete'; net: number }
  | { k: 'subnet'; action: 'create' | 'update' | 'delete'; net: number; sub: number; variant: number; dhcp: boolean }
  | { k: 'port'; action: 'create' | 'update' | 'delete' | 'recreate'; port: number; net: number; mac: number; fixed: 'none' | 'in' | 'out'; dhcp: boolean }
  | { k: 'binding'; scheduled: boolean; net: number; agent: number }
  | { k: 'agent'; action: 'heartbeat' | 'admin' | 'delete'; agent: number; up: boolean }
  | { k: 'lease'; action: 'bind' | 'renew' | 'release' | 'decline' | 'expire'; net: number; client: number; host: number; minutes: number; ack: boolean }
  | { k: 'raw'; net: number; event: LeaseEvent }
  | { k: 'odd'; bad: boolean; net: number }
  | { k: 'touch'; net: number }
  | { k: 'offer'; net: number; client: number }
  | { k: 'wait'; ms: number };

const RAW_IPS = [v4('198.18.0.100'), v4('198.18.0.101'), v4('198.18.1.100'), v4('198.18.2.100'), v4('198.18.3.101')];
const n = (max: number) => fc.nat(max);
const opArb = (live: boolean): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.record({ k: fc.constant('network' as const), action: fc.constantFrom('create' as const, 'update' as const, 'update' as const, 'delete' as const), net: n(2) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        k: fc.constant('subnet' as const),
        action: fc.constantFrom('create' as const, 'update' as const, 'update' as const, 'delete' as const),
        net: n(2),
        sub: n(1),
        variant: n(2),
        dhcp: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        k: fc.constant('port' as const),
        action: fc.constantFrom('create' as const, 'create' as const, 'update' as const, 'delete' as const, 'recreate' as const),
        port: n(7),
        net: n(2),
        mac: n(MACS.length - 1),
        fixed: fc.constantFrom('none' as const, 'in' as const, 'out' as const),
        dhcp: fc.boolean(),
      }),
    },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('binding' as const), scheduled: fc.boolean(), net: n(3), agent: n(2) }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('agent' as const), action: fc.constantFrom('heartbeat' as const, 'heartbeat' as const, 'admin' as const, 'delete' as const), agent: n(2), up: fc.boolean() }) },
    {
      weight: 20,
      arbitrary: fc.record({
        k: fc.constant('lease' as const),
        action: fc.constantFrom('bind' as const, 'bind' as const, 'renew' as const, 'release' as const, 'decline' as const, 'expire' as const),
        net: n(3),
        client: n(CLIENTS.length - 1),
        host: n(HOSTNAMES.length - 1),
        minutes: fc.integer({ min: 1, max: 10 }),
        ack: fc.boolean(),
      }),
    },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('raw' as const), net: n(3), event: leaseEventArb({ ips: RAW_IPS, clients: CLIENTS, journaledOnly: true }) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('odd' as const), bad: fc.boolean(), net: n(3) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('touch' as const), net: n(2) }) },
    ...(live ? [{ weight: 4, arbitrary: fc.record({ k: fc.constant('offer' as const), net: n(2), client: n(CLIENTS.length) }) }] : []),
    { weight: 3, arbitrary: fc.record({ k: fc.constant('wait' as const), ms: fc.oneof(fc.nat(60_000), fc.nat(300_000)) }) },
  );

/** How every scenario starts (the split may fall inside it): three networks with a subnet each, a binding, a port. */
const BASE: Op[] = [
  ...[0, 1, 2].flatMap((net): Op[] => [
    { k: 'network', action: 'create', net },
    { k: 'subnet', action: 'create', net, sub: 0, variant: 0, dhcp: true },
  ]),
  { k: 'binding', scheduled: true, net: 0, agent: 0 },
  { k: 'port', action: 'create', port: 0, net: 0, mac: 0, fixed: 'in', dhcp: true },
];

/**
 * The steps the ops stand for (after BASE), resolved against a model folding them (so a
 * renewal names the client's lease, an expiry a lease that is due, and so on).
 * Returns the final clock too.
 */
function buildSteps(ops: readonly Op[]): { steps: Step[]; now: number } {
  const shadow = new AgentModel(OPTIONS);
  const steps: Step[] = [];
  const deleted = new Set<string>();
  let seq = 0;
  let now = T0;
  let id = 0;
  const push = (step: Step) => {
    steps.push(step);
    run(shadow, step);
  };
  const store = (subject: string, envelope: EventEnvelope) => push({ kind: 'stored', stored: { seq: ++seq, subject, event: envelope } });
  const envelope = (aggregate: string, type: string, data: unknown): EventEnvelope => ({ type, v: 1, id: `e-${++id}`, aggregate, at: now, data });
  const lease = (networkId: string, event: JournaledLeaseEvent, ack: boolean) => {
    const subject = leaseSubject(networkId, event.ip);
    if (ack) push({ kind: 'ack', networkId, subject, seq: seq + 1, event });
    store(subject, toEnvelope(networkId, event, { id: `e-${++id}` }));
  };
  const portFor = (op: Extract<Op, { k: 'port' }>): PortState => {
    const networkId = NETS[op.net]!;
    const first = SUBNETS[networkId]![0]!;
    return {
      id: `port-${op.port}`,
      networkId,
      name: '',
      macAddress: MACS[op.mac]!,
      fixedIps: op.fixed === 'none' ? [] : [{ subnetId: first.id, ipAddress: portIp(networkId, op.port, op.fixed === 'in') }],
      dnsName: op.port % 2 ? `host-${op.port}` : '',
      extraDhcpOpts: [],
      deviceOwner: op.dhcp ? DHCP_DEVICE_OWNER : 'compute:nova',
      deviceId: op.dhcp ? DEVICE : `vm-${op.port}`,
      adminStateUp: true,
    };
  };

  for (const op of [...BASE, ...ops]) {
    now += 1;
    switch (op.k) {
      case 'network': {
        const networkId = NETS[op.net]!;
        const subject = aggregateSubject('network', networkId);
        if (op.action === 'create') {
          if (deleted.has(networkId)) break; // ids are UUIDs: a deleted network never comes back
          const network = { id: networkId, name: networkId, adminStateUp: true, mtu: 1500, dnsDomain: 'example.org.', availabilityZoneHints: [], physicalNetwork: null };
          store(subject, envelope(`network/${networkId}`, 'NetworkCreated', { network }));
        } else if (op.action === 'update') {
          store(subject, envelope(`network/${networkId}`, 'NetworkUpdated', { changes: { mtu: 1400 + op.net, dnsDomain: `d${now % 3}.example.org.` } }));
        } else {
          if (shadow.network(networkId) && shadow.subnets(networkId).length === 0) deleted.add(networkId);
          store(subject, envelope(`network/${networkId}`, 'NetworkDeleted', {}));
        }
        break;
      }
      case 'subnet': {
        const networkId = NETS[op.net]!;
        const subnet = subnetOf(networkId, op.sub, op.variant, op.dhcp);
        const subject = aggregateSubject('network', networkId);
        if (op.action === 'create') store(subject, envelope(`network/${networkId}`, 'SubnetCreated', { subnet }));
        else if (op.action === 'update') store(subject, envelope(`network/${networkId}`, 'SubnetUpdated', { subnetId: subnet.id, changes: { dynamicPools: subnet.dynamicPools, enableDhcp: op.dhcp } }));
        else store(subject, envelope(`network/${networkId}`, 'SubnetDeleted', { subnetId: subnet.id }));
        break;
      }
      case 'port': {
        const port = portFor(op);
        const current = shadow.ports.get(port.id);
        const subject = aggregateSubject('port', port.id);
        if (op.action === 'create' && !current) store(subject, envelope(`port/${port.id}`, 'PortCreated', { port }));
        else if (op.action === 'recreate') store(subject, envelope(`port/${port.id}`, 'PortCreated', { port }));
        else if (op.action === 'update' && current) {
          const fixedIps = op.fixed === 'none' ? [] : [{ subnetId: SUBNETS[current.networkId]![0]!.id, ipAddress: portIp(current.networkId, op.port, op.fixed === 'in') }];
          store(subject, envelope(`port/${port.id}`, 'PortUpdated', { changes: { macAddress: port.macAddress, fixedIps, dnsName: port.dnsName } }));
        } else if (op.action === 'delete' && current) store(subject, envelope(`port/${port.id}`, 'PortDeleted', { networkId: current.networkId }));
        break;
      }
      case 'binding': {
        const networkId = ALL_NETS[op.net]!;
        const data = { networkId, agentId: AGENTS[op.agent]!, reason: op.scheduled ? 'new-network' : 'rebalance' };
        store(aggregateSubject('binding', networkId), envelope(`binding/${networkId}`, op.scheduled ? 'NetworkScheduled' : 'NetworkUnscheduled', data));
        break;
      }
      case 'agent': {
        const agentId = AGENTS[op.agent]!;
        const subject = aggregateSubject('agent', agentId);
        if (op.action === 'heartbeat') {
          const data = { agentId, host: `host-${op.agent}`, availabilityZone: 'nova', networks: NETS.slice(0, op.agent), load: op.agent, interfaceMappings: { physnet1: 'eth1' }, reportIntervalMs: 30_000, version: '0.1.0' };
          store(subject, envelope(`agent/${agentId}`, 'AgentHeartbeat', data));
        } else if (op.action === 'admin') store(subject, envelope(`agent/${agentId}`, 'AgentAdminStateChanged', { agentId, adminStateUp: op.up }));
        else store(subject, envelope(`agent/${agentId}`, 'AgentDeleted', { agentId }));
        break;
      }
      case 'lease': {
        const networkId = ALL_NETS[op.net]!;
        const client = CLIENTS[op.client]!;
        const hostname = HOSTNAMES[op.host];
        const table = shadow.network(networkId) ? shadow.table(networkId) : undefined;
        const times = leaseTimes(now, op.minutes * 60_000);
        if (!table) {
          // The agent writes leases only on networks it serves; a late write of another agent may still land here.
          if (networkId === GHOST && op.action === 'bind') lease(networkId, { type: 'LeaseBound', ip: RAW_IPS[op.client % RAW_IPS.length]!, ...client, at: now, ...times }, false);
          break;
        }
        const held = table.leaseOf(client, now);
        const holding = held && (held.status === 'bound' || held.status === 'renewing' || held.status === 'rebinding') ? held : undefined;
        if (op.action === 'bind') {
          const allocation = table.allocate({ ...client, now });
          if (allocation.ok) lease(networkId, { type: 'LeaseBound', ip: allocation.ip, ...client, ...(hostname ? { hostname } : {}), at: now, ...times }, op.ack);
        } else if (op.action === 'renew' && holding && now < holding.expiresAt!) {
          lease(networkId, { type: 'LeaseRenewed', ip: holding.ip, ...client, ...(hostname ? { hostname } : {}), at: now, ...times }, op.ack);
        } else if (op.action === 'release' && holding) lease(networkId, { type: 'LeaseReleased', ip: holding.ip, ...client, at: now }, op.ack);
        else if (op.action === 'decline' && holding) lease(networkId, table.declineEvent(client, holding.ip, now), op.ack);
        else if (op.action === 'expire') {
          const due = table.expired(now)[0];
          if (due) lease(networkId, due, op.ack);
        }
        break;
      }
      case 'raw': {
        const networkId = ALL_NETS[op.net]!;
        if (networkId !== GHOST && !shadow.network(networkId)) break;
        if (op.event.type === 'Tick' || op.event.type === 'LeaseOffered') break;
        // The arbitrary's times are 0..400 ms: around the clock, they cross its deadlines.
        const shift = now - 200;
        const e = op.event as unknown as Record<string, unknown>;
        const shifted = Object.fromEntries(Object.entries(e).map(([key, value]) => [key, ['at', 'expiresAt', 'renewAt', 'rebindAt', 'quarantineUntil'].includes(key) ? (value as number) + shift : value]));
        lease(networkId, shifted as unknown as JournaledLeaseEvent, false);
        break;
      }
      case 'odd': {
        const networkId = ALL_NETS[op.net]!;
        // A lease event without its client (counted as bad), or an event kind the agent does not fold.
        if (op.bad) store(leaseSubject(networkId, RAW_IPS[0]!), envelope(`lease/${networkId}`, 'LeaseBound', { ip: RAW_IPS[0], at: now }));
        else store(`lh.evt.ipam.${networkId}.198-18-0-30`, envelope(`ipam/${networkId}`, 'IpAllocated', { networkId, subnetId: 'sub-a1', ip: v4('198.18.0.30'), portId: 'port-0' }));
        break;
      }
      case 'touch':
        push({ kind: 'touch', networkId: NETS[op.net]! });
        break;
      case 'offer':
        push({ kind: 'offer', networkId: NETS[op.net]!, client: CLIENTS[op.client] ?? { mac: `ee:00:00:00:${(now % 256).toString(16).padStart(2, '0')}:01` }, now });
        break;
      case 'wait':
        now += op.ms;
        break;
    }
  }
  return { steps, now };
}

/** The model through its queries (and its tables' durable state), for comparing a restored model with a full fold. */
function view(model: AgentModel, subjects: readonly string[]) {
  const tables = model.snapshot().tables.map((t) => t.networkId);
  return {
    counters: [model.position, model.badEvents, model.refusedLeaseEvents],
    networks: [...model.networks].map(([id, s]) => [id, s.value, s.context]),
    served: ALL_NETS.map((id) => [model.network(id), model.subnets(id)]),
    ports: [...model.ports.values()],
    portsOf: ALL_NETS.map((id) => [...model.portsOf(id)]),
    portByMac: ALL_NETS.flatMap((id) => MACS.map((mac) => model.portByMac(id, mac))),
    dhcpPorts: ALL_NETS.map((id) => model.dhcpPort(id, DEVICE)),
    bindings: [...model.bindings].map(([id, agents]) => [id, [...agents]]),
    agentsOf: ALL_NETS.map((id) => model.agentsOf(id)),
    agents: [...model.agents.values()].map((r) => ({ ...r })),
    tables: tables.map((id) => [id, model.table(id)!.configuration(), model.table(id)!.durableState()]),
    versions: subjects.map((s) => model.leaseVersion(s)),
  };
}

/** The agent's host-name listener (agent.ts): 'lease' notices → network → address → host name. */
function trackNames(model: AgentModel, names: Map<string, Map<Ipv4, string>>): void {
  model.onChange((change) => {
    if (change.kind !== 'lease') return;
    const { event } = change;
    let byIp = names.get(change.networkId);
    if (!byIp) names.set(change.networkId, (byIp = new Map()));
    if ((event.type === 'LeaseBound' || event.type === 'LeaseRenewed') && event.hostname) byIp.set(event.ip, event.hostname);
    else if (event.type !== 'LeaseRenewed') byIp.delete(event.ip);
  });
}

/** Folds the first k steps, snapshots, packs and unpacks, restores, folds the rest; and folds all steps in one model. */
function splitAndFull(steps: readonly Step[], k: number) {
  const full = new AgentModel(OPTIONS);
  const fullNotices: ModelChange[] = [];
  const fullNames = new Map<string, Map<Ipv4, string>>();
  trackNames(full, fullNames);
  steps.forEach((step, i) => {
    if (i === k) full.onChange((change) => fullNotices.push(change));
    run(full, step);
  });
  const head = new AgentModel(OPTIONS);
  for (const step of steps.slice(0, k)) run(head, step);
  const restored = new AgentModel(OPTIONS);
  const snapshot = restored.restore(unpack(pack(head.snapshot())));
  const names = leaseHostnames(snapshot);
  trackNames(restored, names);
  const notices: ModelChange[] = [];
  restored.onChange((change) => notices.push(change));
  for (const step of steps.slice(k)) run(restored, step);
  return { full, fullNotices, fullNames, restored, notices, names };
}

const subjectsOf = (steps: readonly Step[]) => [...new Set(steps.flatMap((s) => (s.kind === 'stored' ? [s.stored.subject] : s.kind === 'ack' ? [s.subject] : [])))];

describe('agent model snapshots', () => {
  test.prop([fc.array(opArb(false), { maxLength: 150, size: 'max' }), fc.nat()], { numRuns: 150 })(
    'a model restored from a packed snapshot of the fold of the first k events, then given the rest, is the fold of every event: same queries, tables, versions, counters, snapshot, change notices, lease host names and allocations',
    (ops, split) => {
      const { steps, now } = buildSteps(ops);
      const k = split % (steps.length + 1);
      const { full, fullNotices, fullNames, restored, notices, names } = splitAndFull(steps, k);
      const subjects = subjectsOf(steps);
      expect(view(restored, subjects)).toEqual(view(full, subjects));
      expect(restored.snapshot()).toEqual(full.snapshot());
      expect(notices).toEqual(fullNotices);
      for (const { networkId } of full.snapshot().tables) expect(names.get(networkId) ?? new Map()).toEqual(fullNames.get(networkId) ?? new Map());
      for (const { networkId } of full.snapshot().tables) {
        for (const client of [...CLIENTS, { mac: 'ee:00:00:00:00:01' }]) {
          expect(restored.table(networkId)!.offer({ ...client, now })).toEqual(full.table(networkId)!.offer({ ...client, now }));
        }
      }
    },
  );

  test.prop([fc.array(opArb(true), { maxLength: 150, size: 'max' }), fc.nat()], { numRuns: 100 })(
    'with the DHCP server making offers between events, the restored model plus the rest is the full fold once both tables reach the same time (offers are not in a snapshot)',
    (ops, split) => {
      const { steps, now } = buildSteps(ops);
      const k = split % (steps.length + 1);
      const { full, fullNotices, fullNames, restored, notices, names } = splitAndFull(steps, k);
      for (const model of [full, restored]) for (const { networkId } of model.snapshot().tables) model.table(networkId)!.advance(now);
      const subjects = subjectsOf(steps);
      expect(view(restored, subjects)).toEqual(view(full, subjects));
      expect(restored.snapshot()).toEqual(full.snapshot());
      expect(notices).toEqual(fullNotices);
      for (const { networkId } of full.snapshot().tables) expect(names.get(networkId) ?? new Map()).toEqual(fullNames.get(networkId) ?? new Map());
    },
  );
});

describe('agent model snapshot refusals', () => {
  const folded = (): AgentModel => {
    const model = new AgentModel(OPTIONS);
    const { steps } = buildSteps([
      { k: 'network', action: 'create', net: 0 },
      { k: 'subnet', action: 'create', net: 0, sub: 0, variant: 0, dhcp: true },
      { k: 'port', action: 'create', port: 1, net: 0, mac: 1, fixed: 'in', dhcp: false },
      { k: 'lease', action: 'bind', net: 0, client: 0, host: 0, minutes: 5, ack: false },
    ]);
    for (const step of steps) run(model, step);
    return model;
  };
  const refusal = (snapshot: unknown, options: AgentModelOptions = OPTIONS): AgentModelSnapshotError => {
    const model = new AgentModel(options);
    try {
      model.restore(snapshot);
    } catch (error) {
      expect(error).toBeInstanceOf(AgentModelSnapshotError);
      // Refused whole: the model is still empty, ready for a full replay.
      expect(model.snapshot()).toEqual(new AgentModel(options).snapshot());
      return error as AgentModelSnapshotError;
    }
    throw new Error('restore accepted the snapshot');
  };

  test('a snapshot of another schema version, or holding a lease table of another, is refused as a version problem', () => {
    const snapshot = folded().snapshot();
    expect(refusal({ ...snapshot, v: AGENT_MODEL_SNAPSHOT_V + 1 }).problem).toBe('version');
    expect(refusal({ ...snapshot, tables: snapshot.tables.map((t) => ({ ...t, v: LEASE_TABLE_SNAPSHOT_V + 1 })) }).problem).toBe('version');
  });

  test('a snapshot taken with another offer TTL or decline quarantine is refused as an options problem; defaults and the same values written out agree', () => {
    const snapshot = folded().snapshot();
    expect(refusal(snapshot, { ...OPTIONS, declineQuarantineMs: 1 }).problem).toBe('options');
    expect(refusal(snapshot, { offerTtlMs: OPTIONS.offerTtlMs }).problem).toBe('options');
    const defaults = new AgentModel().snapshot();
    expect(() => new AgentModel({ offerTtlMs: 60_000, declineQuarantineMs: 86_400_000 }).restore(defaults)).not.toThrow();
  });

  test('anything else that is not a snapshot of this shape is refused, never half restored', () => {
    const snapshot = folded().snapshot();
    expect(refusal(null).problem).toBe('not-a-snapshot');
    expect(refusal({ ...snapshot, kind: 'api-read-model' }).problem).toBe('not-a-snapshot');
    expect(refusal({ ...snapshot, portsByMac: [['net-a/x', 'port-404']] }).message).toMatch(/port-404/);
    expect(refusal({ ...snapshot, agents: [['agent-1', 'soon']] }).problem).toBe('not-a-snapshot');
    expect(refusal({ ...snapshot, tables: [{ ...snapshot.tables[0]!, leases: [[1, 0]] }] }).problem).toBe('not-a-snapshot');
  });

  test('restore refuses a model that has already folded events', () => {
    const model = folded();
    expect(() => model.restore(model.snapshot())).toThrow(/folded nothing/);
  });
});

describe('what a snapshot holds', () => {
  test('a snapshot taken and kept while the model folds on still restores the model as it was when taken', () => {
    const { steps } = buildSteps(
      [0, 1, 2].flatMap((net) => [
        { k: 'network', action: 'create', net },
        { k: 'subnet', action: 'create', net, sub: 0, variant: 0, dhcp: true },
        { k: 'binding', scheduled: true, net, agent: 0 },
        { k: 'agent', action: 'heartbeat', agent: 0, up: true },
        { k: 'lease', action: 'bind', net, client: 1, host: 0, minutes: 5, ack: false },
        { k: 'lease', action: 'renew', net, client: 1, host: 2, minutes: 5, ack: false },
      ]),
    );
    const model = new AgentModel(OPTIONS);
    const half = Math.floor(steps.length / 2);
    for (const step of steps.slice(0, half)) run(model, step);
    const taken = model.snapshot();
    const bytes = pack(taken);
    for (const step of steps.slice(half)) run(model, step);
    expect(pack(taken)).toEqual(bytes);
  });

  test("leaseHostnames gives each table's bound leases' host names, as the agent's listener would have built them", () => {
    const { steps } = buildSteps([
      { k: 'network', action: 'create', net: 0 },
      { k: 'subnet', action: 'create', net: 0, sub: 0, variant: 0, dhcp: true },
      { k: 'lease', action: 'bind', net: 0, client: 0, host: 0, minutes: 5, ack: false },
      { k: 'lease', action: 'bind', net: 0, client: 1, host: 1, minutes: 5, ack: false },
      { k: 'lease', action: 'bind', net: 0, client: 2, host: 2, minutes: 5, ack: false },
      { k: 'lease', action: 'renew', net: 0, client: 0, host: 2, minutes: 5, ack: false },
      { k: 'lease', action: 'release', net: 0, client: 1, host: 0, minutes: 5, ack: false },
    ]);
    const model = new AgentModel(OPTIONS);
    for (const step of steps) run(model, step);
    const names = leaseHostnames(model.snapshot());
    expect([...names.keys()]).toEqual(['net-a']);
    expect([...names.get('net-a')!.values()]).toEqual(['vm-1']);
  });

  test('lease versions are stored by subject prefix and come back under their full subjects', () => {
    const model = new AgentModel(OPTIONS);
    model.applyLease('net-x', 'lh.evt.lease.net-x.198-18-0-1', 7, { type: 'LeaseReleased', ip: v4('198.18.0.1'), mac: 'aa:00:00:00:00:01', at: T0 });
    model.applyLease('net-x', 'lh.evt.lease.net-x.198-18-0-2', 9, { type: 'LeaseReleased', ip: v4('198.18.0.2'), mac: 'aa:00:00:00:00:01', at: T0 });
    const snapshot: AgentModelSnapshot = model.snapshot();
    expect(snapshot.leaseVersions).toEqual([['lh.evt.lease.net-x.', ['198-18-0-1', '198-18-0-2'], [7, 9]]]);
    const restored = new AgentModel(OPTIONS);
    restored.restore(unpack(pack(snapshot)));
    expect(restored.leaseVersion('lh.evt.lease.net-x.198-18-0-2')).toBe(9);
  });
});
