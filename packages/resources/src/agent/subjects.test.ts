import { test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { tokenId } from '../testing/index.js';
import { agentAggregate, agentIdOf, agentSubject } from './subjects.js';

describe('agent subjects', () => {
  test.prop([tokenId])('the agent id read back from an agent subject is the one it was built with', (id) => {
    expect(agentIdOf(agentSubject(id))).toBe(id);
  });

  test('an agent is one aggregate and one subject; other subjects name no agent', () => {
    expect(agentAggregate('a1')).toBe('agent/a1');
    expect(agentSubject('a1')).toBe('lh.evt.agent.a1');
    for (const subject of ['lh.evt.binding.a1', 'lh.evt.agent', 'lh.evt.agent.a1.x']) expect(agentIdOf(subject)).toBeUndefined();
  });
});
