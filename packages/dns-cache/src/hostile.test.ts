/**
 * Hostile input over UDP, end to end against the real server on loopback
 * with a real dnsmasq upstream: reflection/amplification attempts (ANY and
 * large TXT questions from one spoofed-looking source) cut to the rate with
 * slipped truncated answers, reply sizes capped (512 without EDNS,
 * edns-packet-max with it), ANY answered minimally (RFC 8482), while other
 * prefixes and TCP keep getting full answers. The clock is fixed, so the
 * buckets never refill during a test and the counts are exact.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeDns } from '@leasehold/protocol';
import type { DnsCacheConfig } from './config.js';
import { startDnsCache, type DnsCacheHandle } from './server.js';
import { dig, query, startDnsmasq, udpExchange, type Dnsmasq } from './test-harness.js';

const TC = 0x02;
const ANY = 255;
const TXT = 16;
let upstream: Dnsmasq;
const running: DnsCacheHandle[] = [];

async function cache(config: Partial<DnsCacheConfig>) {
  const handle = await startDnsCache(
    { listenAddresses: ['127.0.0.1'], noResolv: true, servers: [{ address: upstream.address, port: upstream.port, family: 4 }], ...config },
    { listenPort: 0, now: () => 1_000_000 },
  );
  running.push(handle);
  return { handle, at: handle.addresses[0]! };
}

beforeAll(async () => {
  upstream = await startDnsmasq('127.0.0.1', [
    '--host-record=www.test,198.19.2.10,300',
    // About 1.3 KB of TXT: more than 512 and than 1232 bytes.
    ...Array.from({ length: 12 }, (_, i) => `--txt-record=big.test,${String(i).padStart(2, '0')}${'x'.repeat(90)}`),
  ]);
});

afterAll(async () => {
  await Promise.all(running.map((h) => h.stop()));
  await upstream.stop();
});

describe('response rate limiting', () => {
  test('a flood of ANY and large TXT questions from one prefix is cut to the rate, every second limited answer is slipped truncated, and no reply is larger than edns-packet-max', async () => {
    const { handle, at } = await cache({ rrlRate: 10, rrlSlip: 2 });
    // Cached first, from another prefix, so the flood is answered from the cache.
    expect((await dig(at, ['-b', '127.0.9.1', '+bufsize=4096', '+ignore', 'big.test', 'TXT'])).flags).toContain('tc');
    const flood = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? query('www.test', i, ANY) : query('big.test', i, TXT, 65535)));
    const replies = await udpExchange(at, flood, 600, '127.0.5.1');
    const truncated = replies.filter((r) => (r[2]! & TC) !== 0);
    const full = replies.filter((r) => (r[2]! & TC) === 0);
    // 10 answered, 90 over the rate: 45 slipped, 45 dropped.
    expect(replies.length).toBe(55);
    expect(handle.stats().rrlSlipped).toBe(45);
    expect(handle.stats().rrlDropped).toBe(45);
    // The 10 answered: half ANY (one HINFO), half TXT too large for 1232 bytes (truncated); none over the cap.
    expect(full.length).toBe(5);
    for (const r of replies) expect(r.length).toBeLessThanOrEqual(1232);
    // A slipped reply is header and question only: never larger than the question that caused it.
    const slipped = truncated.filter((r) => r.readUInt16BE(6) === 0 && r.readUInt16BE(10) === 0);
    expect(slipped.length).toBeGreaterThanOrEqual(45);
    for (const r of slipped) expect(r.length).toBeLessThanOrEqual(flood[r.readUInt16BE(0)]!.length);
    // Bytes out over bytes in: a reflection through this cache is no amplifier.
    const bytesIn = flood.reduce((n, q) => n + q.length, 0);
    const bytesOut = replies.reduce((n, r) => n + r.length, 0);
    expect(bytesOut / bytesIn).toBeLessThan(1.5);
  });

  test('clients of other prefixes keep getting answers from dig while one prefix is limited, and the limited prefix still gets them over TCP', async () => {
    const { at } = await cache({ rrlRate: 5, rrlSlip: 0 });
    await udpExchange(at, Array.from({ length: 50 }, (_, i) => query('www.test', i)), 300, '127.0.5.1');
    // Dropped: dig gets nothing and gives up.
    await expect(dig(at, ['-b', '127.0.5.2', '+time=1', 'www.test', 'A'])).rejects.toMatchObject({ stdout: expect.stringMatching(/timed out/) });
    for (const source of ['127.0.6.1', '127.0.7.1', '127.0.0.1']) {
      const other = await dig(at, ['-b', source, 'www.test', 'A']);
      expect(other.status).toBe('NOERROR');
      expect(other.answers).toEqual([{ name: 'www.test.', ttl: 300, type: 'A', data: '198.19.2.10' }]);
    }
    const tcp = await dig(at, ['-b', '127.0.5.2', '+tcp', 'www.test', 'A']);
    expect(tcp.answers.map((a) => a.data)).toEqual(['198.19.2.10']);
  });

  test('a real client behind a limited prefix gets a slipped truncated answer and dig retries it over TCP', async () => {
    const { handle, at } = await cache({ rrlRate: 3, rrlSlip: 1 });
    await udpExchange(at, Array.from({ length: 20 }, (_, i) => query('www.test', i)), 300, '127.0.5.1');
    const answer = await dig(at, ['-b', '127.0.5.3', 'www.test', 'A']);
    expect(answer.status).toBe('NOERROR');
    expect(answer.answers.map((a) => a.data)).toEqual(['198.19.2.10']);
    expect(answer.text).toContain('Truncated, retrying in TCP mode');
    expect(handle.stats().rrlSlipped).toBe(18);
  });

  test('without rrl-rate nothing is limited', async () => {
    const { handle, at } = await cache({});
    const replies = await udpExchange(at, Array.from({ length: 60 }, (_, i) => query('www.test', i)), 500, '127.0.5.1');
    expect(replies.length).toBe(60);
    expect(handle.stats().rrlDropped + handle.stats().rrlSlipped).toBe(0);
  });
});

describe('reply sizes and ANY', () => {
  test('a large answer is truncated at 512 bytes without EDNS, at edns-packet-max with a larger EDNS size, and whole at a smaller cap only over TCP', async () => {
    const { handle, at } = await cache({ ednsPacketMax: 1232 });
    const plain = await dig(at, ['+noedns', '+ignore', 'big.test', 'TXT']);
    expect(plain.flags).toContain('tc');
    const [asked4096] = await udpExchange(at, [query('big.test', 1, TXT, 4096)], 400);
    expect(asked4096!.length).toBeLessThanOrEqual(1232);
    expect(asked4096![2]! & TC).toBe(TC);
    // The OPT we send back advertises our own limit (RFC 6891 6.2.5).
    const opt = decodeDns(asked4096!).additionals.find((r) => r.type === 'OPT');
    expect(opt?.type === 'OPT' && opt.udpPayloadSize).toBe(1232);
    const viaTcp = await dig(at, ['+tcp', 'big.test', 'TXT']);
    expect(viaTcp.answers).toHaveLength(12);
    expect(handle.stats().truncated).toBeGreaterThanOrEqual(2);
    // With a larger cap configured, the same client gets the whole answer over UDP.
    const { at: roomy } = await cache({ ednsPacketMax: 4096 });
    const whole = await dig(roomy, ['+bufsize=4096', '+ignore', 'big.test', 'TXT']);
    expect(whole.flags).not.toContain('tc');
    expect(whole.answers).toHaveLength(12);
  });

  test('ANY over UDP is answered with one HINFO "RFC8482" record and not forwarded; over TCP, or with no-minimal-any, it is forwarded', async () => {
    const { handle, at } = await cache({});
    // dig 9.18 asks ANY over TCP unless told +notcp.
    const any = await dig(at, ['+notcp', 'www.test', 'ANY']);
    expect(any.status).toBe('NOERROR');
    expect(any.answers).toEqual([{ name: 'www.test.', ttl: 3600, type: 'HINFO', data: '"RFC8482" ""' }]);
    expect(handle.stats()).toMatchObject({ minimalAny: 1, forwarded: 0 });
    const tcp = await dig(at, ['+tcp', 'www.test', 'ANY']);
    expect(tcp.answers.map((a) => a.type)).toContain('A');
    const { at: plain } = await cache({ minimalAny: false });
    expect((await dig(plain, ['+notcp', 'www.test', 'ANY'])).answers.map((a) => a.type)).toContain('A');
  });
});
