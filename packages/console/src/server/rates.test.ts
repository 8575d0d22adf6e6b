import { describe, expect, test } from 'vitest';
import { RATE_SAMPLES, RateSampler, type RateCounters } from './rates.js';

describe('RateSampler', () => {
  test('turns counter samples into per-second rates over each interval', () => {
    let counters: RateCounters = { dhcp: 100, dns: undefined };
    const sampler = new RateSampler(() => counters);
    sampler.sample(0);
    counters = { dhcp: 150, dns: undefined };
    sampler.sample(10_000);
    counters = { dhcp: 20, dns: undefined }; // the agent restarted: counts from zero again
    sampler.sample(20_000);
    expect(sampler.series()).toEqual({ interval_ms: 10_000, dhcp: [{ at: 10_000, per_second: 5 }, { at: 20_000, per_second: 2 }], dns: null });
  });

  test('keeps an hour of samples and no more', () => {
    let n = 0;
    const sampler = new RateSampler(() => ({ dhcp: n, dns: 2 * n }));
    for (let i = 0; i < RATE_SAMPLES + 50; i++, n += 10) sampler.sample(i * 10_000);
    const series = sampler.series();
    expect(series.dhcp).toHaveLength(RATE_SAMPLES);
    expect(new Set(series.dhcp!.map((p) => p.per_second))).toEqual(new Set([1]));
    expect(new Set(series.dns!.map((p) => p.per_second))).toEqual(new Set([2]));
  });
});
