import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { pack, parseIpv4 as v4, unpack } from '@leasehold/protocol';
import { LeaseConfigError, LeaseTableSnapshotError } from './errors.js';
import type { ClientRef, LeaseEvent } from './events.js';
import type { PoolRange } from './pools.js';
import { LeaseTable } from './table.js';
import { LEASE_TABLE_SNAPSHOT_V, restoreTable, snapshotHostnames, tableSnapshot } from './table-snapshot.js';
import type { LeaseTableConfig } from './table-types.js';
import { boundEvent, leaseEventArb } from './testing/arbitraries.js';

const PORT: ClientRef = { mac: 'fa:16:3e:00:00:01' };
const CLIENTS: ClientRef[] = [{ mac: 'aa:00:00:00:00:01' }, { mac: 'aa:00:00:00:00:02', clientId: '01aa0000000002' }, { mac: 'aa:00:00:00:00:03' }, PORT];
const IPS = [10, 11, 12, 13, 14].map((n) => v4(`198.18.0.${n}`)).concat([v4('198.18.1.10'), v4('198.18.1.11')]);
/** What `setPools` may be given: the starting pool, two subnets, none (static mode). */
const POOLS: PoolRange[][] = [
  [{ first: v4('198.18.0.10'), last: v4('198.18.0.14'), subnetId: 'a' }],
  [
    { first: v4('198.18.0.10'), last: v4('198.18.0.12'), subnetId: 'a' },
    { first: v4('198.18.1.10'), last: v4('198.18.1.11'), subnetId: 'b' },
  ],
  [],
];
const config: LeaseTableConfig = {
  networkId: 'net-1',
  pools: POOLS[0]!,
  excluded: [v4('198.18.0.10')],
  fixed: [{ mac: PORT.mac, ip: v4('198.18.0.14') }],
  offerTtlMs: 10,
  declineQuarantineMs: 50,
  offerReclaimMs: 5,
};

/** What a fold does to a table: journaled events and ticks, and the configuration changes that follow subnets and ports. */
type Step =
  | { kind: 'event'; event: LeaseEvent }
  | { kind: 'pools'; ranges: PoolRange[] }
  | { kind: 'fix'; mac: string; ip: number }
  | { kind: 'unfix'; mac: string };
/**
 * A step as generated. `sweep` becomes the LeaseExpired events the table lists
 * at `now`; `holder` becomes a renewal, release or decline by whoever holds the
 * address then (random events from random clients are mostly refused).
 */
type Op = Step | { kind: 'sweep'; now: number } | { kind: 'holder'; action: 'renew' | 'release' | 'decline'; ip: number; at: number; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: leaseEventArb({ ips: IPS, clients: CLIENTS, stray: v4('198.18.2.1'), journaledOnly: true }).map((event) => ({ kind: 'event' as const, event })) },
  { weight: 2, arbitrary: fc.nat(400).map((now) => ({ kind: 'sweep' as const, now })) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('holder' as const),
      action: fc.constantFrom('renew' as const, 'release' as const, 'decline' as const),
      ip: fc.constantFrom(...IPS),
      at: fc.nat(300),
      ms: fc.integer({ min: 8, max: 120 }),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom(...POOLS).map((ranges) => ({ kind: 'pools' as const, ranges })) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fix' as const), mac: fc.constantFrom(...CLIENTS.map((c) => c.mac)), ip: fc.constantFrom(...IPS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unfix' as const), mac: fc.constantFrom(...CLIENTS.map((c) => c.mac)) }) },
);

function applyStep(table: LeaseTable, step: Step): void {
  if (step.kind === 'event') table.apply(step.event);
  else if (step.kind === 'pools') table.setPools(step.ranges);
  else if (step.kind === 'fix') table.setFixed(step.mac, step.ip);
  else table.removeFixed(step.mac);
}

/** The ops as a fixed list of steps: sweeps expanded into their expiries, fixed addresses another MAC owns dropped. */
function materialize(ops: readonly Op[]): Step[] {
  const table = new LeaseTable(config);
  const steps: Step[] = [];
  for (const op of ops) {
    if (op.kind === 'sweep') {
      for (const event of table.expired(op.now)) {
        table.apply(event);
        steps.push({ kind: 'event', event });
      }
      continue;
    }
    if (op.kind === 'holder') {
      const client = table.lease(op.ip, op.at)?.client;
      if (!client) continue;
      const event: LeaseEvent =
        op.action === 'renew'
          ? { ...boundEvent(op.ip, client, op.at, op.ms), type: 'LeaseRenewed' }
          : op.action === 'release'
            ? { type: 'LeaseReleased', ip: op.ip, ...client, at: op.at }
            : table.declineEvent(client, op.ip, op.at);
      table.apply(event);
      steps.push({ kind: 'event', event });
      continue;
    }
    try {
      applyStep(table, op);
    } catch (error) {
      if (error instanceof LeaseConfigError) continue;
      throw error;
    }
    steps.push(op);
  }
  return steps;
}

