/**
 * health-check and max-fails (CoreDNS forward's health_check and max_fails)
 * with real upstreams: two dnsmasq, the first stopped and started again on
 * its port. While it is down and marked so, questions go straight to the
 * second (no more timeouts spent on it); the probe finds it again once it is
 * back, and it is asked again. Logged and counted throughout.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { applyItems, parseDnsArgs } from './options.js';
import { startDnsCache, type DnsCacheHandle } from './server.js';
import { dig, freePort, sleep, startDnsmasq, type Dnsmasq } from './test-harness.js';

const running: { stop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const r of running.reverse()) await r.stop();
});

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await sleep(50);
  expect(check(), what).toBe(true);
}

describe('health-check and max-fails parse as CoreDNS names them', () => {
  test('bare health-check is 500 ms; max-fails 2 unless given; bad values are errors', () => {
    expect(applyItems(parseDnsArgs(['--health-check']).items)).toMatchObject({ healthCheckMs: 500, maxFails: 2 });
    expect(applyItems(parseDnsArgs(['--health-check=250', '--max-fails=3']).items)).toMatchObject({ healthCheckMs: 250, maxFails: 3 });
    expect(applyItems(parseDnsArgs([]).items).healthCheckMs).toBeUndefined();
    expect(() => applyItems(parseDnsArgs(['--health-check=soon']).items)).toThrow(/bad number/);
    expect(() => applyItems(parseDnsArgs(['--max-fails=x']).items)).toThrow(/bad number/);
  });
});

describe('an upstream stopped and started again', () => {
  let cache: DnsCacheHandle;
  let first: Dnsmasq;
  let second: Dnsmasq;
  const lines: string[] = [];

  test('is marked down after max-fails, skipped while down, probed, and used again once it answers', async () => {
    const firstPort = await freePort();
    const records = ['--host-record=a.test,198.18.5.5', '--host-record=b.test,198.18.5.6', '--host-record=c.test,198.18.5.7', '--host-record=d.test,198.18.5.8'];
    first = await startDnsmasq('127.0.0.1', records, 'test', firstPort);
    second = await startDnsmasq('127.0.0.1', records, 'test');
    running.push(first, second);
    const config = applyItems(parseDnsArgs(['--strict-order', '--health-check=100', '--max-fails=2', '--upstream-timeout=300', '--no-negcache', '--cache-size=0']).items);
    cache = await startDnsCache(
      { ...config, listenAddresses: ['127.0.0.1'], noResolv: true, noHosts: true, servers: [first, second].map((u) => ({ address: u.address, port: u.port, family: 4 as const })) },
      { listenPort: 0, log: (line) => lines.push(line) },
    );
    running.push(cache);
    const at = cache.addresses[0]!;
    expect((await dig(at, ['a.test'])).answers.map((a) => a.data)).toEqual(['198.18.5.5']);
    expect(first.log()).toMatch(/\[A\] a\.test from/);

    await first.stop();
    // Two questions time out on the first upstream and are answered by the second; then it is down.
    for (const name of ['b.test', 'c.test']) expect((await dig(at, [name])).answers.map((a) => a.data)).not.toEqual([]);
    expect(cache.stats()).toMatchObject({ upstreamsDown: 1, upstreamsMarkedDown: 1 });
    expect(lines.some((l) => l.startsWith(`upstream 127.0.0.1#${firstPort} is down after 2 failed questions`))).toBe(true);
    const failures = cache.stats().upstreamFailures;
    for (let i = 0; i < 5; i++) expect((await dig(at, ['d.test'])).answers.map((a) => a.data)).toEqual(['198.18.5.8']);
    // Skipped while down: no question waited for it.
    expect(cache.stats().upstreamFailures).toBe(failures);
    await until('probes were sent to the down upstream', () => cache.stats().healthProbes >= 2);

    first = await startDnsmasq('127.0.0.1', records, 'test', firstPort);
    running.push(first);
    await until('the probe found it again', () => cache.stats().upstreamsDown === 0);
    expect(lines).toContain(`upstream 127.0.0.1#${firstPort} answers again: used again`);
    expect((await dig(at, ['b.test'])).answers.map((a) => a.data)).toEqual(['198.18.5.6']);
    expect(first.log()).toMatch(/\[A\] b\.test from/);
  });

  test('when every upstream is down they are all tried anyway, and the first that answers is up again', async () => {
    const port = await freePort();
    const only = await startDnsmasq('127.0.0.1', ['--host-record=a.test,198.18.5.5'], 'test', port);
    running.push(only);
    const config = applyItems(parseDnsArgs(['--health-check=60000', '--max-fails=1', '--upstream-timeout=300', '--cache-size=0']).items);
    const lone = await startDnsCache({ ...config, listenAddresses: ['127.0.0.1'], noResolv: true, noHosts: true, servers: [{ address: '127.0.0.1', port, family: 4 }] }, { listenPort: 0, log: () => {} });
    running.push(lone);
    await only.stop();
    expect((await dig(lone.addresses[0]!, ['a.test'])).status).toBe('SERVFAIL');
    expect(lone.stats().upstreamsDown).toBe(1);
    const back = await startDnsmasq('127.0.0.1', ['--host-record=a.test,198.18.5.5'], 'test', port);
    running.push(back);
    // The probe waits a minute; the question itself still goes to the only upstream, which answers.
    expect((await dig(lone.addresses[0]!, ['a.test'])).answers.map((a) => a.data)).toEqual(['198.18.5.5']);
    expect(lone.stats().upstreamsDown).toBe(0);
  });
});
