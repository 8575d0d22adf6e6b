import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseRateFile, rateFile } from './rate-file.js';
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

describe('the rates kept across a restart', () => {
  test('a new process resumes the last hour from the file and draws no rate across the time it was down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-rates-'));
    try {
      const path = join(dir, 'console-rates.json');
      let counters: RateCounters = { dhcp: 0, dns: 0 };
      const first = new RateSampler(() => counters, rateFile(path));
      const t0 = 1_000_000_000;
      first.sample(t0 - 4_000_000); // over an hour before the restart: not resumed
      first.sample(t0);
      counters = { dhcp: 100, dns: 10 };
      first.sample(t0 + 10_000);
      await expect.poll(() => parseRateFile(readFileSync(path, 'utf8')).length).toBe(3);

      // The daemon restarts 5 min later: its counters start from zero again.
      counters = { dhcp: 3, dns: 0 };
      const second = new RateSampler(() => counters, rateFile(path));
      second.resume(t0 + 310_000);
      second.sample(t0 + 310_000);
      counters = { dhcp: 53, dns: 20 };
      second.sample(t0 + 320_000);
      expect(second.series()).toEqual({
        interval_ms: 10_000,
        dhcp: [{ at: t0 + 10_000, per_second: 10 }, { at: t0 + 320_000, per_second: 5 }],
        dns: [{ at: t0 + 10_000, per_second: 1 }, { at: t0 + 320_000, per_second: 2 }],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a file that is not a rates file is reported and ignored: the charts start empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-rates-'));
    try {
      const path = join(dir, 'console-rates.json');
      writeFileSync(path, '{"v": 1, "samples": ');
      const errors: unknown[] = [];
      const sampler = new RateSampler(() => ({ dhcp: 1, dns: undefined }), rateFile(path, (e) => errors.push(e)));
      sampler.resume(5_000);
      sampler.sample(5_000);
      expect(sampler.series()).toEqual({ interval_ms: 10_000, dhcp: [], dns: null });
      expect(String(errors[0])).toMatch(/console-rates.json ignored/);
      expect(rateFile(join(dir, 'absent.json'), (e) => errors.push(e)).load()).toEqual([]);
      expect(errors).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
