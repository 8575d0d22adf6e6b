import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { schedulerConfig } from './config.js';
import type { SchedulerEvent } from './events.js';
import { agentLoads, applyEvents, bindingTable, createProjection, initialSchedulerState, nextDeadline, replay, tick } from './state.js';
import { heartbeat, network } from './testing.js';

const config = schedulerConfig();
const T0 = 1_000_000;

describe('scheduler state fold', () => {
  it('judges an agent down from the time on later events, never from the clock', () => {
    const s = replay([heartbeat('a0', T0), heartbeat('a1', T0 + 70_000)], config);
    expect(s.agents.get('a0')?.status).toBe('alive');
    // a1's report at T0 + 80 s is the clock that shows a0 silent for longer than 75 s.
    const later = applyEvents(s, [heartbeat('a1', T0 + 80_000)], config);
    expect(later.agents.get('a0')?.status).toBe('down');
    expect(later.now).toBe(T0 + 80_000);
    expect(tick(s, T0 + 75_001, config).agents.get('a0')?.status).toBe('down');
  });

  it('restarts the alive period of an agent that reports again after a silence longer than agent_down_time', () => {
    const s = replay([heartbeat('a0', T0), heartbeat('a0', T0 + 100_000)], config);
    expect(s.agents.get('a0')?.status).toBe('alive');
    expect(s.agents.get('a0')?.context.aliveSince).toBe(T0 + 100_000);
  });

  it('tracks which subnets enable DHCP and since when the network needs an agent', () => {
    const s = replay(
      [
        ...network('n1', T0, { dhcp: false }),
        { type: 'SubnetCreated', at: T0 + 5, networkId: 'n1', subnetId: 'x', enableDhcp: true },
        { type: 'SubnetUpdated', at: T0 + 6, networkId: 'n1', subnetId: 'n1-s', enableDhcp: true },
        { type: 'SubnetDeleted', at: T0 + 7, networkId: 'n1', subnetId: 'x' },
        { type: 'SubnetUpdated', at: T0 + 8, networkId: 'n1', subnetId: 'n1-s' },
      ],
      config,
    );
    expect(s.networks.get('n1')).toMatchObject({ dhcpSubnets: ['n1-s'], dhcpSince: T0 + 5 });
    const off = applyEvents(s, [{ type: 'SubnetUpdated', at: T0 + 9, networkId: 'n1', subnetId: 'n1-s', enableDhcp: false }], config);
    expect(off.networks.get('n1')).toMatchObject({ dhcpSubnets: [], dhcpSince: null });
  });

  it('ignores a decision about a network or an agent it does not know, and lets a manual binding pin an automatic one', () => {
    const s = replay([heartbeat('a0', T0), ...network('n1', T0)], config);
    const bind = (networkId: string, agentId: string, reason: 'manual' | 'new-network'): SchedulerEvent => ({ type: 'NetworkScheduled', at: T0, networkId, agentId, reason });
    expect(bindingTable(applyEvents(s, [bind('nope', 'a0', 'manual'), bind('n1', 'ghost', 'manual')], config))).toEqual(new Map([['n1', []]]));
    const pinned = applyEvents(s, [bind('n1', 'a0', 'new-network'), bind('n1', 'a0', 'manual'), bind('n1', 'a0', 'new-network')], config);
    expect(pinned.networks.get('n1')?.bindings).toEqual([{ agentId: 'a0', reason: 'manual', at: T0 }]);
  });

  it('registers afresh an agent that reports after it was deleted', () => {
    const s = replay([heartbeat('a0', T0), { type: 'AgentDeleted', at: T0 + 1, agentId: 'a0' }], config);
    expect(s.agents.has('a0')).toBe(false);
    const back = applyEvents(s, [heartbeat('a0', T0 + 2)], config);
    expect(back.agents.get('a0')).toMatchObject({ status: 'alive', context: { aliveSince: T0 + 2 } });
  });

  it('says when the next agent will be judged down if it stays silent', () => {
    expect(nextDeadline(initialSchedulerState())).toBeNull();
    expect(nextDeadline(replay([heartbeat('a0', T0 + 10), heartbeat('a1', T0)], config))).toBe(T0 + config.agentDownTime);
  });

  it('counts every binding toward its agent load, idle agents included', () => {
    const s = replay(
      [heartbeat('a0', T0), heartbeat('a1', T0), ...network('n1', T0), { type: 'NetworkScheduled', at: T0, networkId: 'n1', agentId: 'a0', reason: 'manual' }],
      config,
    );
    expect(agentLoads(s)).toEqual(new Map([['a0', 1], ['a1', 0]]));
  });

  const eventArb: fc.Arbitrary<SchedulerEvent> = fc.oneof(
    fc.record({ a: fc.integer({ min: 0, max: 3 }), t: fc.integer({ min: 0, max: 300_000 }) }).map(({ a, t }) => heartbeat(`a${a}`, T0 + t)),
    fc.record({ n: fc.integer({ min: 0, max: 3 }), t: fc.integer({ min: 0, max: 300_000 }) }).map(({ n, t }) => network(`n${n}`, T0 + t)[1] as SchedulerEvent),
    fc.record({ n: fc.integer({ min: 0, max: 3 }), t: fc.integer({ min: 0, max: 300_000 }) }).map(({ n, t }): SchedulerEvent => ({ type: 'NetworkCreated', at: T0 + t, networkId: `n${n}`, availabilityZoneHints: [], physicalNetwork: null })),
    fc.record({ n: fc.integer({ min: 0, max: 3 }), a: fc.integer({ min: 0, max: 3 }), t: fc.integer({ min: 0, max: 300_000 }) }).map(
      ({ n, a, t }): SchedulerEvent => ({ type: 'NetworkScheduled', at: T0 + t, networkId: `n${n}`, agentId: `a${a}`, reason: 'auto-schedule', strategy: 'weight' }),
    ),
    fc.record({ a: fc.integer({ min: 0, max: 3 }), t: fc.integer({ min: 0, max: 300_000 }) }).map(({ a, t }): SchedulerEvent => ({ type: 'AgentDeleted', at: T0 + t, agentId: `a${a}` })),
    fc.integer({ min: 0, max: 300_000 }).map((t): SchedulerEvent => ({ type: 'Tick', now: T0 + t })),
  );

  test.prop([fc.array(eventArb, { maxLength: 40 }), fc.nat(40)])(
    'folding in one batch, in two batches, or one event at a time through a projection gives the same state, and leaves the input state unchanged',
    (events, cut) => {
      const whole = replay(events, config);
      const first = replay(events.slice(0, cut), config);
      const copy = structuredClone(first);
      expect(applyEvents(first, events.slice(cut), config)).toEqual(whole);
      expect(first).toEqual(copy);
      const projection = createProjection(config);
      for (const e of events) projection.apply(e);
      expect(projection.state).toEqual(whole);
    },
  );
});
