import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { minimalMoves, planRebalance } from './rebalance.js';

/** Agents with the given loads, each network bound to one agent. */
function cluster(loads: readonly number[]) {
  const networksOf = new Map<string, Set<string>>();
  let n = 0;
  loads.forEach((load, i) => networksOf.set(`a${i}`, new Set(Array.from({ length: load }, () => `n${String(n++).padStart(4, '0')}`))));
  return { loads: new Map(loads.map((l, i) => [`a${i}`, l])), networksOf };
}

describe('rebalance', () => {
  it('counts the fewest moves to within one network', () => {
    expect(minimalMoves([])).toBe(0);
    expect(minimalMoves([5, 5, 5])).toBe(0);
    expect(minimalMoves([10, 0])).toBe(5);
    expect(minimalMoves([4, 4, 0])).toBe(2);
    expect(minimalMoves([4, 3, 0])).toBe(2);
    expect(minimalMoves([9, 0, 0, 0])).toBe(6);
  });

  it('a join to k balanced agents holding N networks costs floor(N/(k+1)) moves', () => {
    for (let k = 1; k <= 6; k++) {
      for (let n = 0; n <= 40; n++) {
        const loads = Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
        expect(minimalMoves([...loads, 0])).toBe(Math.floor(n / (k + 1)));
      }
    }
  });

  test.prop([fc.array(fc.nat(30), { minLength: 1, maxLength: 8 })])(
    'when every network may move, the greedy plan balances the loads with exactly minimalMoves moves, each from a busier to an idler agent',
    (loads) => {
      const { loads: start, networksOf } = cluster(loads);
      const moves = planRebalance({ loads: start, networksOf, movable: () => true });
      expect(moves).toHaveLength(minimalMoves(loads));
      const end = new Map(start);
      for (const m of moves) {
        expect(m.fromLoad - m.toLoad).toBeGreaterThanOrEqual(2);
        end.set(m.from, (end.get(m.from) ?? 0) - 1);
        end.set(m.to, (end.get(m.to) ?? 0) + 1);
      }
      expect(Math.max(...end.values()) - Math.min(...end.values())).toBeLessThanOrEqual(1);
      expect(new Set(moves.map((m) => m.networkId)).size).toBe(moves.length);
    },
  );

  test.prop([fc.array(fc.nat(12), { minLength: 2, maxLength: 6 }), fc.array(fc.nat(100), { maxLength: 20 })])(
    'pinned networks never move, and a network never moves to an agent that already has it',
    (loads, pinnedIdx) => {
      const { loads: start, networksOf } = cluster(loads);
      const all = [...networksOf.values()].flatMap((s) => [...s]);
      const pinned = new Set(pinnedIdx.map((i) => all[i % Math.max(1, all.length)]));
      const moves = planRebalance({ loads: start, networksOf, movable: (n) => !pinned.has(n) });
      for (const m of moves) expect(pinned.has(m.networkId)).toBe(false);
      const seen = new Map([...networksOf].map(([a, s]) => [a, new Set(s)]));
      for (const m of moves) {
        expect(seen.get(m.to)?.has(m.networkId)).toBe(false);
        seen.get(m.from)?.delete(m.networkId);
        seen.get(m.to)?.add(m.networkId);
      }
    },
  );
});
