import { AgentModel } from '@leasehold/agent';
import { ReadModel } from '@leasehold/api';
import { Journal } from '@leasehold/journal';
import { startTestNats } from '@leasehold/journal/testing';
import { leaseSubject } from '@leasehold/lease-actor';
import { cidrContains, decodeEvent, encodeEvent, formatIpv4, parseIpv4 } from '@leasehold/protocol';
import { createProjection, schedulerConfig, schedulerEvent } from '@leasehold/scheduler';
import { describe, expect, test } from 'vitest';
import { DEFAULT_SHAPE, historyEvent, historyPlan, leaseClient, liveEvent, liveEventCount, networkAddresses, slotOf, writeHistory, type HistoryShape, type LiveState } from './index.js';

const endAt = Date.UTC(2026, 11, 7, 12);
const live: LiveState = {
  networkIds: Array.from({ length: DEFAULT_SHAPE.networks }, (_, n) => `net-${n}`),
  agents: DEFAULT_SHAPE.agents.map((agentId, a) => ({ agentId, networks: [`net-${a}`], load: 101 })),
};

describe('synthetic history', () => {
  test('a plan ends at its end time, in time order, with every lease renewed once per T1 and every agent heartbeating at its report interval', () => {
    const plan = historyPlan(DEFAULT_SHAPE, { events: 100_000, endAt });
    const perCycle = plan.slots.kind.length;
    expect(perCycle).toBe(5_000 + 3 * 60);
    let previous = -Infinity;
    const renewals = new Map<number, number[]>();
    const beats = new Map<number, number[]>();
    for (let i = 0; i < 2 * perCycle; i++) {
      const slot = slotOf(plan, i);
      expect(slot.at).toBeGreaterThanOrEqual(previous);
      previous = slot.at;
      const into = slot.kind === 'renewal' ? renewals : beats;
      into.set(slot.index, [...(into.get(slot.index) ?? []), slot.at]);
    }
    expect(renewals.size).toBe(5_000);
    for (const times of renewals.values()) expect(times[1]! - times[0]!).toBe(1_800_000);
    for (const times of beats.values()) {
      expect(times).toHaveLength(120);
      expect(times[1]! - times[0]!).toBe(30_000);
    }
    const last = slotOf(plan, plan.events - 1).at;
    expect(last).toBeLessThanOrEqual(endAt);
    expect(endAt - last).toBeLessThan(plan.cycleMs);
  });

  test('every address is inside 198.18.0.0/15, each lease in its network\'s dynamic pool; a shape outside the range is refused', () => {
    const range = { address: parseIpv4('198.18.0.0'), prefix: 15 };
    for (let k = 0; k < DEFAULT_SHAPE.leases; k++) {
      const client = leaseClient(DEFAULT_SHAPE, k);
      const pool = networkAddresses(DEFAULT_SHAPE, client.network).dynamicPool;
      expect(cidrContains(range, client.ip)).toBe(true);
      expect(client.ip >= parseIpv4(pool.start) && client.ip <= parseIpv4(pool.end)).toBe(true);
    }
    expect(networkAddresses(DEFAULT_SHAPE, 19).cidr).toBe('198.18.38.0/23');
    expect(() => historyPlan({ ...DEFAULT_SHAPE, base: '10.0.0.0' }, { events: 1, endAt })).toThrow(/198\.18\.0\.0\/15/);
    expect(() => historyPlan({ ...DEFAULT_SHAPE, base: '198.19.255.0' }, { events: 1, endAt })).toThrow(/198\.18\.0\.0\/15/);
  });

  test('the i-th event is the same however often it is computed, and every event survives the journal codec', () => {
    const plan = historyPlan(DEFAULT_SHAPE, { events: 10_000, endAt, idPrefix: 'abcd0123' });
    for (const i of [0, 1, 5_179, 5_180, 9_999]) {
      const event = historyEvent(plan, live, i);
      expect(historyEvent(plan, live, i)).toStrictEqual(event);
      expect(decodeEvent(encodeEvent(event.envelope))).toStrictEqual(event.envelope);
      expect(event.envelope.id).toHaveLength(36);
    }
    const renewal = historyEvent(plan, live, 0);
    expect(renewal.envelope.type).toBe('LeaseRenewed');
    const client = leaseClient(DEFAULT_SHAPE, 0);
    expect(renewal.subject).toBe(leaseSubject('net-0', client.ip));
    const ids = new Set(Array.from({ length: liveEventCount(plan) }, (_, j) => liveEvent(plan, live, j).envelope.id));
    expect(ids.size).toBe(liveEventCount(plan));
  });

  test('a written history folds, in the API, the agent and the scheduler, into the live state it was made of', async () => {
    await using nats = await startTestNats();
    const nc = await nats.connect();
    const journal = await Journal.open(nc);
    const shape: HistoryShape = { ...DEFAULT_SHAPE, networks: 3, portsPerNetwork: 4, leases: 30, agents: ['a1', 'a2'], base: '198.18.64.0' };
    const plan = historyPlan(shape, { events: 2_000, endAt: Date.now() });
    const { live: made, events } = await writeHistory(nc, journal, plan);
    expect(events).toBe(2_000);

    const api = new ReadModel();
    const agent = new AgentModel();
    const scheduler = createProjection(schedulerConfig({}));
    const total = await journal.replay('lh.evt.>', (stored) => {
      api.apply(stored);
      agent.apply(stored);
      const event = schedulerEvent(stored.event);
      if (event) scheduler.apply(event);
    });
    expect(total).toBe(2_000 + liveEventCount(plan) + 3 * 2 + 3 * (4 + 1) * 3);
    expect(api.ports.size).toBe(3 * (4 + 1));
    let bound = 0;
    for (const byIp of api.fleet.leases.values()) for (const row of byIp.values()) if (row.state === 'bound' && row.expiresAt! > Date.now()) bound++;
    expect(bound).toBe(30);
    expect([...api.fleet.agents.keys()].sort()).toStrictEqual(['a1', 'a2']);
    expect(agent.agentsOf(made.networkIds[0]!)).toStrictEqual(['a1']);
    expect(agent.agentsOf(made.networkIds[1]!)).toStrictEqual(['a2']);
    const held = agent.table(made.networkIds[0]!)!.durableState().leases.filter((l) => l.status === 'bound');
    expect(held.map((l) => formatIpv4(l.context.ip)).sort()).toStrictEqual(Array.from({ length: 10 }, (_, s) => `198.18.65.${s + 1}`).sort());
    expect(agent.refusedLeaseEvents).toBe(0);
    expect(scheduler.state.agents.size).toBe(2);
  });
});
