/**
 * End to end with the real `dig` against the real server, and programmable
 * upstreams started here: timeouts, slow and truncated answers, spoofed
 * answers, and a count of what they receive.
 */
import { mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import type { DnsCacheConfig } from './config.js';
import { startDnsCache, type DnsCacheHandle } from './server.js';
import { FakeUpstream, aRecord, answer, dig, sleep, type FakeHandler } from './test-harness.js';

const running: (DnsCacheHandle | FakeUpstream)[] = [];
const dir = mkdtempSync(join(tmpdir(), 'lh-dns-up-'));

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function fake(handler: FakeHandler, address = '127.0.0.1'): Promise<FakeUpstream> {
  const f = await FakeUpstream.start(address, handler);
  running.push(f);
  return f;
}

async function cache(config: Partial<DnsCacheConfig>) {
  const handle = await startDnsCache({ listenAddresses: ['127.0.0.1'], noResolv: true, upstreamTimeoutMs: 300, ...config }, { listenPort: 0 });
  running.push(handle);
  return { handle, at: handle.addresses[0]! };
}

const ip = (a: string): FakeHandler => (q) => answer(q, [aRecord(q, a)]);

describe('upstream failures and choice', () => {
  test('a truncated UDP answer from upstream is asked again over TCP and the full answer is returned', async () => {
    const up = await fake((q, _raw, { tcp }) => (tcp ? answer(q, [aRecord(q, '198.19.2.1'), aRecord(q, '198.19.2.2')]) : answer(q, [], { tc: true })));
    const { handle, at } = await cache({ servers: [up.server] });
    const result = await dig(at, ['big.example']);
    expect(result.answers.map((r) => r.data).sort()).toEqual(['198.19.2.1', '198.19.2.2']);
    expect(result.flags).not.toContain('tc');
    expect(up.tcpQueries).toBe(1);
    expect(handle.stats().tcpRetries).toBe(1);
  });

  test('identical questions in flight at once are sent upstream once', async () => {
    const up = await fake(async (q) => {
      await sleep(200);
      return answer(q, [aRecord(q, '198.19.2.3')]);
    });
    const { handle, at } = await cache({ servers: [up.server] });
    const results = await Promise.all(Array.from({ length: 5 }, () => dig(at, ['slow.example'])));
    expect(results.map((r) => r.answers[0]?.data)).toEqual(Array(5).fill('198.19.2.3'));
    expect(up.udpQueries).toBe(1);
    expect(handle.stats().coalesced).toBe(4);
  });

  test('with strict-order an upstream that times out is skipped for the next one in order', async () => {
    const dead = await fake(() => undefined);
    const live = await fake(ip('198.19.2.4'));
    const { at } = await cache({ servers: [dead.server, live.server], strictOrder: true });
    expect((await dig(at, ['a.example'])).answers[0]?.data).toBe('198.19.2.4');
    expect((await dig(at, ['b.example'])).answers[0]?.data).toBe('198.19.2.4');
    expect(dead.udpQueries).toBe(2);
  });

  test('by default the recently fastest upstream is asked first', async () => {
    const slow = await fake(async (q) => {
      await sleep(150);
      return answer(q, [aRecord(q, '198.19.2.5')]);
    });
    const fast = await fake(ip('198.19.2.6'));
    const { at } = await cache({ servers: [slow.server, fast.server] });
    for (let i = 0; i < 6; i++) await dig(at, [`n${i}.example`]);
    expect(slow.udpQueries).toBeLessThanOrEqual(1);
    expect(fast.udpQueries).toBeGreaterThanOrEqual(5);
  });

  test('with all-servers every upstream is asked and the first answer wins', async () => {
    const slow = await fake(async (q) => {
      await sleep(200);
      return answer(q, [aRecord(q, '198.19.2.7')]);
    });
    const fast = await fake(ip('198.19.2.8'));
    const { at } = await cache({ servers: [slow.server, fast.server], allServers: true });
    expect((await dig(at, ['race.example'])).answers[0]?.data).toBe('198.19.2.8');
    expect(slow.udpQueries).toBe(1);
    expect(fast.udpQueries).toBe(1);
  });

  test('when every upstream times out or fails the client gets SERVFAIL', async () => {
    const dead = await fake(() => undefined);
    const failing = await fake((q) => answer(q, [], { rcode: 2 }));
    const { handle, at } = await cache({ servers: [dead.server, failing.server] });
    expect((await dig(at, ['down.example'])).status).toBe('SERVFAIL');
    expect(handle.stats().servfail).toBe(1);
  });

  test('server=/domain/ip sends that domain to its own upstream, and server=/domain/ never forwards it', async () => {
    const general = await fake(ip('198.19.2.9'));
    const corp = await fake(ip('198.18.30.40'), '127.0.0.2');
    const { at } = await cache({
      servers: [general.server],
      domainServers: [
        { domain: 'corp.example', server: corp.server },
        { domain: 'internal.example', server: 'local' },
      ],
    });
    expect((await dig(at, ['db.corp.example'])).answers[0]?.data).toBe('198.18.30.40');
    expect((await dig(at, ['www.example'])).answers[0]?.data).toBe('198.19.2.9');
    expect((await dig(at, ['x.internal.example'])).status).toBe('NXDOMAIN');
    expect(corp.udpQueries).toBe(1);
    expect(general.udpQueries).toBe(1);
  });

  test('with clear-on-reload a resolv-file read again (SIGHUP: reload()) empties the answer cache; without it the answer stays cached', async () => {
    const up = await FakeUpstream.start('127.0.0.15', ip('198.19.2.15'), 53);
    running.push(up);
    const file = join(dir, 'resolv-clear.conf');
    writeFileSync(file, 'nameserver 127.0.0.15\n');
    for (const clearOnReload of [true, false]) {
      const { handle, at } = await cache({ noResolv: false, resolvFiles: [file], clearOnReload });
      const before = up.udpQueries;
      await dig(at, ['kept.example']);
      await dig(at, ['kept.example']);
      expect(up.udpQueries - before).toBe(1);
      handle.reload();
      expect((await dig(at, ['kept.example'])).answers[0]?.data).toBe('198.19.2.15');
      expect(up.udpQueries - before).toBe(clearOnReload ? 2 : 1);
    }
  });

  test('a changed resolv-file is read again and its new nameserver used', async () => {
    // resolv.conf has no port syntax, so these upstreams take port 53 (the tests run as root) on addresses of their own.
    const first = await FakeUpstream.start('127.0.0.13', ip('198.19.2.11'), 53);
    running.push(first);
    const second = await FakeUpstream.start('127.0.0.14', ip('198.19.2.12'), 53);
    running.push(second);
    const file = join(dir, 'resolv.conf');
    writeFileSync(file, '# written by the test\nnameserver 127.0.0.13\n');
    const { at } = await cache({ noResolv: false, resolvFiles: [file] });
    expect((await dig(at, ['one.example'])).answers[0]?.data).toBe('198.19.2.11');
    writeFileSync(file, 'nameserver 127.0.0.14\n');
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    await sleep(1100);
    expect((await dig(at, ['two.example'])).answers[0]?.data).toBe('198.19.2.12');
    expect(second.udpQueries).toBe(1);
  });
});
