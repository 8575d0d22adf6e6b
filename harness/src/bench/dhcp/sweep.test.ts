import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { nextSweepRate, peakGoodput, roundRate, type SweepConfig, type SweepPoint } from './sweep.js';

/** Drives the sweep against a server that completes min(offered, capacity) exchanges per second, or `collapse` of it past capacity. */
function sweepAgainst(capacity: number, collapse: number, config: SweepConfig): SweepPoint[] {
  const done: SweepPoint[] = [];
  for (let rate = nextSweepRate(done, config); rate !== undefined; rate = nextSweepRate(done, config)) {
    done.push({ rate, acksPerSecond: rate <= capacity ? rate : capacity * collapse });
    if (done.length > 1000) throw new Error('the sweep did not end');
  }
  return done;
}

const configs = fc.record({
  start: fc.integer({ min: 10, max: 5000 }),
  factor: fc.double({ min: 1.2, max: 3, noNaN: true }),
  overload: fc.integer({ min: 1, max: 8 }),
  cap: fc.integer({ min: 10, max: 200_000 }),
  maxPoints: fc.integer({ min: 1, max: 30 }),
});

describe('the bench sweep', () => {
  test.prop([configs, fc.integer({ min: 1, max: 100_000 }), fc.double({ min: 0, max: 1, noNaN: true })])(
    'ends within maxPoints, offers rising rates never above the cap',
    (config, capacity, collapse) => {
      const done = sweepAgainst(capacity, collapse, config);
      expect(done.length).toBeGreaterThan(0);
      expect(done.length).toBeLessThanOrEqual(config.maxPoints);
      for (let i = 1; i < done.length; i++) expect(done[i]!.rate).toBeGreaterThan(done[i - 1]!.rate);
      for (const p of done) expect(p.rate).toBeLessThanOrEqual(config.cap);
    },
  );

  test.prop([configs, fc.integer({ min: 10, max: 10_000 })])(
    'goes on past capacity until it offers the asked overload of the peak, unless the cap or the point budget ends it first',
    (config, capacity) => {
      const done = sweepAgainst(capacity, 0.5, config);
      const last = done.at(-1)!.rate;
      const reachedOverload = last >= config.overload * peakGoodput(done);
      expect(reachedOverload || last >= config.cap || done.length === config.maxPoints || roundRate(last * config.factor) <= last).toBe(true);
    },
  );

  test('with the bench defaults, a server whose best point completes 3,500/s is offered up to four times that', () => {
    const done = sweepAgainst(5000, 0.5, { start: 1000, factor: 1.5, overload: 4, cap: 48_000, maxPoints: 12 });
    expect(peakGoodput(done)).toBe(3500);
    expect(done.map((p) => p.rate)).toStrictEqual([1000, 1500, 2300, 3500, 5300, 8000, 12000, 18000]);
  });

  test('rounds rates to two significant digits', () => {
    expect([roundRate(1), roundRate(2250), roundRate(12_345), roundRate(99_999)]).toStrictEqual([1, 2300, 12_000, 100_000]);
  });
});
