import { describe, expect, it } from 'vitest';
import { schedulerConfig, type SchedulerConfig } from './config.js';
import { decide, settle } from './decide.js';
import type { DecisionEvent, ScheduleDecision, SchedulerEvent } from './events.js';
import { agentLoads, applyEvents, bindingTable, replay, type SchedulerState } from './state.js';
import { heartbeat, network } from './testing.js';

const T0 = 1_000_000;

/** Folds the events, then runs one scheduling pass at the last event's time. */
function pass(config: SchedulerConfig, state: SchedulerState, events: SchedulerEvent[], now: number) {
  return settle(applyEvents(state, events, config), now, config);
}

function scheduledOf(events: readonly DecisionEvent[]): ScheduleDecision[] {
  return events.filter((e): e is ScheduleDecision => e.type === 'NetworkScheduled');
}

function agents(n: number, at: number, zone = (i: number) => 'nova'): SchedulerEvent[] {
  return Array.from({ length: n }, (_, i) => heartbeat(`a${i}`, at, { zone: zone(i) }));
}

describe('decide', () => {
  const weight = schedulerConfig({ strategy: 'weight' });

  it('schedules a new DHCP network at once on the least loaded agent, saying why', () => {
    const base = pass(weight, replay([], weight), [...agents(2, T0), ...network('n1', T0)], T0).state;
    const { events } = pass(weight, base, network('n2', T0 + 10), T0 + 10);
    expect(events).toHaveLength(1);
    const [e] = scheduledOf(events);
    expect(e).toMatchObject({ networkId: 'n2', agentId: 'a1', reason: 'new-network', strategy: 'weight', at: T0 + 10 });
    expect(e?.inputs).toEqual({
      wanted: 1,
      bound: [],
      candidates: [
        { agentId: 'a1', availabilityZone: 'nova', load: 0 },
        { agentId: 'a0', availabilityZone: 'nova', load: 1 },
      ],
      candidateCount: 2,
      availabilityZoneHints: [],
    });
  });

  it('leaves a network without a DHCP-enabled subnet unscheduled', () => {
    const { events } = pass(weight, replay([], weight), [...agents(1, T0), ...network('n1', T0, { dhcp: false })], T0);
    expect(events).toEqual([]);
  });

  it('gives networks created while no agent was alive to the first agent that joins, as auto-schedule', () => {
    const waiting = pass(weight, replay([], weight), [...network('n1', T0), ...network('n2', T0)], T0);
    expect(waiting.events).toEqual([]);
    const { events } = pass(weight, waiting.state, [heartbeat('a0', T0 + 5000)], T0 + 5000);
    expect(scheduledOf(events).map((e) => [e.networkId, e.agentId, e.reason])).toEqual([
      ['n1', 'a0', 'auto-schedule'],
      ['n2', 'a0', 'auto-schedule'],
    ]);
  });

  it('binds agents_per_network distinct agents, or every eligible agent when there are fewer', () => {
    const three = schedulerConfig({ agentsPerNetwork: 3 });
    const { state } = pass(three, replay([], three), [...agents(2, T0), ...network('n1', T0)], T0);
    expect(bindingTable(state).get('n1')).toEqual(['a0', 'a1']);
    const more = pass(three, state, [heartbeat('a2', T0 + 1), heartbeat('a3', T0 + 1)], T0 + 1);
    expect(bindingTable(more.state).get('n1')).toEqual(['a0', 'a1', 'a2']);
    expect(scheduledOf(more.events)[0]?.reason).toBe('auto-schedule');
  });

  it('moves the networks of an agent silent for longer than agent_down_time to alive agents, naming the agent replaced', () => {
    let s = pass(weight, replay([], weight), [...agents(2, T0), ...network('n1', T0), ...network('n2', T0)], T0).state;
    const victim = bindingTable(s).get('n1')?.[0] as string;
    const survivor = victim === 'a0' ? 'a1' : 'a0';
    // The survivor keeps reporting; the victim goes silent.
    s = pass(weight, s, [heartbeat(survivor, T0 + 30_000), heartbeat(survivor, T0 + 60_000)], T0 + 60_000).state;
    expect(pass(weight, s, [], T0 + weight.agentDownTime).events).toEqual([]);
    const { events, state } = pass(weight, s, [heartbeat(survivor, T0 + 90_000)], T0 + 90_000);
    expect(events[0]).toMatchObject({
      type: 'NetworkUnscheduled',
      networkId: 'n1',
      agentId: victim,
      reason: 'agent-down',
      inputs: { cause: 'agent-down', lastHeartbeatAt: T0, agentDownTime: weight.agentDownTime },
    });
    expect(events[1]).toMatchObject({ type: 'NetworkScheduled', networkId: 'n1', agentId: survivor, reason: 'failover', inputs: { replaces: victim } });
    expect(bindingTable(state)).toEqual(new Map([['n1', [survivor]], ['n2', [survivor]]]));
    expect(state.agents.get(victim)?.status).toBe('down');
  });

  it('keeps the bindings of a down agent when allow_automatic_dhcp_failover is off', () => {
    const noFailover = schedulerConfig({ allowAutomaticDhcpFailover: false });
    const s = pass(noFailover, replay([], noFailover), [...agents(1, T0), ...network('n1', T0)], T0).state;
    const { events, state } = pass(noFailover, s, [heartbeat('a9', T0 + 200_000)], T0 + 200_000);
    expect(state.agents.get('a0')?.status).toBe('down');
    expect(events).toEqual([]);
    expect(bindingTable(state).get('n1')).toEqual(['a0']);
  });

  it('lets an admin-down agent keep its networks but gives it no new ones', () => {
    let s = pass(weight, replay([], weight), [...agents(1, T0), ...network('n1', T0)], T0).state;
    s = pass(weight, s, [{ type: 'AgentAdminStateChanged', at: T0 + 1, agentId: 'a0', adminStateUp: false }, heartbeat('a1', T0 + 1)], T0 + 1).state;
    expect(bindingTable(s).get('n1')).toEqual(['a0']);
    const { state } = pass(weight, s, network('n2', T0 + 2), T0 + 2);
    expect(bindingTable(state).get('n2')).toEqual(['a1']);
  });

  it('moves networks off an admin-down agent when enable_services_on_agents_with_admin_state_down is off', () => {
    const strict = schedulerConfig({ enableServicesOnAgentsWithAdminStateDown: false });
    const s = pass(strict, replay([], strict), [...agents(2, T0), ...network('n1', T0)], T0).state;
    const { events, state } = pass(strict, s, [{ type: 'AgentAdminStateChanged', at: T0 + 1, agentId: 'a0', adminStateUp: false }], T0 + 1);
    expect(events.map((e) => [e.type, e.agentId, e.reason, e.type === 'NetworkScheduled' ? e.inputs.replaces : e.inputs.cause])).toEqual([
      ['NetworkUnscheduled', 'a0', 'agent-down', 'admin-down'],
      ['NetworkScheduled', 'a1', 'failover', 'a0'],
    ]);
    expect(bindingTable(state).get('n1')).toEqual(['a1']);
  });

  it('unschedules a network whose last DHCP subnet is disabled, and keeps manual bindings', () => {
    const two = schedulerConfig({ agentsPerNetwork: 2 });
    let s = pass(two, replay([], two), [...agents(3, T0), ...network('n1', T0)], T0).state;
    s = pass(two, s, [{ type: 'NetworkScheduled', at: T0 + 1, networkId: 'n1', agentId: 'a2', reason: 'manual', strategy: 'manual' }], T0 + 1).state;
    const { events, state } = pass(two, s, [{ type: 'SubnetUpdated', at: T0 + 2, networkId: 'n1', subnetId: 'n1-s', enableDhcp: false }], T0 + 2);
    expect(events.every((e) => e.type === 'NetworkUnscheduled' && e.reason === 'dhcp-disabled')).toBe(true);
    expect(bindingTable(state).get('n1')).toEqual(['a2']);
  });

  it('never binds a network again to an agent an operator took it off (Neutron\'s remove network --dhcp), but may bind another; a manual add undoes it', () => {
    const one = schedulerConfig({ agentsPerNetwork: 1 });
    let s = pass(one, replay([], one), [...agents(1, T0), ...network('n1', T0)], T0).state;
    expect(bindingTable(s).get('n1')).toEqual(['a0']);
    const remove: SchedulerEvent = { type: 'NetworkUnscheduled', at: T0 + 1, networkId: 'n1', agentId: 'a0', reason: 'manual' };
    s = pass(one, s, [remove], T0 + 1).state;
    // Alone, the agent stays off it, pass after pass, heartbeat after heartbeat.
    for (const at of [T0 + 2, T0 + 30_000, T0 + 60_000]) {
      const next = pass(one, s, [heartbeat('a0', at)], at);
      expect(next.events).toEqual([]);
      s = next.state;
    }
    expect(bindingTable(s).get('n1') ?? []).toEqual([]);
    // Another agent may serve it.
    const joined = pass(one, s, [heartbeat('a1', T0 + 60_001)], T0 + 60_001);
    expect(scheduledOf(joined.events).map((e) => [e.networkId, e.agentId])).toEqual([['n1', 'a1']]);
    // A manual add brings a0 back, and after that the scheduler may pick it again on its own.
    const add: SchedulerEvent = { type: 'NetworkScheduled', at: T0 + 60_002, networkId: 'n1', agentId: 'a0', reason: 'manual', strategy: 'manual' };
    s = pass(one, joined.state, [add], T0 + 60_002).state;
    expect(bindingTable(s).get('n1')).toContain('a0');
    expect(s.networks.get('n1')?.removedByHand).toEqual([]);
  });

  it('never moves a manual binding to rebalance, but fails it over when its agent dies', () => {
    let s = pass(weight, replay([], weight), agents(1, T0), T0).state;
    const nets = Array.from({ length: 4 }, (_, i) => network(`n${i}`, T0)).flat();
    s = pass(weight, s, nets, T0).state;
    const pins: SchedulerEvent[] = ['n0', 'n1', 'n2', 'n3'].map((id) => ({ type: 'NetworkScheduled', at: T0, networkId: id, agentId: 'a0', reason: 'manual', strategy: 'manual' }));
    s = pass(weight, s, pins, T0).state;
    const joined = pass(weight, s, [heartbeat('a1', T0 + 1)], T0 + 1);
    expect(joined.events).toEqual([]);
    expect(agentLoads(joined.state)).toEqual(new Map([['a0', 4], ['a1', 0]]));
    const dead = pass(weight, joined.state, [heartbeat('a1', T0 + 80_000)], T0 + 80_000);
    expect(dead.events.filter((e) => e.type === 'NetworkUnscheduled').map((e) => e.reason)).toEqual(['agent-down', 'agent-down', 'agent-down', 'agent-down']);
    expect(agentLoads(dead.state).get('a1')).toBe(4);
  });

  it('rebalances when an agent joins: N networks on k balanced agents cost floor(N/(k+1)) moves, each made before it is broken', () => {
    for (const [n, k] of [[10, 2], [7, 3], [100, 4], [2, 3]] as const) {
      const nets = Array.from({ length: n }, (_, i) => network(`n${String(i).padStart(3, '0')}`, T0)).flat();
      const before = pass(weight, replay([], weight), [...agents(k, T0), ...nets], T0).state;
      const loads = [...agentLoads(before).values()];
      expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
      const { events, state } = pass(weight, before, [heartbeat('new', T0 + 1)], T0 + 1);
      const moves = Math.floor(n / (k + 1));
      expect(events).toHaveLength(2 * moves);
      for (let i = 0; i < moves; i++) {
        expect(events[2 * i]).toMatchObject({ type: 'NetworkScheduled', agentId: 'new', reason: 'rebalance' });
        expect(events[2 * i + 1]).toMatchObject({ type: 'NetworkUnscheduled', networkId: events[2 * i]?.networkId, reason: 'rebalance' });
      }
      const after = [...agentLoads(state).values()];
      expect(Math.max(...after) - Math.min(...after)).toBeLessThanOrEqual(1);
    }
  });

  it('unschedules the bindings of a deleted agent and of a deleted network explicitly, so each binding subject tells its story', () => {
    const two = schedulerConfig({ agentsPerNetwork: 2 });
    let s = pass(two, replay([], two), [...agents(3, T0), ...network('n1', T0), ...network('n2', T0)], T0).state;
    const gone = bindingTable(s).get('n1')?.[0] as string;
    const afterDelete = pass(two, s, [{ type: 'AgentDeleted', at: T0 + 1, agentId: gone }], T0 + 1);
    const n1 = afterDelete.events.filter((e) => e.networkId === 'n1');
    expect(n1.map((e) => [e.type, e.reason])).toEqual([
      ['NetworkUnscheduled', 'agent-deleted'],
      ['NetworkScheduled', 'failover'],
    ]);
    s = afterDelete.state;
    expect(bindingTable(s).get('n1')).not.toContain(gone);
    const { events, state } = pass(two, s, [{ type: 'NetworkDeleted', at: T0 + 2, networkId: 'n2' }], T0 + 2);
    expect(events.map((e) => [e.networkId, e.type, e.reason])).toEqual([
      ['n2', 'NetworkUnscheduled', 'network-deleted'],
      ['n2', 'NetworkUnscheduled', 'network-deleted'],
    ]);
    expect(state.networks.has('n2')).toBe(false);
  });

  it('removes the extra automatic binding a half-done move left behind', () => {
    let s = pass(weight, replay([], weight), [...agents(2, T0), ...network('n1', T0), ...network('n2', T0), ...network('n3', T0)], T0).state;
    const on = bindingTable(s);
    const busy = on.get('n1')?.[0] === on.get('n3')?.[0] ? (on.get('n1')?.[0] as string) : (on.get('n2')?.[0] as string);
    const other = busy === 'a0' ? 'a1' : 'a0';
    const owned = [...on].find(([, a]) => a[0] === busy)?.[0] as string;
    // The runtime appended the NetworkScheduled of a move and crashed before the NetworkUnscheduled.
    s = applyEvents(s, [{ type: 'NetworkScheduled', at: T0 + 1, networkId: owned, agentId: other, reason: 'rebalance', strategy: 'weight' }], weight);
    const { events, state } = settle(s, T0 + 1, weight);
    expect(events.filter((e) => e.type === 'NetworkUnscheduled').map((e) => e.inputs)).toContainEqual({ cause: 'excess' });
    expect(bindingTable(state).get(owned)).toHaveLength(1);
  });

  it('honours availability_zone_hints and spreads a network over zones with the az strategy', () => {
    const az = schedulerConfig({ strategy: 'az', agentsPerNetwork: 2 });
    const zoned = agents(6, T0, (i) => `az${i % 3}`);
    const { state } = pass(az, replay([], az), [...zoned, ...network('spread', T0), ...network('hinted', T0, { hints: ['az1'] })], T0);
    const zoneOf = (a: string) => state.agents.get(a)?.context.availabilityZone;
    expect(new Set(bindingTable(state).get('spread')?.map(zoneOf)).size).toBe(2);
    expect(bindingTable(state).get('hinted')?.map(zoneOf)).toEqual(['az1', 'az1']);
  });

  it('returns nothing when its own decisions have been applied', () => {
    const chance = schedulerConfig({ strategy: 'chance', agentsPerNetwork: 2, seed: 7 });
    const s = applyEvents(replay([], chance), [...agents(4, T0), ...network('n1', T0), ...network('n2', T0)], chance);
    const first = decide(s, T0, chance);
    expect(first.length).toBeGreaterThan(0);
    expect(decide(applyEvents(s, first, chance), T0, chance)).toEqual([]);
  });
});
