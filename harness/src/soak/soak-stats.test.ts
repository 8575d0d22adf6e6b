import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { parseVmRss, rssBytes, slope } from './soak-stats.js';

describe('soak measurements', () => {
  test.prop([fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: -1000, max: 1000, noNaN: true }), fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 2, maxLength: 40 })])(
    'the slope of points on a line is that line\'s slope',
    (a, b, xs) => {
      expect(slope(xs.map((x) => [x, a * x + b]))).toBeCloseTo(a, 6);
    },
  );

  test('a flat or single-point series has slope 0', () => {
    expect(slope([[1, 5]])).toBe(0);
    expect(slope([[1, 5], [1, 9]])).toBe(0);
    expect(slope([[1, 5], [2, 5], [3, 5]])).toBe(0);
  });

  test('VmRSS is read in bytes from /proc/<pid>/status, and a gone process reads 0', () => {
    expect(parseVmRss('Name:\tnode\nVmRSS:\t  123456 kB\nThreads: 7\n')).toBe(123456 * 1024);
    expect(parseVmRss('Name:\tzombie\n')).toBe(0);
    expect(rssBytes(process.pid)).toBeGreaterThan(1 << 20);
    expect(rssBytes(2 ** 22 + 1)).toBe(0);
  });
});
