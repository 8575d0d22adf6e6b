/**
 * Scheduling by reachability, one rule per scenario: only agents that map a
 * network's physical network are candidates (Neutron's
 * `_filter_agents_with_network_access`), a network none maps is reported
 * and bound nowhere, and a mapping change reschedules.
 */
import { describe, expect, it } from 'vitest';
import { schedulerConfig, type SchedulerConfig } from './config.js';
import { settle } from './decide.js';
import type { DecisionEvent, SchedulerEvent } from './events.js';
import { liveAgentIds, unreachableNetworks } from './reachability.js';
import { applyEvents, bindingTable, replay, type SchedulerState } from './state.js';
import { heartbeat, network } from './testing.js';

const T0 = 1_000_000;
const weight = schedulerConfig({ strategy: 'weight' });

function pass(config: SchedulerConfig, state: SchedulerState, events: SchedulerEvent[], now: number) {
  return settle(applyEvents(state, events, config), now, config);
}

const brief = (events: readonly DecisionEvent[]) => events.map((e) => `${e.type === 'NetworkScheduled' ? '+' : '-'}${e.networkId}@${e.agentId} ${e.reason}`);

describe('scheduling respects reachability', () => {
  it('binds a network only to an agent that maps its physical network, even when another is less loaded', () => {
    const { state, events } = pass(
      weight,
      replay([], weight),
      [heartbeat('a0', T0, { mappings: { physA: 'eth1' } }), heartbeat('a1', T0, { mappings: { physB: 'eth1' } }), ...network('nA1', T0, { physnet: 'physA' }), ...network('nA2', T0, { physnet: 'physA' }), ...network('nB', T0, { physnet: 'physB' })],
      T0,
    );
    expect(brief(events)).toEqual(['+nA1@a0 new-network', '+nA2@a0 new-network', '+nB@a1 new-network']);
    expect(events[1]).toMatchObject({ inputs: { candidateCount: 1, candidates: [{ agentId: 'a0', load: 1 }] } });
    // a1 holds one network fewer, but cannot take one of a0's: no rebalance move.
    expect(bindingTable(state)).toEqual(new Map([['nA1', ['a0']], ['nA2', ['a0']], ['nB', ['a1']]]));
  });

  it('counts a * mapping and relay interfaces as reaching every physical network, and a network without one as reached by any agent', () => {
    const config = schedulerConfig({ agentsPerNetwork: 3 });
    const { state } = pass(
      config,
      replay([], config),
      [
        heartbeat('any', T0, { mappings: { '*': 'eth9' } }),
        heartbeat('relay', T0, { relayInterfaces: ['uplink'] }),
        heartbeat('other', T0, { mappings: { physB: 'eth1' } }),
        ...network('nA', T0, { physnet: 'physA' }),
        ...network('flat', T0, { physnet: null }),
      ],
      T0,
    );
    expect(bindingTable(state)).toEqual(new Map([['flat', ['any', 'other', 'relay']], ['nA', ['any', 'relay']]]));
  });

  it('reports a network no live agent maps, binds it nowhere, and binds it as soon as an agent that maps it joins', () => {
    const first = pass(weight, replay([], weight), [heartbeat('a0', T0, { mappings: { physA: 'eth1' } }), ...network('nC', T0, { physnet: 'physC' }), ...network('off', T0, { physnet: 'physC', dhcp: false })], T0);
    expect(first.events).toEqual([]);
    expect(unreachableNetworks(first.state, T0)).toEqual([{ networkId: 'nC', physicalNetwork: 'physC' }]);
    const joined = pass(weight, first.state, [heartbeat('a1', T0 + 1000, { mappings: { physC: 'eth2' } })], T0 + 1000);
    expect(brief(joined.events)).toEqual(['+nC@a1 auto-schedule']);
    expect(unreachableNetworks(joined.state, T0 + 1000)).toEqual([]);
    // The agent that maps it goes silent: the network is unreachable again (and failed over to no one).
    const silent = pass(weight, joined.state, [heartbeat('a0', T0 + 80_000, { mappings: { physA: 'eth1' } })], T0 + 80_000);
    expect(brief(silent.events)).toEqual(['-nC@a1 agent-down']);
    expect(unreachableNetworks(silent.state, T0 + 80_000)).toEqual([{ networkId: 'nC', physicalNetwork: 'physC' }]);
  });

  it('says which agents were alive at a moment: heartbeating within the down time then, down after a silence longer', () => {
    const state = replay([heartbeat('b', T0, { mappings: { physA: 'eth1' } }), heartbeat('a', T0 + 10_000, { mappings: { physA: 'eth1' } })], weight);
    expect(liveAgentIds(state, T0 + 20_000)).toEqual(['a', 'b']);
    // b's last heartbeat is 75 s old at T0 + 75_001 (the default agentDownTime); a's is not.
    expect(liveAgentIds(state, T0 + 75_001)).toEqual(['a']);
    expect(liveAgentIds(state, T0 + 200_000)).toEqual([]);
  });

  it('an agent restarted with other mappings loses the networks it no longer reaches to an agent that maps them, in one pass', () => {
    const start = pass(
      weight,
      replay([], weight),
      [heartbeat('a0', T0, { mappings: { physA: 'eth1' } }), heartbeat('a1', T0, { mappings: { physA: 'eth1', physB: 'eth2' } }), ...network('n1', T0, { physnet: 'physA' }), ...network('n2', T0, { physnet: 'physB' })],
      T0,
    );
    expect(bindingTable(start.state)).toEqual(new Map([['n1', ['a0']], ['n2', ['a1']]]));
    const { state, events } = pass(weight, start.state, [heartbeat('a0', T0 + 5000, { mappings: { physC: 'eth1' } })], T0 + 5000);
    expect(brief(events)).toEqual(['-n1@a0 unreachable', '+n1@a1 failover']);
    expect(events[0]).toMatchObject({ inputs: { cause: 'unreachable', physicalNetwork: 'physA' } });
    expect(events[1]).toMatchObject({ inputs: { replaces: 'a0' } });
    expect(bindingTable(state)).toEqual(new Map([['n1', ['a1']], ['n2', ['a1']]]));
  });

  it('removes a manual binding to an agent that does not reach the network, and follows a change of the network\'s physical network', () => {
    const start = pass(weight, replay([], weight), [heartbeat('a0', T0, { mappings: { physA: 'eth1' } }), heartbeat('a1', T0, { mappings: { physB: 'eth1' } }), ...network('n1', T0, { physnet: 'physA' })], T0);
    const manual = pass(weight, start.state, [{ type: 'NetworkScheduled', at: T0 + 1, networkId: 'n1', agentId: 'a1', reason: 'manual' }], T0 + 1);
    expect(brief(manual.events)).toEqual(['-n1@a1 unreachable']);
    const moved = pass(weight, manual.state, [{ type: 'NetworkUpdated', at: T0 + 2, networkId: 'n1', physicalNetwork: 'physB' }], T0 + 2);
    expect(brief(moved.events)).toEqual(['-n1@a0 unreachable', '+n1@a1 failover']);
  });

  it('never rebalances a network onto an agent that does not reach it', () => {
    const nets = ['n1', 'n2', 'n3', 'n4'].flatMap((id) => network(id, T0, { physnet: 'physA' }));
    const start = pass(weight, replay([], weight), [heartbeat('a0', T0, { mappings: { physA: 'eth1' } }), ...nets], T0);
    const joined = pass(weight, start.state, [heartbeat('a1', T0 + 1, { mappings: { physB: 'eth1' } }), heartbeat('a2', T0 + 1, { mappings: { physA: 'eth1' } })], T0 + 1);
    expect(brief(joined.events).filter((e) => e.startsWith('+'))).toEqual(['+n1@a2 rebalance', '+n2@a2 rebalance']);
  });
});
