/**
 * The scheduler's laws over random histories: agents join, report, go silent,
 * die, change admin state, get deleted, restart with other interface
 * mappings; networks on physical networks (or none) come and go and toggle
 * DHCP; the clock jumps. After every step the runtime's loop runs: one scheduling
 * pass, its decisions folded back in (`settle`).
 */
import { fc, test } from '@fast-check/vitest';
import { reachesPhysicalNetwork } from '@leasehold/resources';
import { describe, expect } from 'vitest';
import { schedulerConfig, type SchedulerConfig, type StrategyName } from './config.js';
import { decide, settle } from './decide.js';
import type { DecisionEvent, SchedulerEvent } from './events.js';
import { unreachableNetworks } from './reachability.js';
import { minimalMoves } from './rebalance.js';
import { agentLoads, applyEvents, bindingTable, initialSchedulerState, replay, type SchedulerState } from './state.js';
import { heartbeat } from './testing.js';

const AGENTS = 6;
const NETWORKS = 10;
const ZONES = ['az0', 'az1', 'az2'];
/** Physical networks a network may be on (null: none, every agent reaches it). */
const PHYSNETS = [null, 'p0', 'p1', 'p2'] as const;
/** What an agent may map: its interface mappings and relay interfaces. */
const REACHES: readonly { mappings: Record<string, string>; relayInterfaces?: string[] }[] = [
  { mappings: {} },
  { mappings: { p0: 'eth0' } },
  { mappings: { p1: 'eth1' } },
  { mappings: { p0: 'eth0', p1: 'eth1' } },
  { mappings: { '*': 'eth9' } },
  { mappings: {}, relayInterfaces: ['uplink'] },
];

type Command =
  | { kind: 'join'; agent: number; zone: number; adminUp: boolean; reach: number }
  | { kind: 'remap'; agent: number; reach: number }
  | { kind: 'kill'; agent: number }
  | { kind: 'report'; steps: number }
  | { kind: 'jump'; ms: number }
  | { kind: 'admin'; agent: number; up: boolean }
  | { kind: 'delete'; agent: number }
  | { kind: 'create'; net: number; dhcp: boolean; hints: number[]; physnet: number }
  | { kind: 'destroy'; net: number }
  | { kind: 'dhcp'; net: number; on: boolean };

const agentIdx = fc.integer({ min: 0, max: AGENTS - 1 });
const netIdx = fc.integer({ min: 0, max: NETWORKS - 1 });

/** With `withReach`, networks get physical networks and agents mappings (and restart with others); without, every agent reaches every network. */
const reachIdx = (withReach: boolean) => (withReach ? fc.integer({ min: 0, max: REACHES.length - 1 }) : fc.constant(0));
const physnetIdx = (withReach: boolean) => (withReach ? fc.integer({ min: 0, max: PHYSNETS.length - 1 }) : fc.constant(0));

function commandArb(withHints: boolean, withReach = false): fc.Arbitrary<Command> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('join' as const), agent: agentIdx, zone: fc.integer({ min: 0, max: 2 }), adminUp: fc.boolean(), reach: reachIdx(withReach) }) },
    { weight: withReach ? 3 : 0, arbitrary: fc.record({ kind: fc.constant('remap' as const), agent: agentIdx, reach: reachIdx(withReach) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('kill' as const), agent: agentIdx }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('report' as const), steps: fc.integer({ min: 1, max: 4 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('jump' as const), ms: fc.integer({ min: 0, max: 150_000 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('admin' as const), agent: agentIdx, up: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), agent: agentIdx }) },
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('create' as const),
        net: netIdx,
        dhcp: fc.integer({ min: 0, max: 4 }).map((x) => x > 0),
        hints: withHints ? fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }) : fc.constant<number[]>([]),
        physnet: physnetIdx(withReach),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('destroy' as const), net: netIdx }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('dhcp' as const), net: netIdx, on: fc.boolean() }) },
  );
}

interface Pass {
  /** The inputs folded before the pass. */
  readonly inputs: SchedulerEvent[];
  readonly now: number;
  /** The state before the inputs. */
  readonly prior: SchedulerState;
  /** The state after the inputs, before the pass. */
  readonly before: SchedulerState;
  readonly decisions: DecisionEvent[];
  readonly after: SchedulerState;
  readonly command: Command;
}

