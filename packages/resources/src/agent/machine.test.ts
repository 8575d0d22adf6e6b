import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { AgentHeartbeat } from './events.js';
import { initialAgentState, machineStep, stepAgent, type AgentMachineEvent, type AgentMachineState } from './machine.js';

/** An AgentHeartbeat from `agentId` at `at` (as the scheduler's tests build them). */
function heartbeat(agentId: string, at: number): AgentHeartbeat {
  return { type: 'AgentHeartbeat', at, agentId, host: `host-${agentId}`, availabilityZone: 'nova', networks: [], load: 0, interfaceMappings: {}, reportIntervalMs: 30_000, version: 'test' };
}

const DOWN = 75_000;

function run(events: AgentMachineEvent[], step = stepAgent): AgentMachineState {
  return events.reduce(step, initialAgentState({ agentId: 'a1', agentDownTime: DOWN, adminStateUp: true }));
}

const hb = (at: number, now = at): AgentMachineEvent => ({ ...heartbeat('a1', at), now });

describe('agent machine', () => {
  test('an agent is registered until its first heartbeat makes it alive', () => {
    expect(initialAgentState({ agentId: 'a1', agentDownTime: DOWN, adminStateUp: true }).status).toBe('registered');
    const alive = run([hb(1000)]);
    expect(alive.status).toBe('alive');
    expect(alive.context.lastHeartbeatAt).toBe(1000);
    expect(alive.context.aliveSince).toBe(1000);
  });

  test('an agent stays alive for exactly agent_down_time after its last heartbeat and is down one millisecond later', () => {
    expect(run([hb(1000), { type: 'Tick', now: 1000 + DOWN }]).status).toBe('alive');
    expect(run([hb(1000), { type: 'Tick', now: 1001 + DOWN }]).status).toBe('down');
  });

  test('a down agent comes back alive on its next heartbeat and its alive period starts again', () => {
    const back = run([hb(1000), { type: 'Tick', now: 200_000 }, hb(210_000)]);
    expect(back.status).toBe('alive');
    expect(back.context.aliveSince).toBe(210_000);
  });

  test('a heartbeat already older than agent_down_time when folded does not revive a down agent', () => {
    const stale = run([hb(1000), { type: 'Tick', now: 200_000 }, hb(100_000, 200_000)]);
    expect(stale.status).toBe('down');
    expect(stale.context.lastHeartbeatAt).toBe(100_000);
  });

  test('a deleted agent is final and ignores later heartbeats', () => {
    const gone = run([hb(1000), { type: 'AgentDeleted', agentId: 'a1', at: 2000, now: 2000 }, hb(3000)]);
    expect(gone.status).toBe('deleted');
    expect(gone.context.lastHeartbeatAt).toBe(1000);
  });

  test('a new agent starts with the admin state enable_new_agents gives it, and only AgentAdminStateChanged changes it', () => {
    const disabled = [hb(1000)].reduce(stepAgent, initialAgentState({ agentId: 'a1', agentDownTime: DOWN, adminStateUp: false }));
    expect(disabled.context.adminStateUp).toBe(false);
    const enabled = [{ type: 'AgentAdminStateChanged', agentId: 'a1', adminStateUp: true, at: 2000, now: 2000 } as const, hb(3000)].reduce(stepAgent, disabled);
    expect(enabled.status).toBe('alive');
    expect(enabled.context.adminStateUp).toBe(true);
  });

  const eventArb: fc.Arbitrary<(now: number) => AgentMachineEvent> = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 2 * DOWN }).map((lag) => (now: number) => hb(now - lag, now)) },
    { weight: 3, arbitrary: fc.constant((now: number): AgentMachineEvent => ({ type: 'Tick', now })) },
    { weight: 2, arbitrary: fc.boolean().map((up) => (now: number): AgentMachineEvent => ({ type: 'AgentAdminStateChanged', agentId: 'a1', adminStateUp: up, at: now, now })) },
    { weight: 1, arbitrary: fc.constant((now: number): AgentMachineEvent => ({ type: 'AgentDeleted', agentId: 'a1', at: now, now })) },
  );

  test.prop([fc.array(fc.tuple(fc.integer({ min: 0, max: 2 * DOWN }), eventArb), { maxLength: 40 })])(
    'the heartbeat fast path gives the same record as the xstate transition for any event sequence',
    (steps) => {
      let now = 1_000_000;
      let fast = initialAgentState({ agentId: 'a1', agentDownTime: DOWN, adminStateUp: true });
      let slow = fast;
      for (const [advance, make] of steps) {
        now += advance;
        const event = make(now);
        fast = stepAgent(fast, event);
        slow = machineStep(slow, event);
        expect(fast).toEqual(slow);
      }
    },
  );
});
