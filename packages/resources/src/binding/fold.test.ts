import { describe, expect, test } from 'vitest';
import { applyBindingEvent } from './fold.js';

describe("a network's bound agents", () => {
  test('a NetworkScheduled binds (a repeat takes the newer reason and time), a NetworkUnscheduled unbinds, and the map given is not changed', () => {
    const none = new Map();
    const one = applyBindingEvent(none, { type: 'NetworkScheduled', at: 1, networkId: 'n1', agentId: 'a1', reason: 'new-network' });
    expect([...one.values()]).toStrictEqual([{ agentId: 'a1', reason: 'new-network', at: 1 }]);
    expect(none.size).toBe(0);
    const again = applyBindingEvent(one, { type: 'NetworkScheduled', at: 2, networkId: 'n1', agentId: 'a1', reason: 'manual' });
    expect(again.get('a1')).toStrictEqual({ agentId: 'a1', reason: 'manual', at: 2 });
    const gone = applyBindingEvent(again, { type: 'NetworkUnscheduled', at: 3, networkId: 'n1', agentId: 'a1', reason: 'agent-down' });
    expect(gone.size).toBe(0);
    expect(again.size).toBe(1);
  });
});
