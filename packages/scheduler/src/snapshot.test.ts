/**
 * A scheduler restarted from a snapshot plus the events after it holds
 * exactly the state of a full fold: over random histories of every event the
 * scheduler folds, split at a random point, with the snapshot going through
 * the journal's msgpack encoding as it does at rest.
 */
import { fc, test } from '@fast-check/vitest';
import { pack, unpack } from '@leasehold/protocol';
import { describe, expect } from 'vitest';
import { schedulerConfig } from './config.js';
import type { SchedulerEvent } from './events.js';
import { readSchedulerSnapshot, schedulerFingerprint, takeSchedulerSnapshot } from './snapshot.js';
import { decide } from './decide.js';
import { createProjection, replay, type SchedulerState } from './state.js';
import { heartbeat, network } from './testing.js';

const agent = fc.integer({ min: 0, max: 4 }).map((i) => `a${i}`);
const net = fc.integer({ min: 0, max: 5 }).map((i) => `n${i}`);
const zone = fc.constantFrom('nova', 'az1');

/** One step of a history: what happens and how much later. */
const stepArb = fc.tuple(
  fc.integer({ min: 0, max: 90_000 }),
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(agent, zone, fc.subarray(['p0', 'p1', '*']))
        .map(([a, z, physnets]) => (at: number): SchedulerEvent => heartbeat(a, at, { zone: z, mappings: Object.fromEntries(physnets.map((p) => [p, 'eth1'])) })),
    },
    { weight: 1, arbitrary: fc.tuple(agent, fc.boolean()).map(([a, up]) => (at: number): SchedulerEvent => ({ type: 'AgentAdminStateChanged', at, agentId: a, adminStateUp: up })) },
    { weight: 1, arbitrary: agent.map((a) => (at: number): SchedulerEvent => ({ type: 'AgentDeleted', at, agentId: a })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(net, fc.constantFrom(null, 'p0', 'p1'))
        .map(([n, physicalNetwork]) => (at: number): SchedulerEvent => ({ type: 'NetworkCreated', at, networkId: n, availabilityZoneHints: [], physicalNetwork })),
    },
    { weight: 2, arbitrary: fc.tuple(net, fc.boolean()).map(([n, on]) => (at: number): SchedulerEvent => ({ type: 'SubnetCreated', at, networkId: n, subnetId: `${n}-s`, enableDhcp: on })) },
    { weight: 1, arbitrary: fc.tuple(net, fc.boolean()).map(([n, on]) => (at: number): SchedulerEvent => ({ type: 'SubnetUpdated', at, networkId: n, subnetId: `${n}-s`, enableDhcp: on })) },
    { weight: 1, arbitrary: net.map((n) => (at: number): SchedulerEvent => ({ type: 'NetworkDeleted', at, networkId: n })) },
    {
      weight: 3,
      arbitrary: fc.tuple(net, agent, fc.constantFrom('new-network', 'failover', 'manual', 'rebalance') as fc.Arbitrary<'new-network'>).map(
        ([n, a, reason]) => (at: number): SchedulerEvent => ({ type: 'NetworkScheduled', at, networkId: n, agentId: a, reason }),
      ),
    },
    { weight: 2, arbitrary: fc.tuple(net, agent).map(([n, a]) => (at: number): SchedulerEvent => ({ type: 'NetworkUnscheduled', at, networkId: n, agentId: a, reason: 'rebalance' })) },
  ),
);

const historyArb = fc.array(stepArb, { maxLength: 60 }).map((steps) => {
  let at = 1_700_000_000_000;
  return steps.map(([later, make]) => make((at += later)));
});

describe('scheduler snapshots', () => {
  test.prop([historyArb, fc.nat(), fc.integer({ min: 30_001, max: 120_000 }), fc.boolean()])(
    'a snapshot of the fold of a prefix, restored and folded with the rest, equals the fold of the whole history',
    (events, cut, agentDownTime, enableNewAgents) => {
      const config = schedulerConfig({ agentDownTime, enableNewAgents });
      const k = events.length === 0 ? 0 : cut % (events.length + 1);
      const first = createProjection(config);
      const versions = new Map<string, number>();
      events.slice(0, k).forEach((event, i) => {
        first.apply(event);
        if (event.type === 'NetworkScheduled') versions.set(`lh.evt.binding.${event.networkId}`, i + 1);
      });
      const stored = readSchedulerSnapshot(unpack(pack(takeSchedulerSnapshot(first.state, versions))));
      const restarted = createProjection(config, stored.state);
      for (const event of events.slice(k)) restarted.apply(event);
      expect(restarted.state).toStrictEqual(replay(events, config));
      expect(stored.bindingVersions).toStrictEqual(versions);
    },
  );

  test('a snapshot of another state version, or not a snapshot at all, is refused rather than misread', () => {
    const good = takeSchedulerSnapshot(replay([heartbeat('a0', 1)], schedulerConfig()), new Map([['lh.evt.binding.n0', 3]]));
    expect(() => readSchedulerSnapshot(unpack(pack(good)))).not.toThrow();
    expect(() => readSchedulerSnapshot({ ...good, state: { ...good.state, v: 0 } })).toThrow(/version 0/);
    expect(() => readSchedulerSnapshot({ state: { ...good.state, agents: [] }, bindingVersions: new Map() })).toThrow(/maps/);
    expect(() => readSchedulerSnapshot('a string')).toThrow();
    expect(() => readSchedulerSnapshot({ state: good.state, bindingVersions: {} })).toThrow(/bindingVersions/);
  });

  test('a snapshot taken before reachability (no physical networks, no reach) restores as "no constraint" until the next heartbeat, which brings the reach', () => {
    const config = schedulerConfig();
    const now = 1_700_000_000_000;
    const state = replay([heartbeat('a0', now, { mappings: { p0: 'eth1' } }), ...network('n0', now, { physnet: 'p1' })], config);
    // What an older build stored: the same shape without the two fields.
    const older: SchedulerState = {
      ...state,
      networks: new Map([...state.networks].map(([id, { physicalNetwork: _p, ...n }]) => [id, n as never])),
      agents: new Map([...state.agents].map(([id, a]) => [id, { ...a, context: { ...a.context, reach: undefined as never } }])),
    };
    const restored = readSchedulerSnapshot(unpack(pack(takeSchedulerSnapshot(older, new Map())))).state;
    expect(restored.networks.get('n0')?.physicalNetwork).toBeNull();
    expect(restored.agents.get('a0')?.context.reach).toBeNull();
    expect(decide(restored, now, config).map((e) => `${e.type} ${e.agentId}`)).toEqual(['NetworkScheduled a0']);
    const reported = createProjection(config, restored);
    reported.apply(heartbeat('a0', now + 1, { mappings: { p0: 'eth1' } }));
    expect(reported.state.agents.get('a0')?.context.reach).toStrictEqual({ physicalNetworks: ['p0'], relays: false });
  });

  test('the fingerprint changes with each setting the fold depends on, and only with those', () => {
    const base = schedulerConfig();
    expect(schedulerFingerprint(schedulerConfig({ agentDownTime: base.agentDownTime + 1 }))).not.toBe(schedulerFingerprint(base));
    expect(schedulerFingerprint(schedulerConfig({ enableNewAgents: !base.enableNewAgents }))).not.toBe(schedulerFingerprint(base));
    expect(schedulerFingerprint(schedulerConfig({ strategy: 'chance', agentsPerNetwork: 3 }))).toBe(schedulerFingerprint(base));
  });
});
