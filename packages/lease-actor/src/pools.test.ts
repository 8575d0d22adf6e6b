import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { LeaseConfigError } from './errors.js';
import { formatIpv4 as formatIp, parseIpv4 as ipToUint } from '@leasehold/protocol';
import { Pools, hashKey } from './pools.js';

const v4 = ipToUint;

describe('dynamic pools', () => {
  test('overlapping or reversed ranges are configuration errors', () => {
    expect(() => new Pools([{ first: v4('198.18.0.10'), last: v4('198.18.0.20') }, { first: v4('198.18.0.20'), last: v4('198.18.0.30') }])).toThrow(LeaseConfigError);
    expect(() => new Pools([{ first: v4('198.18.0.10'), last: v4('198.18.0.9') }])).toThrow(/ends before it starts/);
    expect(() => new Pools([{ first: -1, last: 5 }])).toThrow(/not two IPv4 addresses/);
  });

  test('an address belongs to the pool that contains it, and to a subnet only through its pool', () => {
    const pools = new Pools([
      { first: v4('198.18.0.10'), last: v4('198.18.0.20'), subnetId: 'a' },
      { first: v4('198.18.1.10'), last: v4('198.18.1.20'), subnetId: 'b' },
    ]);
    expect(pools.contains(v4('198.18.0.15'))).toBe(true);
    expect(pools.contains(v4('198.18.0.15'), 'b')).toBe(false);
    expect(pools.contains(v4('198.18.0.21'))).toBe(false);
    expect(pools.freeCount()).toBe(22);
    expect(pools.freeCount('a')).toBe(11);
  });

  test.prop([fc.integer({ min: 1, max: 300 }), fc.array(fc.nat(299)), fc.nat(), fc.array(fc.nat(299))], { numRuns: 200 })(
    'probing returns the first free, accepted address in linear-probing order from the hash',
    (size, taken, hash, refused) => {
      const start = v4('198.19.0.0');
      const pools = new Pools([{ first: start, last: start + size - 1 }]);
      for (const t of taken) if (t < size) pools.setFree(start + t, false);
      const refusedSet = new Set(refused.map((r) => start + r));
      let expected: number | undefined;
      for (let k = 0; k < size; k++) {
        const ip = start + ((hash % size) + k) % size;
        if (pools.isFree(ip) && !refusedSet.has(ip)) {
          expected = ip;
          break;
        }
      }
      expect(pools.probe(hash, undefined, (ip) => !refusedSet.has(ip))).toBe(expected);
    },
  );

  test('the hash of a client key is stable and spreads similar keys apart', () => {
    expect(hashKey('mac:aa:00:00:00:00:01')).toBe(hashKey('mac:aa:00:00:00:00:01'));
    const spots = new Set(Array.from({ length: 100 }, (_, i) => hashKey(`mac:aa:00:00:00:00:${i}`) % 1000));
    expect(spots.size).toBeGreaterThan(90);
  });
});
