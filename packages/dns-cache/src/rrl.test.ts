import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { prefixKey, prefixKey4, ResponseRateLimiter, type RrlVerdict } from './rrl.js';

const count = (verdicts: RrlVerdict[], v: RrlVerdict) => verdicts.filter((x) => x === v).length;

describe('ResponseRateLimiter', () => {
  test.prop([fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 1000 })])(
    'within one instant a prefix gets exactly rate responses, and every slip-th one over the rate is slipped',
    (rate, slip, extra) => {
      const rrl = new ResponseRateLimiter({ rate, slip, tableSize: 1024 });
      const verdicts = Array.from({ length: rate + extra }, () => rrl.check(42, 5000));
      expect(count(verdicts, 'send')).toBe(rate);
      expect(verdicts.slice(0, rate).every((v) => v === 'send')).toBe(true);
      expect(count(verdicts, 'slip')).toBe(slip === 0 ? 0 : Math.floor(extra / slip));
      expect(count(verdicts, 'drop')).toBe(extra - count(verdicts, 'slip'));
    },
  );

  test.prop([fc.integer({ min: 1, max: 100 }), fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 300 })])(
    'over any stretch of time a prefix is never sent more than its one-second burst plus rate per second elapsed',
    (rate, steps) => {
      const rrl = new ResponseRateLimiter({ rate, slip: 2, tableSize: 64 });
      let now = 0;
      let sent = 0;
      for (const step of steps) {
        now += step / 10;
        if (rrl.check(7, now) === 'send') sent++;
      }
      expect(sent).toBeLessThanOrEqual(rate + Math.floor((now * rate) / 1000) + 1);
    },
  );

  test('tokens come back at the rate: after half a second, half the rate is answered again', () => {
    const rrl = new ResponseRateLimiter({ rate: 100, slip: 0, tableSize: 64 });
    for (let i = 0; i < 150; i++) rrl.check(1, 0);
    const later = Array.from({ length: 100 }, () => rrl.check(1, 500));
    expect(count(later, 'send')).toBe(50);
  });

  test('a limited prefix does not limit another prefix', () => {
    const rrl = new ResponseRateLimiter({ rate: 5, slip: 2, tableSize: 64 });
    for (let i = 0; i < 100; i++) rrl.check(prefixKey('198.51.100.7'), 0);
    expect(rrl.check(prefixKey('198.51.100.200'), 0)).not.toBe('send');
    expect(Array.from({ length: 5 }, () => rrl.check(prefixKey('198.51.101.7'), 0))).toEqual(Array(5).fill('send'));
  });

  test('a million distinct prefixes keep the table at its size, and a busy prefix among them stays limited', () => {
    const rrl = new ResponseRateLimiter({ rate: 20, slip: 2, tableSize: 4096 });
    const busy = prefixKey('203.0.113.9');
    let busySent = 0;
    for (let i = 0; i < 1_000_000; i++) {
      // All in one second: the busy prefix may be answered 20 times, whatever else passes through the table.
      const now = i / 1000;
      rrl.check((i * 2654435761) >>> 8, now);
      if (i % 100 === 0 && rrl.check(busy, now) === 'send') busySent++;
    }
    expect(rrl.capacity).toBe(4096);
    expect(rrl.size).toBeLessThanOrEqual(4096);
    expect(rrl.evictions).toBeGreaterThan(900_000);
    expect(busySent).toBeLessThanOrEqual(20 + 20 + 1);
  });
});

describe('prefixKey', () => {
  test.prop([fc.ipV4(), fc.integer({ min: 0, max: 255 })])('IPv4 addresses in one /24 share a key; the /24 is the key', (ip, last) => {
    const parts = ip.split('.');
    const sibling = [...parts.slice(0, 3), String(last)].join('.');
    expect(prefixKey(sibling)).toBe(prefixKey(ip));
    const n = parts.map(Number).reduce((a, b) => a * 256 + b, 0);
    expect(prefixKey(ip)).toBe(prefixKey4(n));
    expect(prefixKey(`::ffff:${ip}`)).toBe(prefixKey(ip));
  });

  test('IPv6 addresses in one /56 share a key, other /56s and IPv4 get others', () => {
    const a = prefixKey('2001:db8:1:200::1');
    expect(prefixKey('2001:db8:1:2ff:ffff::9')).toBe(a);
    expect(prefixKey('2001:db8:1:300::1')).not.toBe(a);
    expect(prefixKey('2001:db8:2:200::1')).not.toBe(a);
    expect(a).toBeGreaterThanOrEqual(0x80000000);
    expect(a).toBeLessThan(0xffffffff);
    expect(prefixKey('255.255.255.255')).toBeLessThan(0x1000000);
  });
});
