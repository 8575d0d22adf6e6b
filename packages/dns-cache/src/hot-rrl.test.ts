/**
 * Response rate limiting inside the addon (lh_rrl.h): with rrl-rate set, the
 * hot table answers a cache hit only when the JS limiter's check, run in C
 * on the limiter's own buckets, says 'send'; anything else is left to JS.
 * First the C check against rrl.ts operation by operation, then end to end
 * on loopback with the real clock (the addon needs it): the buckets refill
 * while a burst is in flight, so counts are bounded by the refill over the
 * time the burst took (a few milliseconds: in practice the bound is exact).
 */
import { fc, test } from '@fast-check/vitest';
import { createSocket } from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { nativeUdp, type NativeUdp } from './batched-udp.js';
import type { DnsCacheConfig } from './config.js';
import { ResponseRateLimiter, type RrlShared, type RrlVerdict } from './rrl.js';
import { startDnsCache, type DnsCacheHandle } from './server.js';
import { FakeUpstream, aRecord, answer, query, sleep, udpExchange } from './test-harness.js';

const TC = 0x02;

describe('the addon\'s rate check', () => {
  const bytes = (s: RrlShared) => [s.keys, s.tokens, s.last, s.slips, s.evictions].map((b) => Buffer.from(b));

  test.prop(
    [
      fc.integer({ min: 1, max: 200 }),
      fc.integer({ min: 0, max: 3 }),
      // Few prefixes: buckets run dry; many: a 64-slot table probes, collides and evicts.
      fc.integer({ min: 1, max: 150 }),
      fc.array(
        fc.record({
          prefix: fc.integer({ min: 0, max: 149 }),
          host: fc.integer({ min: 0, max: 255 }),
          // Mostly bursts (no time or a little), sometimes long enough to refill.
          step: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 5, noNaN: true }), fc.double({ min: 0, max: 1500, noNaN: true })),
          // How much later JS's check runs when the addon leaves a datagram to it.
          jsLater: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 50, noNaN: true })),
        }),
        { minLength: 1, maxLength: 400 },
      ),
    ],
    { numRuns: 60 },
  )(
    'says send exactly when check() would, spends the token as check() does, and writes nothing when it says no, so JS then decides alone',
    (rate, slip, pool, ops) => {
      const native = nativeUdp() as NativeUdp;
      const hot = native.hotCreate(4, 1232);
      const shared = new ResponseRateLimiter({ rate, slip, tableSize: 64 });
      const alone = new ResponseRateLimiter({ rate, slip, tableSize: 64 });
      const s = shared.shared;
      native.hotRrl!(hot, s.keys, s.tokens, s.last, s.slips, s.evictions, s.mask, s.rate, 0);
      let now = 1000;
      for (const op of ops) {
        now += op.step;
        // Spread over the address space, as real /24s are.
        const prefix = Math.imul(op.prefix % pool, 2654435761) >>> 8;
        const ip = ((prefix << 8) | op.host) >>> 0;
        const before = bytes(shared.shared);
        let verdict: RrlVerdict;
        let expected: RrlVerdict;
        if (native.hotRrlCheck!(hot, ip, now)) {
          verdict = 'send';
          expected = alone.check(prefix, now);
        } else {
          expect(bytes(shared.shared)).toEqual(before);
          expect(bytes(alone.shared)).toEqual(before);
          verdict = shared.check(prefix, now + op.jsLater);
          expected = alone.check(prefix, now + op.jsLater);
          // What the addon refused, JS refuses at the same instant.
          if (op.jsLater === 0) expect(verdict).not.toBe('send');
        }
        expect(verdict).toBe(expected);
        expect(bytes(shared.shared)).toEqual(bytes(alone.shared));
      }
      expect(shared.evictions).toBe(alone.evictions);
    },
  );

  test('new prefixes crowding a small table evict the same entries in the addon as in check(), reset what they take over, and the addon\'s evictions are counted', () => {
    const native = nativeUdp() as NativeUdp;
    const hot = native.hotCreate(4, 1232);
    const shared = new ResponseRateLimiter({ rate: 2, slip: 1, tableSize: 64 });
    const alone = new ResponseRateLimiter({ rate: 2, slip: 1, tableSize: 64 });
    const s = shared.shared;
    native.hotRrl!(hot, s.keys, s.tokens, s.last, s.slips, s.evictions, s.mask, s.rate, 0);
    // Limited once (slip counters set), then refilled: full buckets, the first to be taken over.
    for (let prefix = 0; prefix < 48; prefix++) {
      for (let i = 0; i < 4; i++) expect(shared.check(prefix, 0)).toBe(alone.check(prefix, 0));
    }
    for (let p = 0; p < 500; p++) {
      // Some prefixes twice, so that full and half-spent buckets compete for eviction.
      const prefix = 1000 + (p % 3 === 0 ? p >> 1 : p);
      const now = 5000 + p / 10;
      expect(native.hotRrlCheck!(hot, (prefix << 8) | 7, now)).toBe(alone.check(prefix, now) === 'send');
    }
    expect(alone.evictions).toBeGreaterThan(100);
    expect(shared.evictions).toBe(alone.evictions);
    expect(bytes(shared.shared)).toEqual(bytes(alone.shared));
  });
});

