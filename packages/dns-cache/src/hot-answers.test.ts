/**
 * Cache hits answered inside the batched UDP addon (HotAnswers, lh_dns.c),
 * end to end on loopback with the real clock: the addon must answer exactly
 * as the JS cache would (id, question case, TTL countdown, truncation left to
 * JS), and step aside whenever something before the cache could decide.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { decodeDns, type DnsRecord } from '@leasehold/protocol';
import type { DnsCacheConfig } from './config.js';
import { startDnsCache, type DnsCacheHandle } from './server.js';
import { FakeUpstream, aRecord, answer, dig, query, sleep, udpExchange } from './test-harness.js';

let upstream: FakeUpstream;
const dataOf = (records: DnsRecord[]) => records.map((r) => (r.type === 'OPT' ? undefined : r.data));
const running: DnsCacheHandle[] = [];

beforeAll(async () => {
  upstream = await FakeUpstream.start('127.0.0.1', (q) => {
    const name = q.questions[0]!.name.toLowerCase();
    if (name.startsWith('big')) {
      const txt = Array.from({ length: 8 }, (_, i) => ({ name: q.questions[0]!.name, type: 'TXT' as const, class: 1, ttl: 300, data: [new TextEncoder().encode(`${i}${'y'.repeat(90)}`)] }));
      return answer(q, txt);
    }
    if (name.startsWith('pf.')) return answer(q, [aRecord(q, '198.19.2.79', 4)]);
    return answer(q, [aRecord(q, '198.19.2.77', 300), aRecord(q, '198.19.2.78', 300)]);
  });
});
afterAll(async () => {
  await upstream.stop();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((h) => h.stop()));
});

async function cache(config: Partial<DnsCacheConfig> = {}) {
  const handle = await startDnsCache({ listenAddresses: ['127.0.0.1'], noResolv: true, servers: [upstream.server], cacheSize: 100, ...config }, { listenPort: 0 });
  running.push(handle);
  return { handle, at: handle.addresses[0]! };
}

describe('hits answered inside the addon', () => {
  test('with prefetch the addon answers a hit only until the prefetch point; the next hit comes to JS and refreshes the entry before it expires', async () => {
    const { handle, at } = await cache({ prefetch: 25 });
    const asked = () => upstream.seen.filter((m) => m.questions[0]?.name.toLowerCase() === 'pf.example').length;
    await udpExchange(at, [query('pf.example', 1)], 150); // miss: TTL 4, prefetch point at 3 s
    await udpExchange(at, [query('pf.example', 2)], 150); // hit in JS: into the addon until 3 s
    await udpExchange(at, [query('pf.example', 3)], 150); // hit in the addon
    expect(handle.stats()).toMatchObject({ hotHits: 1, prefetches: 0 });
    expect(asked()).toBe(1);
    await sleep(3300 - 450);
    await udpExchange(at, [query('pf.example', 4)], 150); // past 3 s: JS, which refreshes
    for (let i = 0; i < 150 && (asked() < 2 || handle.stats().inFlight > 0); i++) await sleep(20);
    expect(handle.stats()).toMatchObject({ hotHits: 1, prefetches: 1 });
    expect(asked()).toBe(2);
    await sleep(1500); // past the first answer's 4 s, before the refreshed one's prefetch point
    const [reply] = await udpExchange(at, [query('pf.example', 5)], 150);
    expect(decodeDns(reply!).answers.map((r) => (r.type === 'A' ? r.data : r.type))).toEqual(['198.19.2.79']);
    expect(asked()).toBe(2);
    expect(handle.stats()).toMatchObject({ cacheMisses: 1, prefetches: 1 });
  });

  test('after one answer from the JS cache, the same question in any case is answered by the addon with its own id and case, byte for byte as JS answers it', async () => {
    const { handle, at } = await cache();
    const asked = upstream.udpQueries;
    await udpExchange(at, [query('hot.example', 1)], 150); // miss: forwarded, cached
    const [fromJs] = await udpExchange(at, [query('HoT.Example', 2)], 150); // hit in JS: put into the addon
    expect(handle.stats().hotHits).toBe(0);
    const ids = Array.from({ length: 50 }, (_, i) => 100 + i);
    const replies = await udpExchange(at, ids.map((id) => query(id % 2 ? 'HOT.example' : 'HoT.Example', id)), 300);
    expect(replies.map((r) => r.readUInt16BE(0)).sort((a, b) => a - b)).toEqual(ids);
    expect(handle.stats()).toMatchObject({ hotHits: 50, cacheHits: 51, queries: 52 });
    expect(upstream.udpQueries - asked).toBe(1);
    for (const r of replies) {
      const m = decodeDns(r);
      expect(m.questions[0]!.name).toBe(r.readUInt16BE(0) % 2 ? 'HOT.example' : 'HoT.Example');
      expect(dataOf(m.answers)).toEqual(['198.19.2.77', '198.19.2.78']);
    }
    // Same id and case as the JS hit: the same bytes (within one second, so the same TTLs).
    const [again] = await udpExchange(at, [query('HoT.Example', 2)], 150);
    expect(Buffer.from(again!).equals(Buffer.from(fromJs!))).toBe(true);
  });

  test('TTLs answered by the addon count down with the seconds elapsed, like the JS cache', async () => {
    const { handle, at } = await cache();
    await udpExchange(at, [query('ttl.example', 1)], 150);
    await udpExchange(at, [query('ttl.example', 2)], 50);
    await sleep(1100);
    const [later] = await udpExchange(at, [query('ttl.example', 3)], 150);
    expect(handle.stats().hotHits).toBe(1);
    const ttls = decodeDns(later!).answers.map((a) => (a.type === 'OPT' ? -1 : a.ttl));
    expect(ttls).toHaveLength(2);
    for (const ttl of ttls) expect([298, 299]).toContain(ttl);
  });

  test('an answer larger than a client without EDNS accepts is left to JS, which truncates it', async () => {
    const { handle, at } = await cache();
    await udpExchange(at, [query('big.example', 1, 16, 4096)], 150);
    await udpExchange(at, [query('big.example', 2, 16, 4096)], 100);
    const [plain] = await udpExchange(at, [query('big.example', 3, 16)], 150); // another key (no EDNS): a miss, forwarded
    const [plainAgain] = await udpExchange(at, [query('big.example', 4, 16)], 150);
    expect(plain![2]! & 0x02).toBe(0x02);
    expect(plainAgain![2]! & 0x02).toBe(0x02);
    const [edns] = await udpExchange(at, [query('big.example', 5, 16, 4096)], 150);
    expect(edns![2]! & 0x02).toBe(0);
    expect(handle.stats().hotHits).toBe(1);
    expect(handle.stats().truncated).toBeGreaterThanOrEqual(2);
  });

  test('local records set after a name was cached win over the addon\'s copy', async () => {
    const { handle, at } = await cache();
    for (let id = 1; id <= 3; id++) await udpExchange(at, [query('vm.tenant.example', id)], 100);
    expect(handle.stats().hotHits).toBe(1);
    handle.setLocalRecords({ 'vm.tenant.example': ['198.18.9.9'] });
    const local = await dig(at, ['+noedns', 'vm.tenant.example', 'A']);
    expect(local.answers.map((a) => a.data)).toEqual(['198.18.9.9']);
    const [raw] = await udpExchange(at, [query('vm.tenant.example', 9)], 150);
    expect(dataOf(decodeDns(raw!).answers)).toEqual(['198.18.9.9']);
    expect(handle.stats().hotHits).toBe(1);
  });

  test('with local-service on, every hit goes through JS', async () => {
    const { handle, at } = await cache({ localService: true });
    for (let id = 1; id <= 5; id++) await udpExchange(at, [query('rules.example', id)], 80);
    expect(handle.stats()).toMatchObject({ hotHits: 0, cacheHits: 4 });
  });
});