const fold = (steps: readonly Step[]): LeaseTable => {
  const table = new LeaseTable(config);
  for (const step of steps) applyStep(table, step);
  return table;
};

/** Packs and unpacks, as a snapshot store does. */
const roundTrip = (table: LeaseTable): LeaseTable => restoreTable(unpack(pack(tableSnapshot(table))));

/** What is asked of a table after the fold: DISCOVERs (offers), REQUESTs binding what was offered, expiry sweeps. */
type Probe =
  | { kind: 'offer'; c: number; requested: number | undefined; subnet: 'a' | 'b' | undefined; dt: number }
  | { kind: 'bind'; c: number; dt: number }
  | { kind: 'sweep'; dt: number };
const probeArb: fc.Arbitrary<Probe> = fc.oneof(
  fc.record({
    kind: fc.constant('offer' as const),
    c: fc.nat(CLIENTS.length),
    requested: fc.option(fc.constantFrom(...IPS), { nil: undefined }),
    subnet: fc.constantFrom(undefined, 'a' as const, 'b' as const),
    dt: fc.nat(20),
  }),
  fc.record({ kind: fc.constant('bind' as const), c: fc.nat(CLIENTS.length), dt: fc.nat(20) }),
  fc.record({ kind: fc.constant('sweep' as const), dt: fc.nat(150) }),
);

/** Asks both tables the same things and expects the same answers (`c` = CLIENTS.length is a new client every time). */
function expectSameAnswers(restored: LeaseTable, full: LeaseTable, probes: readonly Probe[], start: number): void {
  let now = start;
  const offered = new Map<number, number>();
  probes.forEach((probe, i) => {
    now += probe.dt;
    const client = probe.kind === 'sweep' ? undefined : (CLIENTS[probe.c] ?? { mac: `ee:00:00:00:00:${i.toString(16).padStart(2, '0')}` });
    if (probe.kind === 'offer') {
      const request = { ...client!, now, ...(probe.requested !== undefined ? { requestedIp: probe.requested } : {}), ...(probe.subnet ? { subnetId: probe.subnet } : {}) };
      const answer = restored.offer(request);
      expect(answer).toEqual(full.offer(request));
      if (answer.allocation.ok) offered.set(probe.c, answer.allocation.ip);
    } else if (probe.kind === 'bind') {
      const ip = offered.get(probe.c);
      if (ip === undefined) return;
      const event = boundEvent(ip, client!, now, 100);
      const refused = restored.check(event);
      expect(refused).toEqual(full.check(event));
      if (!refused) expect(restored.apply(event)).toEqual(full.apply(event));
    } else {
      const due = restored.expired(now);
      expect(due).toEqual(full.expired(now));
      for (const event of due) expect(restored.apply(event)).toEqual(full.apply(event));
    }
    expect(restored.freeCount()).toBe(full.freeCount());
  });
  expect(restored.durableState()).toEqual(full.durableState());
}

