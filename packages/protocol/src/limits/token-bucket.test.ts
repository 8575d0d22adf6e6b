/**
 * The token bucket's laws (never more than burst + rate × time, a sender at
 * the refill rate never refused, keys independent) and the keyed table's
 * bound, shared by the DHCP server's flood limits and the API's admission.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { KeyedTokenBuckets, TokenBucket } from './token-bucket.js';

const limit = fc.record({ burst: fc.integer({ min: 1, max: 50 }), perSecond: fc.integer({ min: 0, max: 100 }) });
/** Gaps between packets in ms (non-decreasing clock). */
const gaps = fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 300 });

describe('TokenBucket', () => {
  test.prop([fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 100 }), fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 200 })])(
    'it grants at most burst + perSecond × elapsed seconds requests',
    (burst, perSecond, gaps) => {
      let now = 0;
      const bucket = new TokenBucket({ burst, perSecond }, now);
      let granted = 0;
      for (const gap of gaps) {
        now += gap;
        if (bucket.take(now)) granted++;
      }
      expect(granted).toBeLessThanOrEqual(Math.floor(burst + (perSecond * now) / 1000 + 1e-6));
    },
  );

  test('an empty bucket says when its next token comes', () => {
    const bucket = new TokenBucket({ burst: 1, perSecond: 4 }, 0);
    expect(bucket.take(0)).toBe(true);
    expect(bucket.take(0)).toBe(false);
    expect(bucket.waitMs()).toBe(250);
    expect(bucket.take(250)).toBe(true);
    expect(new TokenBucket({ burst: 1, perSecond: 0 }, 0).take(0)).toBe(true);
  });
});

describe('KeyedTokenBuckets', () => {
  test.prop([limit, gaps])('a key never gets more than burst + perSecond × elapsed seconds tokens', ({ burst, perSecond }, steps) => {
    const buckets = new KeyedTokenBuckets<string>({ burst, perSecond, maxKeys: 10 });
    let now = 0;
    let granted = 0;
    for (const gap of steps) {
      now += gap;
      if (buckets.take('k', now)) granted++;
    }
    const elapsed = now - steps[0]!;
    expect(granted).toBeLessThanOrEqual(Math.floor(burst + (perSecond * elapsed) / 1000 + 1e-6));
  });

  test.prop([limit, fc.integer({ min: 1, max: 200 })])('a key that sends no faster than the refill rate is never refused', ({ burst, perSecond }, count) => {
    fc.pre(perSecond > 0);
    const buckets = new KeyedTokenBuckets<string>({ burst, perSecond, maxKeys: 10 });
    const interval = Math.ceil(1000 / perSecond);
    for (let i = 0; i < count; i++) expect(buckets.take('k', i * interval)).toBe(true);
  });

  test.prop([limit, fc.integer({ min: 1, max: 30 })])('a burst of packets at one instant gets exactly `burst` of them through', ({ burst, perSecond }, extra) => {
    const buckets = new KeyedTokenBuckets<number>({ burst, perSecond, maxKeys: 10 });
    let granted = 0;
    for (let i = 0; i < burst + extra; i++) if (buckets.take(7, 1000)) granted++;
    expect(granted).toBe(burst);
  });

  test('keys are independent: one exhausted key does not limit another', () => {
    const buckets = new KeyedTokenBuckets<string>({ burst: 2, perSecond: 0, maxKeys: 10 });
    expect([buckets.take('a', 0), buckets.take('a', 0), buckets.take('a', 0)]).toStrictEqual([true, true, false]);
    expect(buckets.take('b', 0)).toBe(true);
  });

  test('a clock stepping back refills nothing and drains nothing', () => {
    const buckets = new KeyedTokenBuckets<string>({ burst: 2, perSecond: 1, maxKeys: 10 });
    expect(buckets.take('a', 10_000)).toBe(true);
    expect(buckets.take('a', 0)).toBe(true);
    expect(buckets.take('a', 0)).toBe(false);
    expect(buckets.take('a', 1000)).toBe(true);
  });

  test('a million distinct MACs keep the table at its bound, and the evicted are the least recently used', () => {
    const buckets = new KeyedTokenBuckets<string>({ burst: 1, perSecond: 0, maxKeys: 1000 });
    expect(buckets.take('keep', 0)).toBe(true);
    for (let i = 0; i < 1_000_000; i++) {
      buckets.take(`m${i}`, i);
      // 'keep' is touched often enough to stay among the 1000 most recent: it stays exhausted.
      if (i % 500 === 0) expect(buckets.take('keep', i)).toBe(false);
      if (i % 100_000 === 0) expect(buckets.size).toBeLessThanOrEqual(1000);
    }
    expect(buckets.size).toBe(1000);
    // An early key was evicted, so it comes back with a full bucket.
    expect(buckets.take('m0', 2_000_000)).toBe(true);
  });

  test('a burst of 0 turns the limit off and remembers nothing', () => {
    const buckets = new KeyedTokenBuckets<string>({ burst: 0, perSecond: 0, maxKeys: 10 });
    for (let i = 0; i < 100; i++) expect(buckets.take('a', 0)).toBe(true);
    expect(buckets.size).toBe(0);
  });
});

