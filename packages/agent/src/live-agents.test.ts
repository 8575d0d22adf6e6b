import { describe, expect, test } from 'vitest';
import { liveAgents } from './live-agents.js';
import type { AgentRecord } from './state/agent-model.js';

// Only what liveness reads; the record's other fields are the model's business.
const record = (agentId: string, heartbeatAt: number, deleted = false) => ({ agentId, heartbeatAt, adminStateUp: true, deleted }) as AgentRecord;

describe('the live agents of a network', () => {
  test('are this agent and the bound peers heard from within the down time and not deleted; unbound agents are never counted', () => {
    const model = {
      agentsOf: (networkId: string) => (networkId === 'n1' ? ['self', 'fresh', 'stale', 'gone', 'unheard'] : []),
      agents: new Map([
        ['fresh', record('fresh', 10_000)],
        ['stale', record('stale', 1_999)],
        ['gone', record('gone', 10_000, true)],
        ['elsewhere', record('elsewhere', 10_000)],
      ]),
    };
    const clock = { now: 12_000 };
    const live = liveAgents(model, { agentId: 'self', agentDownTimeMs: 10_000 }, () => clock.now);
    expect(live('n1')).toStrictEqual(['self', 'fresh']);
    expect(live('n2')).toStrictEqual([]);
    // Alive through exactly the down time since its heartbeat (Neutron's boundary, the scheduler's and the API's too), dead a millisecond later.
    clock.now = 20_000;
    expect(live('n1')).toStrictEqual(['self', 'fresh']);
    clock.now = 20_001;
    expect(live('n1')).toStrictEqual(['self']);
  });
});
