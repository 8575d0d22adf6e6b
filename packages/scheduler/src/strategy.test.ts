import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { pickAgents, rendezvousScore, type Candidate, type StrategyInput } from './strategy.js';

const pool = (loads: readonly number[], zone = (i: number) => 'nova'): Candidate[] =>
  loads.map((load, i) => ({ agentId: `a${i}`, availabilityZone: zone(i), load }));

const input = (over: Partial<StrategyInput>): StrategyInput => ({
  strategy: 'weight',
  seed: 0,
  networkId: 'n1',
  pool: [],
  need: 1,
  boundZones: [],
  explainLimit: 8,
  ...over,
});

describe('strategies', () => {
  it('weight picks the agents with the fewest networks, ties to the smaller agent id', () => {
    const pick = pickAgents(input({ pool: pool([3, 1, 1, 0]), need: 3 }));
    expect(pick.chosen.map((c) => c.agentId)).toEqual(['a3', 'a1', 'a2']);
    expect(pick.ranked.map((c) => c.agentId)).toEqual(['a3', 'a1', 'a2', 'a0']);
  });

  it('az fills the zone with the fewest of the network agents first, then the least loaded agent in it', () => {
    const zoned = pool([0, 1, 5, 2, 0], (i) => ['z1', 'z2', 'z3', 'z2', 'z1'][i] as string);
    const pick = pickAgents(input({ strategy: 'az', pool: zoned, need: 3, boundZones: ['z1'] }));
    expect(pick.chosen.map((c) => [c.agentId, c.availabilityZone])).toEqual([
      ['a1', 'z2'],
      ['a2', 'z3'],
      ['a0', 'z1'],
    ]);
  });

  it('chance picks by seeded score, so the same seed picks the same agents and different seeds spread differently', () => {
    const agents = pool([0, 0, 0, 0, 0, 0]);
    const picks = (seed: number) => Array.from({ length: 50 }, (_, n) => pickAgents(input({ strategy: 'chance', seed, networkId: `n${n}`, pool: agents })).chosen[0]?.agentId);
    expect(picks(1)).toEqual(picks(1));
    expect(picks(1)).not.toEqual(picks(2));
    const ranked = pickAgents(input({ strategy: 'chance', seed: 1, pool: agents })).ranked;
    for (let i = 1; i < ranked.length; i++) expect(ranked[i - 1]?.score).toBeGreaterThanOrEqual(ranked[i]?.score ?? 0);
  });

  it('chance spreads 3,000 networks over 4 agents within 10% of an even share each', () => {
    const counts = new Map<string, number>();
    for (let n = 0; n < 3000; n++) {
      const id = pickAgents(input({ strategy: 'chance', seed: 42, networkId: `net-${n}`, pool: pool([0, 0, 0, 0]) })).chosen[0]?.agentId as string;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const c of counts.values()) expect(Math.abs(c - 750)).toBeLessThan(75);
  });

  test.prop([fc.constantFrom('weight' as const, 'chance' as const, 'az' as const), fc.array(fc.nat(5), { maxLength: 10 }), fc.nat(6), fc.integer()])(
    'every strategy picks min(need, pool) distinct agents from the pool, listed first among the ranked ones',
    (strategy, loads, need, seed) => {
      const candidates = pool(loads, (i) => `z${i % 3}`);
      const pick = pickAgents(input({ strategy, seed, pool: candidates, need, explainLimit: 2 }));
      expect(pick.chosen).toHaveLength(Math.min(need, candidates.length));
      expect(new Set(pick.chosen.map((c) => c.agentId)).size).toBe(pick.chosen.length);
      expect(pick.ranked.slice(0, pick.chosen.length).map((c) => c.agentId)).toEqual(pick.chosen.map((c) => c.agentId));
      expect(pick.ranked.length).toBe(Math.min(candidates.length, Math.max(need, 2)));
    },
  );

  it('the rendezvous score depends on the seed, the network and the agent, not on how they are split', () => {
    expect(rendezvousScore(0, 'ab', 'c')).not.toBe(rendezvousScore(0, 'a', 'bc'));
    expect(rendezvousScore(2 ** 40, 'n', 'a')).not.toBe(rendezvousScore(0, 'n', 'a'));
    expect(rendezvousScore(7, 'n', 'a')).toBe(rendezvousScore(7, 'n', 'a'));
  });
});