let upstream: FakeUpstream;
const running: DnsCacheHandle[] = [];

beforeAll(async () => {
  upstream = await FakeUpstream.start('127.0.0.1', (q) => answer(q, [aRecord(q, '198.19.2.77'), aRecord(q, '198.19.2.78')]));
});
afterAll(async () => {
  await upstream.stop();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((h) => h.stop()));
});

async function cache(config: Partial<DnsCacheConfig>, udp: 'auto' | 'dgram' = 'auto') {
  const handle = await startDnsCache(
    {
      listenAddresses: ['127.0.0.1'],
      noResolv: true,
      servers: [upstream.server],
      cacheSize: 100,
      hostRecords: [{ names: ['local.lan'], ipv4: ['198.18.4.4'], ipv6: [], ttl: undefined }],
      ...config,
    },
    { listenPort: 0, udp },
  );
  running.push(handle);
  expect(handle.addresses[0]?.udp).toBe(udp === 'dgram' ? 'dgram' : 'batched');
  return { handle, at: handle.addresses[0]! };
}

/** Caches `name` from a prefix of its own (a miss, then a hit in JS, which puts it into the hot table). */
async function prime(at: { address: string; port: number }, name: string) {
  await udpExchange(at, [query(name, 1)], 150, '127.0.9.1');
  await udpExchange(at, [query(name, 2)], 100, '127.0.9.1');
}

interface Burst {
  /** Full answers (TC clear, the two records). */
  readonly full: number;
  /** Slipped replies (TC set, no records). */
  readonly slipped: number;
  readonly other: number;
  /** From the first send to the last reply: every answer's check happened in it. */
  readonly windowMs: number;
}

/** Sends every message at once from `from` and sorts what comes back within `waitMs`. */
async function burst(to: { address: string; port: number }, messages: Uint8Array[], from: string, waitMs = 300): Promise<Burst> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  const replies: Buffer[] = [];
  let lastAt = 0;
  socket.on('message', (msg) => {
    replies.push(msg);
    lastAt = performance.now();
  });
  await new Promise<void>((resolve) => socket.bind(0, from, () => resolve()));
  const start = performance.now();
  for (const m of messages) socket.send(m, to.port, to.address);
  await sleep(waitMs);
  socket.close();
  const full = replies.filter((r) => (r[2]! & TC) === 0 && r.readUInt16BE(6) === 2).length;
  const slipped = replies.filter((r) => (r[2]! & TC) !== 0 && r.readUInt16BE(6) === 0).length;
  return { full, slipped, other: replies.length - full - slipped, windowMs: Math.max(0, lastAt - start) };
}

/**
 * What the JS limiter allows a fresh prefix for n queries in a burst: at
 * least `rate` answered (the one-second burst), at most that plus the refill
 * over the window; every slip-th query over the rate slipped, the rest silent.
 */
function expectLimited(b: Burst, n: number, rate: number, slip: number) {
  expect(b.other).toBe(0);
  expect(b.full).toBeGreaterThanOrEqual(rate);
  expect(b.full).toBeLessThanOrEqual(rate + Math.floor((rate * b.windowMs) / 1000));
  expect(b.slipped).toBe(slip === 0 ? 0 : Math.floor((n - b.full) / slip));
}

