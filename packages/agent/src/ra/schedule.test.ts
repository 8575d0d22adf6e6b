import { fc, test as prop } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { minRtrAdvIntervalS, solicitedAt, unsolicitedDelayMs } from './schedule.js';

const maxInterval = fc.integer({ min: 4, max: 1800 });
const random = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('when advertisements go out (RFC 4861 6.2.4, 6.2.6)', () => {
  prop.prop([maxInterval, fc.integer({ min: 3, max: 1000 }), random])('an unsolicited advertisement comes between MinRtrAdvInterval and MaxRtrAdvInterval after the last', (max, sent, r) => {
    const delay = unsolicitedDelayMs(sent, max, r);
    expect(delay).toBeGreaterThanOrEqual(minRtrAdvIntervalS(max) * 1000);
    expect(delay).toBeLessThanOrEqual(max * 1000);
  });

  prop.prop([maxInterval, fc.integer({ min: 0, max: 2 }), random])('the first three come at most 16 s apart', (max, sent, r) => {
    expect(unsolicitedDelayMs(sent, max, r)).toBeLessThanOrEqual(Math.min(16_000, max * 1000));
  });

  test('MinRtrAdvInterval is a third of the maximum from 9 s up, three quarters below, never under 3 s', () => {
    expect([minRtrAdvIntervalS(600), minRtrAdvIntervalS(9), minRtrAdvIntervalS(8), minRtrAdvIntervalS(4)]).toEqual([200, 3, 6, 3]);
  });

  prop.prop([fc.integer({ min: 0, max: 1e9 }), random, fc.option(fc.integer({ min: 0, max: 1e9 }), { nil: undefined })])(
    'a solicitation is answered within 500 ms, but never within 3 s of the last multicast advertisement',
    (now, r, last) => {
      const at = solicitedAt(now, r, last, undefined)!;
      expect(at).toBeGreaterThanOrEqual(now);
      if (last === undefined || last + 3000 <= now) expect(at).toBeLessThanOrEqual(now + 500);
      else expect(at).toBe(last + 3000);
    },
  );

  test('a solicitation heard just before a scheduled advertisement is answered by it', () => {
    expect(solicitedAt(1000, 0.5, undefined, 1100)).toBeUndefined();
    expect(solicitedAt(1000, 0.5, undefined, 5000)).toBe(1250);
  });
});
