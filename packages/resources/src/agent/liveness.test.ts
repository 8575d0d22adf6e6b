import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { aliveUntil, isAlive } from './liveness.js';

const DOWN = 75_000;

describe('whether an agent is alive (Neutron: down once its heartbeat is more than agent_down_time old)', () => {
  test('an agent is alive exactly agent_down_time after its last heartbeat, and down one millisecond later', () => {
    expect(isAlive({ heartbeatAt: 1000 }, 1000 + DOWN, DOWN)).toBe(true);
    expect(isAlive({ heartbeatAt: 1000 }, 1001 + DOWN, DOWN)).toBe(false);
    expect(aliveUntil({ heartbeatAt: 1000 }, DOWN)).toBe(1000 + DOWN);
  });

  test('a deleted agent, or one never heard from, is not alive', () => {
    expect(isAlive({ heartbeatAt: 1000, deleted: true }, 1000, DOWN)).toBe(false);
    expect(isAlive({ heartbeatAt: null }, 1000, DOWN)).toBe(false);
    expect(aliveUntil({ heartbeatAt: null }, DOWN)).toBeNull();
  });

  test.prop([fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: -(2 ** 20), max: 2 ** 45 }), fc.nat(10 ** 7)])(
    'alive is exactly "now is not after aliveUntil"',
    (heartbeatAt, now, down) => {
      expect(isAlive({ heartbeatAt }, now, down)).toBe(now <= aliveUntil({ heartbeatAt }, down)!);
    },
  );
});