/** Runs a history the way the runtime will: fold the step's events, decide, fold the decisions. */
function simulate(config: SchedulerConfig, commands: readonly Command[]): Pass[] {
  const running = new Set<number>();
  const zones = new Map<number, number>();
  const reaches = new Map<number, number>();
  const nets = new Set<number>();
  let now = 1_000_000;
  let state = initialSchedulerState();
  const passes: Pass[] = [];
  const step = (command: Command, inputs: SchedulerEvent[]): void => {
    const before = applyEvents(state, inputs, config);
    const { state: after, events } = settle(before, now, config);
    passes.push({ inputs, now, prior: state, before, decisions: events, after, command });
    state = after;
  };
  const beat = (a: number) => {
    const reach = REACHES[reaches.get(a) ?? 0]!;
    return heartbeat(`a${a}`, now, { zone: ZONES[zones.get(a) ?? 0], mappings: reach.mappings, ...(reach.relayInterfaces ? { relayInterfaces: reach.relayInterfaces } : {}) });
  };
  for (const c of commands) {
    switch (c.kind) {
      case 'join':
        running.add(c.agent);
        if (!state.agents.has(`a${c.agent}`)) zones.set(c.agent, c.zone);
        if (!reaches.has(c.agent)) reaches.set(c.agent, c.reach);
        step(c, [beat(c.agent), ...(c.adminUp ? [] : [{ type: 'AgentAdminStateChanged' as const, at: now, agentId: `a${c.agent}`, adminStateUp: false }])]);
        break;
      case 'remap':
        // The agent restarts with other mappings: its first heartbeat says so.
        reaches.set(c.agent, c.reach);
        running.add(c.agent);
        step(c, [beat(c.agent)]);
        break;
      case 'kill':
        running.delete(c.agent);
        break;
      case 'report':
        for (let i = 0; i < c.steps; i++) {
          now += config.reportInterval;
          step(c, [...running].sort().map((a) => beat(a)));
        }
        break;
      case 'jump':
        now += c.ms;
        step(c, [{ type: 'Tick', now }]);
        break;
      case 'admin':
        step(c, [{ type: 'AgentAdminStateChanged', at: now, agentId: `a${c.agent}`, adminStateUp: c.up }]);
        break;
      case 'delete':
        running.delete(c.agent);
        step(c, [{ type: 'AgentDeleted', at: now, agentId: `a${c.agent}` }]);
        break;
      case 'create':
        if (nets.has(c.net)) break;
        nets.add(c.net);
        step(c, [
          { type: 'NetworkCreated', at: now, networkId: `n${c.net}`, availabilityZoneHints: c.hints.map((z) => ZONES[z] as string), physicalNetwork: PHYSNETS[c.physnet] ?? null },
          { type: 'SubnetCreated', at: now, networkId: `n${c.net}`, subnetId: `s${c.net}`, enableDhcp: c.dhcp },
        ]);
        break;
      case 'destroy':
        nets.delete(c.net);
        step(c, [{ type: 'NetworkDeleted', at: now, networkId: `n${c.net}` }]);
        break;
      case 'dhcp':
        step(c, [{ type: 'SubnetUpdated', at: now, networkId: `n${c.net}`, subnetId: `s${c.net}`, enableDhcp: c.on }]);
        break;
    }
  }
  return passes;
}

const candidate = (state: SchedulerState, id: string): boolean => {
  const a = state.agents.get(id);
  return a?.status === 'alive' && a.context.adminStateUp;
};

function candidateLoads(state: SchedulerState): number[] {
  return [...agentLoads(state)].filter(([id]) => candidate(state, id)).map(([, load]) => load);
}

/** The count law of one state, after a pass. */
function expectCountLaw(state: SchedulerState, config: SchedulerConfig): void {
  for (const network of state.networks.values()) {
    expect(network.deleted).toBe(false);
    const bound = network.bindings.map((b) => b.agentId);
    expect(new Set(bound).size).toBe(bound.length);
    for (const id of bound) {
      const agent = state.agents.get(id);
      expect(agent?.status).toBe('alive');
      if (!config.enableServicesOnAgentsWithAdminStateDown) expect(agent?.context.adminStateUp).toBe(true);
    }
    if (network.dhcpSubnets.length === 0) {
      expect(bound).toEqual([]);
      continue;
    }
    // Eligible: alive admin-up agents the hints allow that reach the network, plus agents (admin-down ones) already serving it.
    const eligible = new Set(bound);
    for (const [id, a] of state.agents) {
      const hints = network.availabilityZoneHints;
      if (candidate(state, id) && (hints.length === 0 || hints.includes(a.context.availabilityZone)) && reaches(state, id, network.physicalNetwork)) eligible.add(id);
    }
    expect(bound.length).toBe(Math.min(config.agentsPerNetwork, eligible.size));
  }
}

/** The agent maps the network's physical network (resources' rule, from its last heartbeat). */
function reaches(state: SchedulerState, agentId: string, physicalNetwork: string | null): boolean {
  return reachesPhysicalNetwork(state.agents.get(agentId)?.context.reach, physicalNetwork);
}

