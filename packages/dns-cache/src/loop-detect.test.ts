/**
 * dns-loop-detect with a real loop: an upstream dnsmasq that forwards
 * everything back to the cache under test. The same set-up is built around a
 * real dnsmasq 2.90 with --dns-loop-detect; both must log dnsmasq's line for
 * the looping upstream, answer from the good one, never use the looping one
 * again, and answer REFUSED when it was the only one.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LoopDetector } from './loop-detect.js';
import { startDnsCache, type DnsCacheHandle } from './server.js';
import { dig, freePort, sleep, startDnsmasq, type Dnsmasq } from './test-harness.js';

const running: { stop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const r of running.reverse()) await r.stop();
});

/** Polls until `check` holds (generous: CI machines are slow); fails with `what` otherwise. */
async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await sleep(50);
  expect(check(), what).toBe(true);
}

const LOOP_LINE = (port: number) => `NOT using nameserver 127.0.0.1#${port} - query loop detected`;

/** A good upstream, a looping one that forwards to `port`, in that order. */
async function upstreams(port: number): Promise<{ good: Dnsmasq; looping: Dnsmasq }> {
  const good = await startDnsmasq('127.0.0.1', ['--host-record=a.test,198.18.5.5'], 'test');
  const looping = await startDnsmasq('127.0.0.1', [`--server=127.0.0.1#${port}`]);
  running.push(good, looping);
  return { good, looping };
}

describe('the probe names', () => {
  test('each server gets its own <8 hex>.test TXT question; only this round comes back as a probe', () => {
    const loops = new LoopDetector();
    const servers = [{ address: '198.18.255.1', port: 53, family: 4 as const }, { address: '198.18.255.9', port: 53, family: 4 as const }];
    const probes = loops.probes(servers);
    expect(probes.map((p) => p.name)).toEqual([expect.stringMatching(/^[0-9a-f]{8}\.test$/), expect.stringMatching(/^[0-9a-f]{8}\.test$/)]);
    expect(loops.detect(probes[1]!.name, 1)).toBeUndefined();
    expect(loops.detect(probes[1]!.name, 16)).toEqual(servers[1]);
    expect(loops.detect(probes[1]!.name, 16)).toBeUndefined();
    expect(loops.isProbe(probes[1]!.name, 16)).toBe(true);
    expect([...loops.looped]).toEqual(['198.18.255.9#53']);
    loops.probes(servers);
    expect(loops.looped.size).toBe(0);
    expect(loops.isProbe(probes[1]!.name, 16)).toBe(false);
  });
});

describe('a forwarding loop, as dnsmasq 2.90 finds it', () => {
  let cache: DnsCacheHandle;
  let dnsmasq: Dnsmasq;
  const lines: string[] = [];
  let ours: { looping: Dnsmasq; good: Dnsmasq };
  let theirs: { looping: Dnsmasq; good: Dnsmasq };

  beforeAll(async () => {
    const ourPort = await freePort();
    ours = await upstreams(ourPort);
    cache = await startDnsCache(
      { listenAddresses: ['127.0.0.1'], noResolv: true, noHosts: true, dnsLoopDetect: true, servers: [ours.looping, ours.good].map((u) => ({ address: u.address, port: u.port, family: 4 as const })) },
      { listenPort: ourPort, log: (line) => lines.push(line) },
    );
    running.push(cache);
    const theirPort = await freePort();
    theirs = await upstreams(theirPort);
    dnsmasq = await startDnsmasq('127.0.0.1', ['--dns-loop-detect', `--server=127.0.0.1#${theirs.looping.port}`, `--server=127.0.0.1#${theirs.good.port}`], undefined, theirPort);
    running.push(dnsmasq);
  });

  test('both log the looping upstream with the same line', async () => {
    await until('dnsmasq found the loop', () => dnsmasq.log().includes(LOOP_LINE(theirs.looping.port)));
    await until('the cache found the loop', () => lines.includes(LOOP_LINE(ours.looping.port)));
    expect(cache.stats().loopsDetected).toBe(1);
  });

  test('both answer from the good upstream and never ask the looping one again', async () => {
    await until('the cache found the loop', () => cache.stats().loopsDetected === 1);
    for (const name of ['a.test', 'b.test', 'c.test']) {
      const [mine, theirsAnswer] = await Promise.all([dig(cache.addresses[0]!, [name, 'A']), dig(dnsmasq, [name, 'A'])]);
      expect({ status: mine.status, answers: mine.answers.map((a) => a.data) }).toEqual({ status: theirsAnswer.status, answers: theirsAnswer.answers.map((a) => a.data) });
    }
    expect(ours.looping.log()).not.toMatch(/query\[A\] [abc]\.test/);
    expect(theirs.looping.log()).not.toMatch(/query\[A\] [abc]\.test/);
  });

  test('reload (SIGHUP) probes every upstream again, the looping one found again', async () => {
    const before = cache.stats().loopsDetected;
    cache.reload();
    await until('the loop was found again', () => cache.stats().loopsDetected === before + 1);
  });
});

describe('when the only upstream loops', () => {
  test('both answer REFUSED, as dnsmasq 2.90 does with no usable server', async () => {
    const lines: string[] = [];
    const ourPort = await freePort();
    const looping = await startDnsmasq('127.0.0.1', [`--server=127.0.0.1#${ourPort}`]);
    running.push(looping);
    const cache = await startDnsCache(
      { listenAddresses: ['127.0.0.1'], noResolv: true, noHosts: true, dnsLoopDetect: true, servers: [{ address: looping.address, port: looping.port, family: 4 }] },
      { listenPort: ourPort, log: (line) => lines.push(line) },
    );
    running.push(cache);
    const theirPort = await freePort();
    const theirLooping = await startDnsmasq('127.0.0.1', [`--server=127.0.0.1#${theirPort}`]);
    running.push(theirLooping);
    const dnsmasq = await startDnsmasq('127.0.0.1', ['--dns-loop-detect', `--server=127.0.0.1#${theirLooping.port}`], undefined, theirPort);
    running.push(dnsmasq);
    await until('the cache found the loop', () => lines.includes(LOOP_LINE(looping.port)));
    await until('dnsmasq found the loop', () => dnsmasq.log().includes(LOOP_LINE(theirLooping.port)));
    const [mine, theirs] = await Promise.all([dig(cache.addresses[0]!, ['d.test', 'A']), dig(dnsmasq, ['d.test', 'A'])]);
    expect(mine.status).toBe('REFUSED');
    expect(mine.status).toBe(theirs.status);
  });
});
