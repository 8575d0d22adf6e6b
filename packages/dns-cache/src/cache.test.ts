import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { DnsRcode, decodeDns, encodeDns, type DnsMessage, type DnsRecord } from '@leasehold/protocol';
import { AnswerCache, answerFromEntry, cacheTtl, type CachePolicy } from './cache.js';

const policy = (over: Partial<CachePolicy> = {}): CachePolicy => ({ cacheSize: 100, minCacheTtl: 0, maxCacheTtl: undefined, negTtl: undefined, noNegcache: false, ...over });

const ttlArb = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const soa = (ttl: number, minimum: number): DnsRecord => ({
  name: 'example.com',
  type: 'SOA',
  class: 1,
  ttl,
  data: { mname: 'ns.example.com', rname: 'hostmaster.example.com', serial: 1, refresh: 2, retry: 3, expire: 4, minimum },
});

function response(answers: DnsRecord[], authorities: DnsRecord[] = [], rcode: number = DnsRcode.NOERROR): Uint8Array {
  const message: DnsMessage = {
    id: 7, qr: true, opcode: 0, aa: false, tc: false, rd: true, ra: true, z: false, ad: false, cd: false, rcode,
    questions: [{ name: 'www.example.com', type: 1, class: 1 }],
    answers, authorities, additionals: [],
  };
  return encodeDns(message);
}

const positive = fc
  .array(fc.record({ ttl: ttlArb, last: fc.integer({ min: 1, max: 254 }) }), { minLength: 1, maxLength: 4 })
  .map((rs) => response(rs.map((r) => ({ name: 'www.example.com', type: 'A', class: 1, ttl: r.ttl, data: `198.19.2.${r.last}` }) as DnsRecord)));

const negative = fc
  .record({ nx: fc.boolean(), soaTtl: ttlArb, minimum: ttlArb, withSoa: fc.boolean() })
  .map(({ nx, soaTtl, minimum, withSoa }) => response([], withSoa ? [soa(soaTtl, minimum)] : [], nx ? DnsRcode.NXDOMAIN : DnsRcode.NOERROR));

const ttlsOf = (bytes: Uint8Array) => {
  const m = decodeDns(bytes);
  return [...m.answers, ...m.authorities].map((r) => ('ttl' in r ? r.ttl : -1));
};

describe('cache TTL arithmetic', () => {
  test.prop([positive, fc.integer({ min: 0, max: 10 ** 9 }), fc.array(fc.integer({ min: 0, max: 5_000_000 }), { minLength: 1, maxLength: 5 })])(
    'a hit never shows a TTL above the stored one or below zero, and the TTL counts down with the seconds elapsed',
    (bytes, start, steps) => {
      const cache = new AnswerCache(policy());
      const entry = cache.put('k', bytes, start);
      if (entry === undefined) return;
      let previous = entry.ttl;
      let now = start;
      for (const step of steps.sort((a, b) => a - b)) {
        now = start + step;
        const hit = cache.get('k', now);
        if (now >= entry.expiresAt) {
          expect(hit).toBeUndefined();
          break;
        }
        expect(hit).toBe(entry);
        const ttls = ttlsOf(answerFromEntry(entry, now));
        for (const ttl of ttls) {
          expect(ttl).toBe(entry.ttl - Math.floor(step / 1000));
          expect(ttl).toBeGreaterThan(0);
          expect(ttl).toBeLessThanOrEqual(previous);
        }
        previous = ttls[0]!;
      }
    },
  );

  test.prop([positive, fc.integer({ min: 0, max: 3600 }), fc.option(fc.integer({ min: 0, max: 86400 }), { nil: undefined })])(
    'a positive answer is cached for its smallest TTL clamped to min-cache-ttl and max-cache-ttl',
    (bytes, minCacheTtl, maxCacheTtl) => {
      const smallest = Math.min(...ttlsOf(bytes).map((t) => (t > 0x7fffffff ? 0 : t)));
      let expected = Math.max(smallest, minCacheTtl);
      if (maxCacheTtl !== undefined) expected = Math.min(expected, maxCacheTtl);
      expect(cacheTtl(bytes, policy({ minCacheTtl, maxCacheTtl }))?.ttl).toBe(expected > 0 ? expected : undefined);
    },
  );

  test('the stored answer carries one TTL on every record, the smallest', () => {
    const bytes = response([
      { name: 'www.example.com', type: 'A', class: 1, ttl: 300, data: '198.19.2.1' },
      { name: 'www.example.com', type: 'A', class: 1, ttl: 60, data: '198.19.2.2' },
    ]);
    const entry = new AnswerCache(policy()).put('k', bytes, 0)!;
    expect(ttlsOf(entry.bytes)).toEqual([60, 60]);
    expect(ttlsOf(answerFromEntry(entry, 59_999))).toEqual([1, 1]);
  });
});