/** The balance law: eligible agents at most one network apart. */
function expectBalanced(state: SchedulerState): void {
  const loads = candidateLoads(state);
  if (loads.length > 0) expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
}

const configArb = (strategies: StrategyName[]) =>
  fc.record({
    strategy: fc.constantFrom(...strategies),
    agentsPerNetwork: fc.integer({ min: 1, max: 3 }),
    seed: fc.integer(),
    enableServicesOnAgentsWithAdminStateDown: fc.boolean(),
  });

/** A cluster to start from (a few agents, several networks), then random commands; `withReach`: physical networks and mappings too. */
const history = (withHints: boolean, withReach = false): fc.Arbitrary<Command[]> =>
  fc
    .tuple(
      fc.uniqueArray(agentIdx, { minLength: 1, maxLength: 4 }),
      fc.uniqueArray(netIdx, { minLength: 2, maxLength: NETWORKS }),
      fc.array(commandArb(withHints, withReach), { minLength: 1, maxLength: 25 }),
      fc.integer({ min: 0, max: 2 }),
      reachIdx(withReach),
      physnetIdx(withReach),
    )
    .map(([agents, nets, commands, zone, reach, physnet]) => [
      ...agents.map((agent): Command => ({ kind: 'join', agent, zone: (agent + zone) % 3, adminUp: true, reach: withReach ? (agent + reach) % REACHES.length : 0 })),
      ...nets.map((net): Command => ({ kind: 'create', net, dhcp: true, hints: [], physnet: withReach ? (net + physnet) % PHYSNETS.length : 0 })),
      ...commands,
    ]);
const runs = { numRuns: 80 };

