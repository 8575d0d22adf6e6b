import { createSocket, type RemoteInfo } from 'node:dgram';
import { afterEach, describe, expect, test } from 'vitest';
import { ipv4Number, listenBatchedUdp, nativeUdp, openNativeClient, type NativeUdp } from './batched-udp.js';
import { resolveConfig } from './config.js';
import { ErrorGuard } from './guard.js';
import { Resolver } from './resolver.js';
import { startDnsCache, type DnsCacheHandle } from './server.js';
import { emptyStats } from './stats.js';
import { FakeUpstream, aRecord, answer, query, sleep, udpExchange } from './test-harness.js';

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
      { listenAddresses: ['127.0.0.1'], noResolv: true, hostRecords: [{ names: ['burst.lan'], ipv4: ['198.18.4.4'], ipv6: [], ttl: undefined }] },
      { listenPort: 0 },
    );
    running.push(handle);
    expect(handle.addresses[0]?.udp).toBe('batched');
    const ids = Array.from({ length: 300 }, (_, i) => 1000 + i);
    const replies = await udpExchange(handle.addresses[0]!, ids.map((id) => query('burst.lan', id)), 500);
    expect(replies.map((r) => r.readUInt16BE(0)).sort((a, b) => a - b)).toEqual(ids);
    expect(replies.every((r) => r.subarray(-4).join('.') === '198.18.4.4')).toBe(true);
    expect(handle.stats()).toMatchObject({ queries: 300, localAnswers: 300 });
  });

  test('a datagram longer than a slot is dropped and counted, and the listener keeps answering', async () => {
    const handle = await startDnsCache({ listenAddresses: ['127.0.0.1'], noResolv: true, hostRecords: [{ names: ['after.lan'], ipv4: ['198.18.4.5'], ipv6: [], ttl: undefined }] }, { listenPort: 0 });
    running.push(handle);
    const huge = new Uint8Array(5000);
    huge.set(query('after.lan', 7));
    const replies = await udpExchange(handle.addresses[0]!, [huge, query('after.lan', 8)], 200);
    expect(replies.map((r) => r.readUInt16BE(0))).toEqual([8]);
    expect(handle.stats().dropped).toBe(1);
  });

  test('regression: replies to forwarded questions, gathered after a batch, are each sent once and never resend the batch before them', async () => {
    const upstream = await FakeUpstream.start('127.0.0.1', (q) => answer(q, [aRecord(q, '198.19.2.5')]));
    try {
      const handle = await startDnsCache(
        { listenAddresses: ['127.0.0.1'], noResolv: true, servers: [upstream.server], hostRecords: [{ names: ['sync.lan'], ipv4: ['198.18.4.6'], ipv6: [], ttl: undefined }] },
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
      return answer(q, [aRecord(q, '198.19.2.9')]);
    });
    try {
      const handle = await startDnsCache({ listenAddresses: ['127.0.0.1'], noResolv: true, servers: [upstream.server] }, { listenPort: 0 });
      running.push(handle);
      const ids = Array.from({ length: 200 }, (_, i) => 2000 + i);
      const replies = await udpExchange(handle.addresses[0]!, ids.map((id) => query(`miss${id}.example`, id)), 800);
      expect(replies.map((r) => r.readUInt16BE(0)).sort((a, b) => a - b)).toEqual(ids);
      expect(replies.every((r) => r.subarray(-4).join('.') === '198.19.2.9')).toBe(true);
      expect(upstream.udpQueries).toBe(200);
      expect(new Set(upstream.seen.map((m) => m.questions?.[0]?.name)).size).toBe(200);
      // A pool of sockets, each on its own kernel-chosen port, replaced after 64 questions (RFC 5452).
      expect(ports.size).toBeGreaterThan(3);
    } finally {
      await upstream.stop();
    }
  });
});

/** A bare addon socket on 127.0.0.1 for sending test datagrams synchronously (sendto before the event loop can read any). */
function rawSender(native: NativeUdp): { sendTo(port: number, data: Uint8Array, times: number): void; close(): void } {
  const size = native.SLOTS * native.SLOT_SIZE;
  const meta = native.SLOTS * 16;
  const socket = native.open('127.0.0.1', 0, new ArrayBuffer(size), new ArrayBuffer(meta), new ArrayBuffer(size), new ArrayBuffer(meta), () => {});
  return {
    sendTo: (port, data, times) => {
      for (let i = 0; i < times; i++) native.sendOne(socket, data, ipv4Number('127.0.0.1'), port);
    },
    close: () => native.close(socket),
  };
}

/** The local port of an upstream client socket, learnt from a datagram it sends to a probe. */
async function clientPort(client: ReturnType<typeof openNativeClient>): Promise<number> {
  const probe = createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', () => resolve()));
  const from = new Promise<RemoteInfo>((resolve) => probe.once('message', (_m, rinfo) => resolve(rinfo)));
  client.send(Uint8Array.of(1, 2, 3), ipv4Number('127.0.0.1'), probe.address().port, () => {});
  const port = (await from).port;
  probe.close();
  return port;
}

