import { describe, expect, test } from 'vitest';
import type { AgentHeartbeat } from './events.js';
import { applyAgentEvent, newAgentRecord } from './record.js';

const heartbeat = (at: number, host = 'h1'): AgentHeartbeat => ({
  type: 'AgentHeartbeat',
  at,
  agentId: 'a1',
  host,
  availabilityZone: 'az1',
  networks: ['n1'],
  load: 3,
  interfaceMappings: { physnet: 'eth1' },
  reportIntervalMs: 30_000,
  version: '0.1.0',
});

describe('an agent as the journal says it is', () => {
  test('a heartbeat keeps its data and time; a late one keeps the data but never moves the time back', () => {
    const first = applyAgentEvent(newAgentRecord('a1'), heartbeat(2000));
    expect(first).toStrictEqual({
      agentId: 'a1',
      heartbeat: { agentId: 'a1', host: 'h1', availabilityZone: 'az1', networks: ['n1'], load: 3, interfaceMappings: { physnet: 'eth1' }, reportIntervalMs: 30_000, version: '0.1.0' },
      heartbeatAt: 2000,
      adminStateUp: true,
      deleted: false,
    });
    const late = applyAgentEvent(first, heartbeat(1000, 'h2'));
    expect(late.heartbeatAt).toBe(2000);
    expect(late.heartbeat?.host).toBe('h2');
  });

  test('the API sets the admin state and deletes; a heartbeat after a deletion brings the agent back', () => {
    const down = applyAgentEvent(newAgentRecord('a1'), { type: 'AgentAdminStateChanged', at: 1, agentId: 'a1', adminStateUp: false });
    expect(down.adminStateUp).toBe(false);
    const deleted = applyAgentEvent(down, { type: 'AgentDeleted', at: 2, agentId: 'a1' });
    expect(deleted.deleted).toBe(true);
    expect(applyAgentEvent(deleted, heartbeat(3)).deleted).toBe(false);
  });
});
