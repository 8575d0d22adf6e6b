/**
 * Serving stale answers, with a real dnsmasq upstream stopped and started
 * again on its port, and the cache on a fixed clock so TTLs are exact:
 * serve-stale (RFC 8767, CoreDNS's serve_stale) answers an expired entry with
 * TTL 30 only when every upstream fails, within its window; use-stale-cache
 * (dnsmasq) answers it at once with TTL 0 and refreshes it upstream;
 * prefetch (CoreDNS) refreshes an entry asked for near its expiry before it
 * expires.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { DnsCacheConfig } from './config.js';
import { startDnsCache, type DnsCacheHandle } from './server.js';
import { dig, sleep, startDnsmasq, type Dnsmasq } from './test-harness.js';

const UPSTREAM = ['--host-record=s.test,198.18.0.1,60'];
let clock = 5_000_000;
const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const stop of cleanup.splice(0).reverse()) await stop();
});

async function setup(config: Partial<DnsCacheConfig>): Promise<{ upstream: () => Dnsmasq; restart: () => Promise<void>; stop: () => Promise<void>; cache: DnsCacheHandle; at: { address: string; port: number } }> {
  let upstream: Dnsmasq | undefined = await startDnsmasq('127.0.0.1', UPSTREAM);
  const port = upstream.port;
  cleanup.push(async () => upstream?.stop());
  const cache = await startDnsCache(
    { listenAddresses: ['127.0.0.1'], noResolv: true, noHosts: true, upstreamTimeoutMs: 300, servers: [{ address: '127.0.0.1', port, family: 4 }], ...config },
    { listenPort: 0, now: () => clock },
  );
  cleanup.push(() => cache.stop());
  return {
    upstream: () => upstream!,
    stop: async () => {
      await upstream!.stop();
      upstream = undefined;
    },
    restart: async () => {
      upstream = await startDnsmasq('127.0.0.1', UPSTREAM, undefined, port);
    },
    cache,
    at: cache.addresses[0]!,
  };
}

describe('serve-stale (RFC 8767)', () => {
  test('with every upstream down, an expired answer is served with TTL 30 until the stale window ends; the upstream back, answers are fresh again', async () => {
    const { stop, restart, cache, at } = await setup({ serveStale: 600 });
    expect((await dig(at, ['s.test'])).answers).toEqual([{ name: 's.test.', ttl: 60, type: 'A', data: '198.18.0.1' }]);
    await stop();
    clock += 120_000;
    const stale = await dig(at, ['s.test']);
    expect(stale.status).toBe('NOERROR');
    expect(stale.answers).toEqual([{ name: 's.test.', ttl: 30, type: 'A', data: '198.18.0.1' }]);
    expect(cache.stats().staleAnswers).toBe(1);
    // 60 s of TTL and 600 s of window after it was stored: past that, nothing is served stale.
    clock += 541_000;
    expect((await dig(at, ['s.test'])).status).toBe('SERVFAIL');
    await restart();
    expect((await dig(at, ['s.test'])).answers).toEqual([{ name: 's.test.', ttl: 60, type: 'A', data: '198.18.0.1' }]);
    expect(cache.stats().staleAnswers).toBe(1);
  });

  test('an expired answer is never served while an upstream answers, and without serve-stale a dead upstream is SERVFAIL', async () => {
    const on = await setup({ serveStale: 600 });
    await dig(on.at, ['s.test']);
    clock += 120_000;
    expect((await dig(on.at, ['s.test'])).answers[0]?.ttl).toBe(60);
    expect(on.cache.stats().staleAnswers).toBe(0);

    const off = await setup({});
    await dig(off.at, ['s.test']);
    await off.stop();
    clock += 120_000;
    expect((await dig(off.at, ['s.test'])).status).toBe('SERVFAIL');
  });
});

describe('use-stale-cache (dnsmasq)', () => {
  test('an expired answer is sent at once with TTL 0 and refreshed upstream, so the next question gets the fresh one', async () => {
    const { upstream, cache, at } = await setup({ useStaleCache: 86_400 });
    const asked = () => upstream().log().split('\n').filter((l) => l.includes('query[A] s.test')).length;
    await dig(at, ['s.test']);
    expect(asked()).toBe(1);
    clock += 120_000;
    expect((await dig(at, ['s.test'])).answers).toEqual([{ name: 's.test.', ttl: 0, type: 'A', data: '198.18.0.1' }]);
    expect(cache.stats().staleAnswers).toBe(1);
    for (let i = 0; i < 100 && (asked() < 2 || cache.stats().inFlight > 0); i++) await sleep(20);
    expect(asked()).toBe(2);
    expect((await dig(at, ['s.test'])).answers).toEqual([{ name: 's.test.', ttl: 60, type: 'A', data: '198.18.0.1' }]);
    expect(cache.stats().staleAnswers).toBe(1);
  });
});

describe('prefetch (CoreDNS cache prefetch)', () => {
  test('a hit in the last 10 % of the TTL refreshes the entry in the background, so the name never expires; earlier hits do not', async () => {
    const { upstream, cache, at } = await setup({ prefetch: 10 });
    const asked = () => upstream().log().split('\n').filter((l) => l.includes('query[A] s.test')).length;
    await dig(at, ['s.test']);
    clock += 30_000;
    expect((await dig(at, ['s.test'])).answers[0]?.ttl).toBe(30);
    expect(asked()).toBe(1);
    // 55 s of 60: inside the last 6 s.
    clock += 25_000;
    expect((await dig(at, ['s.test'])).answers[0]?.ttl).toBe(5);
    for (let i = 0; i < 100 && (asked() < 2 || cache.stats().inFlight > 0); i++) await sleep(20);
    expect(asked()).toBe(2);
    expect(cache.stats().prefetches).toBe(1);
    // Past the first answer's expiry: the refreshed entry (stored at 55 s) answers, nothing is asked.
    clock += 10_000;
    expect((await dig(at, ['s.test'])).answers).toEqual([{ name: 's.test.', ttl: 50, type: 'A', data: '198.18.0.1' }]);
    expect(asked()).toBe(2);
    expect(cache.stats().cacheMisses).toBe(1);
  });
});