/** Collects uncaught exceptions while `run` runs (vitest would report them too, after the fact). */
async function uncaughtDuring(run: () => Promise<void>): Promise<unknown[]> {
  const caught: unknown[] = [];
  const listener = (error: unknown) => caught.push(error);
  process.prependListener('uncaughtException', listener);
  try {
    await run();
  } finally {
    process.removeListener('uncaughtException', listener);
  }
  return caught;
}

describe('closing and errors inside the read loops (issue 15)', () => {
  test('regression: an upstream socket closed from inside its own message callback while more datagrams are queued ends its read loop cleanly, with no uncaught ECLOSED', async () => {
    const native = nativeUdp()!;
    const sender = rawSender(native);
    const delivered: number[] = [];
    const errors: unknown[] = [];
    let port = 0;
    const uncaught = await uncaughtDuring(async () => {
      const client = openNativeClient(
        native,
        (message) => {
          delivered.push(message[0]!);
          // What the upstream pool does when a retired socket's last answer arrives.
          if (delivered.length === 1) client.close();
        },
        (error) => errors.push(error),
      );
      port = await clientPort(client);
      // Three full batches queued before the loop reads the first: before the fix, its next recv() threw ECLOSED.
      for (let i = 0; i < 200; i++) sender.sendTo(port, Uint8Array.of(i & 255, 0, 0, 0), 1);
      await sleep(150);
    });
    sender.close();
    expect(uncaught).toEqual([]);
    expect(errors).toEqual([]);
    // Nothing is delivered after the close, not even the rest of the batch it came in.
    expect(delivered).toEqual([0]);
    // The descriptor was closed once the loop returned: the port is free again.
    const rebind = createSocket('udp4');
    await expect(new Promise<void>((resolve, reject) => {
      rebind.once('error', reject);
      rebind.bind(port, '0.0.0.0', () => resolve());
    })).resolves.toBeUndefined();
    rebind.close();
  });

  test('what an upstream socket\'s message callback throws goes to its error callback, and the messages after it are still delivered', async () => {
    const native = nativeUdp()!;
    const sender = rawSender(native);
    let delivered = 0;
    const errors: unknown[] = [];
    const client = openNativeClient(
      native,
      () => {
        delivered++;
        if (delivered === 3) throw new Error('a bug in the answer matching');
      },
      (error) => errors.push(error),
    );
    const uncaught = await uncaughtDuring(async () => {
      sender.sendTo(await clientPort(client), Uint8Array.of(7), 100);
      await sleep(150);
    });
    client.close();
    sender.close();
    expect(uncaught).toEqual([]);
    expect(delivered).toBe(100);
    expect(errors.map((e) => (e as Error).message)).toEqual(['a bug in the answer matching']);
  });

  test('a query whose handling throws is counted in internalErrors and logged once, and the listener answers the queries after it', async () => {
    const native = nativeUdp()!;
    const stats = emptyStats();
    const lines: string[] = [];
    const resolver = new Resolver(
      resolveConfig({ noResolv: true, hostRecords: [{ names: ['guarded.lan'], ipv4: ['198.18.4.7'], ipv6: [], ttl: undefined }] }),
      { v4: [], loopback: true },
      stats,
      undefined,
      undefined,
      new ErrorGuard(stats, (line) => lines.push(line)),
    );
    const handle = resolver.handle.bind(resolver);
    resolver.handle = (bytes, client, send) => {
      if (((bytes[0]! << 8) | bytes[1]!) % 10 === 0) throw new Error('a bug in the resolver');
      handle(bytes, client, send);
    };
    const udp = listenBatchedUdp(native, '127.0.0.1', 0, resolver);
    try {
      const ids = Array.from({ length: 100 }, (_, i) => i + 1);
      const replies = await udpExchange({ address: '127.0.0.1', port: udp.port }, ids.map((id) => query('guarded.lan', id)), 300);
      expect(replies.map((r) => r.readUInt16BE(0)).sort((a, b) => a - b)).toEqual(ids.filter((id) => id % 10 !== 0));
      expect(stats.internalErrors).toBe(10);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/error caught in handling a UDP query, 1 so far: Error: a bug in the resolver/);
    } finally {
      udp.close();
      resolver.close();
    }
  });

  test('a listener closed while a forwarded question is upstream sends nothing when the answer comes, and throws nothing', async () => {
    const upstream = await FakeUpstream.start('127.0.0.1', async (q) => {
      await sleep(150);
      return answer(q, [aRecord(q, '198.19.2.7')]);
    });
    try {
      const handle = await startDnsCache({ listenAddresses: ['127.0.0.1'], noResolv: true, servers: [upstream.server] }, { listenPort: 0 });
      const uncaught = await uncaughtDuring(async () => {
        const pending = udpExchange(handle.addresses[0]!, [query('late.example', 1)], 300);
        await sleep(50);
        await handle.stop();
        expect(await pending).toEqual([]);
      });
      expect(uncaught).toEqual([]);
      expect(handle.stats().internalErrors).toBe(0);
    } finally {
      await upstream.stop();
    }
  });
});