const cached = (n: number, name = 'burst.example') => Array.from({ length: n }, (_, i) => query(name, 1000 + i));

describe('rate limiting with hits answered inside the addon', () => {
  test('under the rate, cache hits are answered by the hot table and nothing is limited', async () => {
    const { handle, at } = await cache({ rrlRate: 1000 });
    await prime(at, 'under.example');
    const replies = await udpExchange(at, cached(50, 'under.example'), 300);
    expect(replies).toHaveLength(50);
    expect(replies.every((r) => (r[2]! & TC) === 0 && r.readUInt16BE(6) === 2)).toBe(true);
    expect(handle.stats()).toMatchObject({ hotHits: 50, cacheHits: 51, rrlDropped: 0, rrlSlipped: 0 });
  });

  test('a burst of identical cached queries over the rate is answered, slipped and dropped as the JS limiter alone does it, and the addon lets no more answers through than the JS limiter alone', async () => {
    const rate = 5;
    const slip = 2;
    const n = 200;
    const results: Record<'auto' | 'dgram', Burst> = {} as Record<'auto' | 'dgram', Burst>;
    for (const udp of ['auto', 'dgram'] as const) {
      const { handle, at } = await cache({ rrlRate: rate, rrlSlip: slip }, udp);
      await prime(at, 'burst.example');
      const b = await burst(at, cached(n), '127.0.0.1');
      results[udp] = b;
      expectLimited(b, n, rate, slip);
      const stats = handle.stats();
      // Every query was seen and decided once: answered from the cache, slipped or dropped.
      expect(stats.cacheHits - 1).toBe(b.full);
      expect(stats.rrlSlipped).toBe(b.slipped);
      expect(stats.rrlDropped).toBe(n - b.full - b.slipped);
      if (udp === 'auto') {
        // The first `rate` answers cannot have come from anywhere but the addon: JS only sees what it refused.
        expect(stats.hotHits).toBeGreaterThanOrEqual(rate);
        expect(stats.hotHits).toBeLessThanOrEqual(b.full);
      } else {
        expect(stats.hotHits).toBe(0);
      }
    }
    // Beyond what the bucket refilled during its own burst, the addon answered no more than JS alone.
    expect(results.auto.full - Math.floor((rate * results.auto.windowMs) / 1000)).toBeLessThanOrEqual(results.dgram.full);
  });

  test('two client prefixes are limited independently, each to its own rate', async () => {
    const rate = 5;
    const slip = 2;
    const { handle, at } = await cache({ rrlRate: rate, rrlSlip: slip });
    await prime(at, 'burst.example');
    const [a, b] = await Promise.all([burst(at, cached(100), '127.0.0.1'), burst(at, cached(20), '127.0.1.1')]);
    expectLimited(a, 100, rate, slip);
    expectLimited(b, 20, rate, slip);
    const stats = handle.stats();
    expect(stats.hotHits).toBeGreaterThanOrEqual(2 * rate);
    expect(stats.rrlSlipped).toBe(a.slipped + b.slipped);
    expect(stats.rrlDropped).toBe(100 - a.full - a.slipped + 20 - b.full - b.slipped);
  });

  test('tokens spent on answers JS gives (local names) are missing from the addon\'s answers to the same prefix', async () => {
    const rate = 2;
    const { handle, at } = await cache({ rrlRate: rate, rrlSlip: 0 });
    await prime(at, 'shared.example');
    const start = performance.now();
    const local = await udpExchange(at, Array.from({ length: rate }, (_, i) => query('local.lan', i)), 100);
    expect(local.map((r) => r.subarray(-4).join('.'))).toEqual(Array(rate).fill('198.18.4.4'));
    const later = await burst(at, cached(3, 'shared.example'), '127.0.0.1', 150);
    const elapsed = performance.now() - start;
    expect(handle.stats().localAnswers).toBe(rate);
    // Only what refilled since the local answers may be answered, and there is no slip.
    expect(later.full).toBeLessThanOrEqual(Math.floor((rate * elapsed) / 1000));
    expect(later.slipped + later.other).toBe(0);
    expect(handle.stats().hotHits).toBe(later.full);
    expect(handle.stats().rrlDropped).toBe(3 - later.full);
  });
});