describe('negative caching (RFC 2308)', () => {
  test.prop([negative, fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined })])(
    'a negative answer is cached no longer than neg-ttl and, with an SOA, no longer than its TTL and MINIMUM',
    (bytes, negTtl) => {
      const verdict = cacheTtl(bytes, policy({ negTtl }));
      const m = decodeDns(bytes);
      const rec = m.authorities[0];
      if (verdict === undefined) return;
      expect(verdict.negative).toBe(true);
      if (negTtl !== undefined) expect(verdict.ttl).toBeLessThanOrEqual(negTtl);
      if (rec?.type === 'SOA') {
        const read = (t: number) => (t > 0x7fffffff ? 0 : t);
        expect(verdict.ttl).toBeLessThanOrEqual(Math.min(read(rec.ttl), read(rec.data.minimum)));
      } else {
        expect(verdict.ttl).toBe(negTtl);
      }
    },
  );

  test.prop([negative, fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined })])('with no-negcache no negative answer is cached', (bytes, negTtl) => {
    expect(new AnswerCache(policy({ noNegcache: true, negTtl })).put('k', bytes, 0)).toBeUndefined();
  });

  test('an NXDOMAIN is cached for the SOA MINIMUM when it is below the SOA TTL and neg-ttl', () => {
    expect(cacheTtl(response([], [soa(3600, 300)], DnsRcode.NXDOMAIN), policy({ negTtl: 900 }))).toEqual({ ttl: 300, negative: true });
    expect(cacheTtl(response([], [soa(3600, 3000)], DnsRcode.NXDOMAIN), policy({ negTtl: 900 }))).toEqual({ ttl: 900, negative: true });
  });

  test('a negative answer without an SOA is cached only when neg-ttl gives it a TTL', () => {
    expect(cacheTtl(response([], [], DnsRcode.NXDOMAIN), policy())).toBeUndefined();
    expect(cacheTtl(response([], [], DnsRcode.NXDOMAIN), policy({ negTtl: 30 }))).toEqual({ ttl: 30, negative: true });
  });

  test('SERVFAIL and REFUSED answers are never cached', () => {
    expect(cacheTtl(response([], [soa(60, 60)], DnsRcode.SERVFAIL), policy({ negTtl: 60 }))).toBeUndefined();
    expect(cacheTtl(response([], [soa(60, 60)], DnsRcode.REFUSED), policy({ negTtl: 60 }))).toBeUndefined();
  });
});

describe('LRU bound', () => {
  type Op = { kind: 'put' | 'get' | 'delete' | 'expire'; key: number };
  const op: fc.Arbitrary<Op> = fc.record({ kind: fc.constantFrom('put', 'get', 'get', 'delete', 'expire'), key: fc.integer({ min: 0, max: 30 }) });
  const bytes = response([{ name: 'www.example.com', type: 'A', class: 1, ttl: 300, data: '198.19.2.1' }]);

  test.prop([fc.integer({ min: 0, max: 8 }), fc.array(op, { maxLength: 200 })])(
    'the cache never holds more than cache-size entries and evicts the least recently used',
    (cacheSize, ops) => {
      const cache = new AnswerCache(policy({ cacheSize }));
      // The model: keys least recently used first, each with the time it was stored.
      const model: { key: number; at: number }[] = [];
      let now = 0;
      for (const { kind, key } of ops) {
        const at = model.findIndex((m) => m.key === key);
        if (kind === 'put') {
          cache.put(String(key), bytes, now);
          if (cacheSize === 0) continue;
          if (at >= 0) model.splice(at, 1);
          model.push({ key, at: now });
          if (model.length > cacheSize) model.shift();
        } else if (kind === 'delete') {
          cache.delete(String(key));
          if (at >= 0) model.splice(at, 1);
        } else if (kind === 'expire') {
          // Time passes just beyond the TTL of what was stored first: a get of it finds nothing and frees it.
          const oldest = Math.min(...model.map((m) => m.at));
          now = Number.isFinite(oldest) ? Math.max(now, oldest + 300_000) : now;
          const expired = model.filter((m) => now >= m.at + 300_000).map((m) => m.key);
          for (const k of expired) expect(cache.get(String(k), now)).toBeUndefined();
          model.splice(0, model.length, ...model.filter((m) => !expired.includes(m.key)));
        } else {
          const hit = cache.get(String(key), now);
          expect(hit !== undefined).toBe(at >= 0);
          if (at >= 0) model.push(...model.splice(at, 1));
        }
        expect(cache.size).toBe(model.length);
        expect(cache.size).toBeLessThanOrEqual(cacheSize);
        expect(cache.keys()).toEqual(model.map((m) => String(m.key)));
      }
    },
  );

  test('a full cache takes a long stream of new names, evicting the oldest', () => {
    // A Map used as the LRU list made each insertion into a full cache skip every hole its evictions left.
    const cache = new AnswerCache(policy({ cacheSize: 20_000 }));
    for (let i = 0; i < 200_000; i++) cache.put(`n${i}`, bytes, 0);
    expect(cache.size).toBe(20_000);
    expect(cache.evictions).toBe(180_000);
    expect(cache.keys()[0]).toBe('n180000');
  });
});
