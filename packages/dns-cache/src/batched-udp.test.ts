import { afterEach, describe, expect, test } from 'vitest';
import { nativeUdp } from './batched-udp.js';
import { startDnsCache, type DnsCacheHandle } from './server.js';
import { FakeUpstream, aRecord, answer, query, udpExchange } from './test-harness.js';

const running: DnsCacheHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((h) => h.stop()));
});

describe('batched UDP listener', () => {
  test('the native addon is built and loads', () => {
    expect(nativeUdp()).toBeDefined();
    expect(nativeUdp()?.SLOTS).toBe(64);
  });

  test('a burst of queries larger than one batch is answered in full, each reply to its own id', async () => {
    const handle = await startDnsCache(
      { listenAddresses: ['127.0.0.1'], noResolv: true, hostRecords: [{ names: ['burst.lan'], ipv4: ['10.4.4.4'], ipv6: [], ttl: undefined }] },
      { listenPort: 0 },
    );
    running.push(handle);
    expect(handle.addresses[0]?.udp).toBe('batched');
    const ids = Array.from({ length: 300 }, (_, i) => 1000 + i);
    const replies = await udpExchange(handle.addresses[0]!, ids.map((id) => query('burst.lan', id)), 500);
    expect(replies.map((r) => r.readUInt16BE(0)).sort((a, b) => a - b)).toEqual(ids);
    expect(replies.every((r) => r.subarray(-4).join('.') === '10.4.4.4')).toBe(true);
    expect(handle.stats()).toMatchObject({ queries: 300, localAnswers: 300 });
  });

  test('a datagram longer than a slot is dropped and counted, and the listener keeps answering', async () => {
    const handle = await startDnsCache({ listenAddresses: ['127.0.0.1'], noResolv: true, hostRecords: [{ names: ['after.lan'], ipv4: ['10.4.4.5'], ipv6: [], ttl: undefined }] }, { listenPort: 0 });
    running.push(handle);
    const huge = new Uint8Array(5000);
    huge.set(query('after.lan', 7));
    const replies = await udpExchange(handle.addresses[0]!, [huge, query('after.lan', 8)], 200);
    expect(replies.map((r) => r.readUInt16BE(0))).toEqual([8]);
    expect(handle.stats().dropped).toBe(1);
  });

  test('regression: replies to forwarded questions, gathered after a batch, are each sent once and never resend the batch before them', async () => {
    const upstream = await FakeUpstream.start('127.0.0.1', (q) => answer(q, [aRecord(q, '192.0.2.5')]));
    try {
      const handle = await startDnsCache(
        { listenAddresses: ['127.0.0.1'], noResolv: true, servers: [upstream.server], hostRecords: [{ names: ['sync.lan'], ipv4: ['10.4.4.6'], ipv6: [], ttl: undefined }] },
        { listenPort: 0 },
      );
      running.push(handle);
      // Local answers (sent with the batch) and forwarded ones (sent later) interleaved.
      const ids = Array.from({ length: 120 }, (_, i) => i);
      const replies = await udpExchange(handle.addresses[0]!, ids.map((id) => query(id % 3 === 0 ? `f${id}.example` : 'sync.lan', id)), 600);
      expect(replies.map((r) => r.readUInt16BE(0)).sort((a, b) => a - b)).toEqual(ids);
    } finally {
      await upstream.stop();
    }
  });
  test('questions to upstream leave in batches: a burst of distinct misses reaches upstream once each, from several random ports, and every client is answered', async () => {
    const ports = new Set<number>();
    const upstream = await FakeUpstream.start('127.0.0.1', (q, _raw, info) => {
      if (info.from) ports.add(info.from.port);
      return answer(q, [aRecord(q, '192.0.2.9')]);
    });
    try {
      const handle = await startDnsCache({ listenAddresses: ['127.0.0.1'], noResolv: true, servers: [upstream.server] }, { listenPort: 0 });
      running.push(handle);
      const ids = Array.from({ length: 200 }, (_, i) => 2000 + i);
      const replies = await udpExchange(handle.addresses[0]!, ids.map((id) => query(`miss${id}.example`, id)), 800);
      expect(replies.map((r) => r.readUInt16BE(0)).sort((a, b) => a - b)).toEqual(ids);
      expect(replies.every((r) => r.subarray(-4).join('.') === '192.0.2.9')).toBe(true);
      expect(upstream.udpQueries).toBe(200);
      expect(new Set(upstream.seen.map((m) => m.questions?.[0]?.name)).size).toBe(200);
      // A pool of sockets, each on its own kernel-chosen port, replaced after 64 questions (RFC 5452).
      expect(ports.size).toBeGreaterThan(3);
    } finally {
      await upstream.stop();
    }
  });
});