describe('scheduler laws', () => {
  test.prop([configArb(['weight', 'chance', 'az']), history(true, true)], runs)(
    'count law: after every pass each DHCP network has exactly min(agents_per_network, eligible) distinct agents, none down or deleted, other networks none, and deleted networks are gone',
    (partial, commands) => {
      const config = schedulerConfig(partial);
      for (const { after } of simulate(config, commands)) expectCountLaw(after, config);
    },
  );

  test.prop([configArb(['weight']), history(false)], runs)(
    'balance law: with the weight strategy and no AZ hints or manual bindings, eligible agents differ by at most one network after every pass',
    (partial, commands) => {
      const config = schedulerConfig(partial);
      for (const { after } of simulate(config, commands)) {
        const loads = candidateLoads(after);
        if (loads.length > 0) expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
      }
    },
  );

  test.prop([configArb(['weight']), history(false)], runs)(
    'minimal moves: a pass moves exactly minimalMoves(loads) networks, and a join to a fully served cluster of k agents holding T bindings moves floor(T/(k+1))',
    (partial, commands) => {
      const config = schedulerConfig(partial);
      for (const pass of simulate(config, commands)) {
        const isMove = (e: DecisionEvent) => (e.type === 'NetworkScheduled' ? e.reason === 'rebalance' : e.inputs.cause === 'rebalance');
        const moves = pass.decisions.filter((e) => isMove(e) && e.type === 'NetworkUnscheduled').length;
        const beforeMoves = applyEvents(pass.before, [{ type: 'Tick', now: pass.now }, ...pass.decisions.filter((e) => !isMove(e))], config);
        expect(moves).toBe(minimalMoves(candidateLoads(beforeMoves)));

        if (pass.command.kind !== 'join') continue;
        const joiner = `a${pass.command.agent}`;
        const prior = pass.prior;
        const wasCandidate = candidate(prior, joiner);
        const fullyServed = [...prior.networks.values()].every((n) => n.dhcpSubnets.length === 0 || n.bindings.length === config.agentsPerNetwork);
        if (wasCandidate || !candidate(pass.after, joiner) || !fullyServed) continue;
        const loads = candidateLoads(prior);
        const total = loads.reduce((a, b) => a + b, 0);
        expect(pass.decisions.filter((e) => !isMove(e))).toEqual([]);
        expect(moves).toBe(Math.floor(total / (loads.length + 1)));
      }
    },
  );

  test.prop([configArb(['weight', 'chance', 'az']), history(true, true)], runs)(
    'determinism: replaying the journaled events and ticking to the last pass gives the same state, and re-running the history gives the same decisions',
    (partial, commands) => {
      const config = schedulerConfig(partial);
      const first = simulate(config, commands);
      // Ticks are not journaled: the runtime's passes see time move, the log only through `at`.
      const log = first.flatMap((p) => [...p.inputs.filter((e) => e.type !== 'Tick'), ...p.decisions]);
      const lastPass = first.at(-1);
      const last = lastPass?.after ?? initialSchedulerState();
      const replayed = replay([...log, { type: 'Tick', now: lastPass?.now ?? 0 }], config);
      expect(bindingTable(replayed)).toEqual(bindingTable(last));
      expect(replayed).toEqual(last);
      expect(simulate(config, commands).map((p) => p.decisions)).toEqual(first.map((p) => p.decisions));
    },
  );

  test.prop([configArb(['weight', 'chance', 'az']), history(true, true)], runs)(
    'idempotence: deciding again after applying a pass decides nothing, and deciding does not change the state given',
    (partial, commands) => {
      const config = schedulerConfig(partial);
      for (const { before, after, now } of simulate(config, commands)) {
        const copy = structuredClone(before);
        decide(before, now, config);
        expect(before).toEqual(copy);
        expect(decide(after, now, config)).toEqual([]);
      }
    },
  );

  const staleWrite = fc.record({ net: netIdx, agent: agentIdx, add: fc.boolean() });

  test.prop([configArb(['weight']), history(false), fc.array(staleWrite, { maxLength: 15 })], runs)(
    'one pass repairs whatever a stale scheduler instance appended: extra, missing or misplaced automatic bindings',
    (partial, commands, writes) => {
      const config = schedulerConfig(partial);
      const last = simulate(config, commands).at(-1);
      if (!last) return;
      const stale: SchedulerEvent[] = writes.map(({ net, agent, add }) =>
        add
          ? { type: 'NetworkScheduled', at: last.now, networkId: `n${net}`, agentId: `a${agent}`, reason: 'auto-schedule', strategy: 'weight' }
          : { type: 'NetworkUnscheduled', at: last.now, networkId: `n${net}`, agentId: `a${agent}`, reason: 'rebalance' },
      );
      const { state } = settle(applyEvents(last.after, stale, config), last.now, config);
      expectCountLaw(state, config);
      expectBalanced(state);
      expect(decide(state, last.now, config)).toEqual([]);
    },
  );

  test.prop([fc.integer({ min: 1, max: 3 }), history(false)], runs)(
    'without automatic failover a down agent keeps its bindings until its network is deleted or stops needing DHCP (or the agent no longer reaches it)',
    (agentsPerNetwork, commands) => {
      const config = schedulerConfig({ agentsPerNetwork, allowAutomaticDhcpFailover: false });
      for (const { before, decisions, now } of simulate(config, commands)) {
        const ticked = applyEvents(before, [{ type: 'Tick', now }], config);
        for (const e of decisions) {
          if (e.type !== 'NetworkUnscheduled') continue;
          const status = ticked.agents.get(e.agentId)?.status;
          if (status !== undefined && status !== 'alive') expect(['dhcp-disabled', 'network-deleted', 'unreachable']).toContain(e.reason);
        }
      }
    },
  );

  const failoverArb = fc.boolean();

  test.prop([configArb(['weight', 'chance', 'az']), failoverArb, history(true, true)], runs)(
    'reachability: no network is ever bound to an agent that does not map its physical network, and an agent restarted with other mappings loses in that pass exactly the networks it no longer reaches',
    (partial, allowAutomaticDhcpFailover, commands) => {
      const config = schedulerConfig({ ...partial, allowAutomaticDhcpFailover });
      for (const { command, before, decisions, after } of simulate(config, commands)) {
        for (const network of after.networks.values()) {
          for (const b of network.bindings) expect(reaches(after, b.agentId, network.physicalNetwork)).toBe(true);
        }
        if (command.kind !== 'remap') continue;
        const agentId = `a${command.agent}`;
        const lost = [...before.networks.values()]
          .filter((n) => !n.deleted && n.bindings.some((b) => b.agentId === agentId) && !reaches(before, agentId, n.physicalNetwork))
          .map((n) => n.id)
          .sort();
        const unreachable = decisions.filter((e) => e.type === 'NetworkUnscheduled' && e.agentId === agentId && e.reason === 'unreachable').map((e) => e.networkId);
        expect(unreachable.sort()).toEqual(lost);
      }
    },
  );

  test.prop([configArb(['weight', 'chance', 'az']), history(true, true)], runs)(
    'a network with a physical network no live agent maps is reported unreachable and bound nowhere, and no other network is reported',
    (partial, commands) => {
      const config = schedulerConfig(partial);
      for (const { after, now } of simulate(config, commands)) {
        const alive = [...after.agents].filter(([, a]) => a.status === 'alive').map(([id]) => id);
        const expected = [...after.networks.values()]
          .filter((n) => n.dhcpSubnets.length > 0 && n.physicalNetwork !== null && !alive.some((id) => reaches(after, id, n.physicalNetwork)))
          .map((n) => n.id)
          .sort();
        expect(unreachableNetworks(after, now).map((n) => n.networkId)).toEqual(expected);
        for (const id of expected) expect(after.networks.get(id)?.bindings).toEqual([]);
      }
    },
  );
});
