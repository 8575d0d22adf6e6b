import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { LruMap } from './lru-map.js';

type Op = { kind: 'set' | 'get' | 'peek' | 'delete' | 'clear'; key: number; value: number };
const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('set', 'set', 'get', 'get', 'peek', 'delete', 'clear'),
  key: fc.integer({ min: 0, max: 20 }),
  value: fc.integer(),
});

describe('LruMap', () => {
  test.prop([fc.integer({ min: 0, max: 8 }), fc.array(op, { maxLength: 300 })])(
    'behaves as a list of [key, value] pairs, least recently used first, cut to capacity from the front',
    (capacity, ops) => {
      const lru = new LruMap<number, number>(capacity);
      let model: [number, number][] = [];
      for (const { kind, key, value } of ops) {
        const at = model.findIndex(([k]) => k === key);
        if (kind === 'set') {
          const before = model.length;
          if (at >= 0) model.splice(at, 1);
          if (capacity > 0) model.push([key, value]);
          const evicted = Math.max(0, model.length - capacity);
          model = model.slice(evicted);
          expect(lru.set(key, value)).toBe(at >= 0 ? 0 : Math.max(0, before + (capacity > 0 ? 1 : 0) - capacity));
        } else if (kind === 'get') {
          expect(lru.get(key)).toBe(at >= 0 ? model[at]![1] : undefined);
          if (at >= 0) model.push(...model.splice(at, 1));
        } else if (kind === 'peek') {
          expect(lru.peek(key)).toBe(at >= 0 ? model[at]![1] : undefined);
        } else if (kind === 'delete') {
          expect(lru.delete(key)).toBe(at >= 0);
          if (at >= 0) model.splice(at, 1);
        } else {
          lru.clear();
          model = [];
        }
        expect(lru.keys()).toStrictEqual(model.map(([k]) => k));
        expect(lru.size).toBe(model.length);
        expect(lru.size).toBeLessThanOrEqual(Math.max(0, capacity));
      }
    },
  );

  test('a full map takes a long stream of new keys, keeping the newest', () => {
    // Each new key evicts one; with a plain Map this was the slow case (see the class comment).
    const lru = new LruMap<number, number>(50_000);
    for (let i = 0; i < 500_000; i++) lru.set(i, i);
    expect(lru.size).toBe(50_000);
    expect(lru.keys()[0]).toBe(450_000);
    expect(lru.peek(449_999)).toBeUndefined();
    expect(lru.get(499_999)).toBe(499_999);
  });
});