describe('lease table snapshots', () => {
  test.prop([fc.array(opArb, { maxLength: 80, size: 'max' }), fc.nat(), fc.array(probeArb, { maxLength: 25, size: 'max' }), fc.nat(400)], { numRuns: 500 })(
    'a table restored from a packed snapshot of the fold of the first k steps, then folded with the rest, is the fold of every step: same durable state, configuration and answers to every later request',
    (ops, split, probes, start) => {
      const steps = materialize(ops);
      const k = split % (steps.length + 1);
      const restored = roundTrip(fold(steps.slice(0, k)));
      for (const step of steps.slice(k)) applyStep(restored, step);
      const full = fold(steps);
      expect(restored.durableState()).toEqual(full.durableState());
      expect(restored.configuration()).toEqual(full.configuration());
      // The fold points an index entry only at that client's own lease: every entry fits in the bits.
      const { clients, macs } = tableSnapshot(full);
      expect([clients, macs]).toEqual([[], []]);
      expectSameAnswers(restored, full, probes, start);
    },
  );

  test('a snapshot leaves outstanding offers out: the restored table is the fold of the journal', () => {
    const table = new LeaseTable(config);
    const { allocation } = table.offer({ ...CLIENTS[0]!, now: 0 });
    expect(allocation.ok).toBe(true);
    const snapshot = tableSnapshot(table);
    expect(snapshot.leases).toEqual([]);
    expect(roundTrip(table).allocate({ ...CLIENTS[1]!, now: 1, requestedIp: (allocation as { ip: number }).ip })).toMatchObject({ ok: true, source: 'requested' });
  });

  test('a bound lease, its client indexes and its expiry survive the round trip', () => {
    const table = new LeaseTable(config);
    const ip = v4('198.18.0.12');
    table.apply({ ...boundEvent(ip, CLIENTS[1]!, 0, 100), hostname: 'vm-1' });
    const restored = roundTrip(table);
    expect(restored.leaseOf(CLIENTS[1]!, 10)).toMatchObject({ ip, hostname: 'vm-1', status: 'bound' });
    expect(restored.allocate({ ...CLIENTS[1]!, now: 10 })).toEqual({ ok: true, ip, source: 'current' });
    expect(restored.expired(100)).toEqual([{ type: 'LeaseExpired', ip, at: 100, expiresAt: 100 }]);
  });

  test("the client and MAC indexes travel as two bits on their leases, and an entry naming another client's lease as itself", () => {
    const table = new LeaseTable(config);
    const [a, b] = [CLIENTS[0]!, CLIENTS[1]!];
    table.apply(boundEvent(v4('198.18.0.11'), a, 0, 100));
    table.apply({ ...boundEvent(v4('198.18.0.12'), b, 0, 100), hostname: 'vm-2' });
    table.apply({ type: 'LeaseReleased', ip: v4('198.18.0.11'), ...a, at: 1 });
    const snapshot = tableSnapshot(table);
    expect(snapshot.leases).toEqual([
      [v4('198.18.0.11'), 1, a.mac, null, null, null, null, null, null, 1, null, 3],
      [v4('198.18.0.12'), 0, b.mac, b.clientId, 'vm-2', 0, 50, 87.5, 100, 0, null, 3],
    ]);
    expect([snapshot.clients, snapshot.macs]).toEqual([[], []]);
    expect(snapshotHostnames(snapshot)).toEqual(new Map([[v4('198.18.0.12'), 'vm-2']]));
    const [first, second] = snapshot.leases;
    const odd = restoreTable({ ...snapshot, leases: [first!.with(11, 0), second], clients: [['mac:aa:00:00:00:00:01', v4('198.18.0.12')]] });
    expect(odd.durableState().clients).toEqual([
      ['id:01aa0000000002', v4('198.18.0.12')],
      ['mac:aa:00:00:00:00:01', v4('198.18.0.12')],
    ]);
    expect(odd.durableState().macs).toEqual([['aa:00:00:00:00:02', v4('198.18.0.12')]]);
  });

  test('a snapshot of another schema version, or of another shape, is refused with a typed error', () => {
    const snapshot = tableSnapshot(new LeaseTable(config));
    expect(() => restoreTable({ ...snapshot, v: LEASE_TABLE_SNAPSHOT_V + 1 })).toThrow(LeaseTableSnapshotError);
    const lease = [v4('198.18.0.11'), 1, 'aa:00:00:00:00:01', null, null, null, null, null, null, 1, null, 3];
    expect(restoreTable({ ...snapshot, leases: [lease] }).durableState().leases).toHaveLength(1);
    expect(() => restoreTable({ ...snapshot, leases: [lease.with(1, 4)] })).toThrow(/lease 0 is not a lease tuple/);
    expect(() => restoreTable({ ...snapshot, leases: [lease.with(2, null)] })).toThrow(/lease 0 is not a lease tuple/);
    expect(() => restoreTable({ ...snapshot, leases: [lease.slice(1)] })).toThrow(/lease 0 is not a lease tuple/);
    expect(() => restoreTable({ ...snapshot, macs: [['aa', -1]] })).toThrow(/macs entry 0/);
    expect(() => restoreTable({ ...snapshot, pools: [{ first: 5, last: 1 }] })).toThrow(LeaseTableSnapshotError);
    expect(() => restoreTable([])).toThrow(/not a map/);
  });
});
