import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { nextRate, roundRate, sustained, type RampConfig, type RampStep } from './ramp.js';

/** Drives the ramp against a server that sustains exactly the rates up to `threshold`. */
function rampAgainst(threshold: number, config: RampConfig): RampStep[] {
  const history: RampStep[] = [];
  for (let rate = nextRate(history, config); rate !== undefined; rate = nextRate(history, config)) {
    history.push({ rate, ok: rate <= threshold });
    if (history.length > 100) throw new Error('the ramp did not end');
  }
  return history;
}

const configs = fc.record({
  start: fc.integer({ min: 1, max: 5000 }),
  capFactor: fc.integer({ min: 1, max: 64 }),
  refinements: fc.integer({ min: 0, max: 4 }),
});

describe('the rate ramp', () => {
  test.prop([configs, fc.integer({ min: 0, max: 400_000 })])(
    'never offers a rate above the cap or below one, never repeats a rate, and ends within its bound',
    ({ start, capFactor, refinements }, threshold) => {
      const config = { start, cap: start * capFactor, refinements };
      const history = rampAgainst(threshold, config);
      const rates = history.map((s) => s.rate);
      expect(rates.every((r) => r >= 1 && r <= config.cap)).toBe(true);
      expect(new Set(rates).size).toBe(rates.length);
      expect(history.length).toBeLessThanOrEqual(Math.ceil(Math.log2(capFactor)) + 1 + refinements);
    },
  );

  test.prop([configs, fc.integer({ min: 1, max: 400_000 })])(
    'finds a sustained rate no higher than what the server sustains, and more than half of it once the start is sustained',
    ({ start, capFactor, refinements }, threshold) => {
      const config = { start, cap: start * capFactor, refinements };
      const found = sustained(rampAgainst(threshold, config));
      if (threshold < start) return;
      expect(found).toBeDefined();
      expect(found!).toBeLessThanOrEqual(Math.min(threshold, config.cap));
      expect(found! * 2).toBeGreaterThan(Math.min(threshold, config.cap));
    },
  );

  test.prop([configs])('ends at the cap when the server sustains every rate', ({ start, capFactor, refinements }) => {
    const config = { start, cap: start * capFactor, refinements };
    expect(sustained(rampAgainst(Number.POSITIVE_INFINITY, config))).toBe(config.cap);
  });

  test.prop([fc.integer({ min: 1, max: 10_000_000 })])('rounds a rate to two significant digits, within 5% of it', (rate) => {
    const r = roundRate(rate);
    expect(Math.abs(r - rate) / rate).toBeLessThanOrEqual(0.05);
    expect(String(r).replace(/0+$/, '').length).toBeLessThanOrEqual(2);
  });
});
