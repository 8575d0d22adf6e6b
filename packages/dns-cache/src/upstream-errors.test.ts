/**
 * Upstream REFUSED and SERVFAIL side by side with dnsmasq 2.90: programmable
 * upstreams that refuse, fail or answer, the same ones given to a real
 * dnsmasq and to this cache (default order and strict-order), the same `dig`
 * questions, the same answers required.
 *
 * What dnsmasq 2.90 does (forward.c, reply_query, and checked here): a
 * REFUSED or SERVFAIL from the server asked makes it ask again, all servers
 * at once by default (a REFUSED is then waited out until the last answer, a
 * SERVFAIL taken at once), the next one with strict-order; the upstream's
 * answer goes to the client as it is: REFUSED stays REFUSED. It asks again
 * only a query it can rebuild from the reply, one without EDNS options (dig
 * +nocookie); with dig's default cookie it passes the first error through
 * untried. With strict-order and no server left, a query without options
 * gets no reply at all from dnsmasq (the client times out); this cache
 * passes the first server's error, as dnsmasq does for a query with options.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { startDnsCache, type DnsCacheHandle } from './server.js';
import { FakeUpstream, aRecord, answer, dig, expectSameAnswer, startDnsmasq, type Dnsmasq, type FakeHandler } from './test-harness.js';

const running: (DnsCacheHandle | FakeUpstream | Dnsmasq)[] = [];
afterAll(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

const behaviours: Record<string, FakeHandler> = {
  refused: (q) => answer(q, [], { rcode: 5 }),
  servfail: (q) => answer(q, [], { rcode: 2 }),
  good: (q) => answer(q, [aRecord(q, '198.19.24.1')]),
};
type Behaviour = keyof typeof behaviours;

/** Upstreams behaving as named, dnsmasq and this cache in front of them with the same options. */
async function sideBySide(upstreams: Behaviour[], strictOrder: boolean) {
  const fakes = await Promise.all(upstreams.map((b) => FakeUpstream.start('127.0.0.1', behaviours[b]!)));
  running.push(...fakes);
  const servers = fakes.map((f) => `--server=127.0.0.1#${f.port}`);
  const dnsmasq = await startDnsmasq('127.0.0.1', [...servers, ...(strictOrder ? ['--strict-order'] : [])]);
  running.push(dnsmasq);
  const cache = await startDnsCache({ listenAddresses: ['127.0.0.1'], noResolv: true, noHosts: true, servers: fakes.map((f) => f.server), strictOrder, upstreamTimeoutMs: 1000 }, { listenPort: 0 });
  running.push(cache);
  return { fakes, dnsmasq, cache, ours: cache.addresses[0]! };
}

let names = 0;
/** One fresh name asked of both (nothing cached anywhere), without EDNS options unless `cookie`; our answer. */
async function same(pair: Awaited<ReturnType<typeof sideBySide>>, cookie = false) {
  const args = [cookie ? '+cookie' : '+nocookie', `q${names++}.example`, 'A'];
  const [theirs, mine] = await Promise.all([dig(pair.dnsmasq, args), dig(pair.ours, args)]);
  expectSameAnswer(mine, theirs);
  return mine;
}

describe('upstream REFUSED and SERVFAIL: the same answers as dnsmasq 2.90', () => {
  test.each([
    [['refused'], false, 'REFUSED'],
    [['servfail'], false, 'SERVFAIL'],
    [['refused', 'good'], false, 'NOERROR'],
    [['refused', 'refused'], false, 'REFUSED'],
    [['refused', 'servfail'], false, 'SERVFAIL'],
    [['servfail', 'refused'], false, 'SERVFAIL'],
    [['refused', 'good'], true, 'NOERROR'],
    [['servfail', 'good'], true, 'NOERROR'],
  ] as [Behaviour[], boolean, string][])('upstreams %j, strict-order %s: %s', async (upstreams, strict, status) => {
    const pair = await sideBySide(upstreams, strict);
    // Twice: dnsmasq's first question goes to every server, later ones to the one it last found good.
    expect((await same(pair)).status).toBe(status);
    expect((await same(pair)).status).toBe(status);
  });

  // Every server failing with strict-order: dnsmasq answers only a query with EDNS options (dig's cookie), with the first error.
  test.each([
    [['refused'], 'REFUSED'],
    [['servfail'], 'SERVFAIL'],
    [['servfail', 'refused'], 'SERVFAIL'],
    [['refused', 'servfail'], 'REFUSED'],
  ] as [Behaviour[], string][])('upstreams %j, strict-order, a query with a cookie: %s', async (upstreams, status) => {
    const pair = await sideBySide(upstreams, true);
    expect((await same(pair, true)).status).toBe(status);
  });

  test('a passed-through REFUSED is never cached and counts as refused; the refusing server stops being asked first', async () => {
    const pair = await sideBySide(['refused', 'good'], false);
    const [refusing, good] = pair.fakes;
    for (let i = 0; i < 4; i++) expect((await dig(pair.ours, [`r${i}.example`])).status).toBe('NOERROR');
    // The first question tried the refusing server (the order starts as configured), the rest went to the good one first.
    expect(refusing!.udpQueries).toBeLessThanOrEqual(2);
    expect(good!.udpQueries).toBe(4);
    const lone = await sideBySide(['refused'], false);
    const before = lone.cache.stats();
    expect((await dig(lone.ours, ['again.example'])).status).toBe('REFUSED');
    expect((await dig(lone.ours, ['again.example'])).status).toBe('REFUSED');
    expect(lone.fakes[0]!.udpQueries).toBe(2);
    expect(lone.cache.stats().refused - before.refused).toBe(2);
    expect(lone.cache.stats().servfail - before.servfail).toBe(0);
  });
});
