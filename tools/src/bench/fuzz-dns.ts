/**
 * `npm run fuzz:dns`: hostile traffic at the real DNS cache, over real UDP
 * (and some TCP) on loopback, until FUZZ_PACKETS (1,000,000) packets are sent
 * or FUZZ_SECONDS (600) pass. The cache runs as a child process (as
 * `leasehold dns` runs it, with rate limiting on) in front of a dnsmasq
 * upstream; its memory is read from /proc every 100,000 packets and must stay
 * flat, and it must still answer a plain query at the end.
 *
 * The mix: fast-check samples of @leasehold/protocol/testing's valid DNS
 * messages (dnsMessageBytes) and mutated ones (mutatedDnsBytes), generated in
 * a worker thread (fast-check makes about 10,000 a second) with QR cleared in
 * half so more of them reach the question parser; random bytes (any length
 * to 600, some with a query-looking header); and a valid query flood (A,
 * AAAA, TXT, MX and ANY for 50,000 names, half with EDNS, some with a 64 KB
 * EDNS size) from one source prefix, which rate limiting cuts down. The fuzz
 * traffic comes from eight other /24s of 127/8. Every 400th packet goes over
 * one of four TCP connections instead, and now and then a connection sends
 * a broken frame and is dropped.
 *
 * Memory is sampled after a full garbage collection in the server (it runs
 * with --expose-gc), so the JS heap figure is what is live. Exit code 1 if
 * the server died, stopped answering, its live JS heap grew by more than
 * FUZZ_HEAP_GROWTH_MB (16) between the 200,000th packet and the end, or its
 * RSS by more than FUZZ_RSS_GROWTH_MB (32) over the second half of the run
 * (V8 sizes its heap up during the first few hundred thousand packets: that
 * is a plateau being reached, not a leak).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect, type Socket as TcpSocket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';

const self = fileURLToPath(import.meta.url);
const CHUNK = 2000;
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

if (!isMainThread) {
  // The generator: chunks of fast-check samples, as long as the main thread wants them.
  const fc = (await import('fast-check')).default;
  const { dnsMessageBytes, mutatedDnsBytes } = await import('@leasehold/protocol/testing');
  const arbitrary = fc.oneof({ arbitrary: mutatedDnsBytes, weight: 3 }, { arbitrary: dnsMessageBytes, weight: 1 });
  let seed = Number(process.env.FUZZ_SEED ?? 1);
  parentPort!.on('message', () => {
    const samples = fc.sample(arbitrary, { numRuns: CHUNK, seed: seed++ });
    for (let i = 0; i < samples.length; i += 2) if (samples[i]!.length > 2) samples[i]![2]! &= 0x7f;
    parentPort!.postMessage(samples);
  });
} else if (process.argv[2] === '--serve') {
  // The cache alone in this child: the parent reads its RSS from /proc and asks for stats over IPC.
  const { loadConfig, parseDnsArgs, startDnsCache } = await import('@leasehold/dns-cache');
  const cache = await startDnsCache(loadConfig(parseDnsArgs(process.argv.slice(3))));
  process.on('message', (m) => {
    if (m === 'stats') {
      // A full collection first, so heapUsed is what is live, not garbage not yet collected.
      (globalThis as { gc?: () => void }).gc?.();
      process.send!({ stats: cache.stats(), memory: process.memoryUsage() });
    }
    if (m === 'stop') void cache.stop().then(() => process.exit(0));
  });
  process.send!({ ready: cache.addresses });
} else {
  await main();
}

async function main(): Promise<void> {
  const TARGET = Number(process.env.FUZZ_PACKETS ?? 1_000_000);
  const DEADLINE_MS = Number(process.env.FUZZ_SECONDS ?? 600) * 1000;
  const RATE = Number(process.env.FUZZ_RATE ?? 25_000);
  const RSS_GROWTH_MB = Number(process.env.FUZZ_RSS_GROWTH_MB ?? 32);
  const HEAP_GROWTH_MB = Number(process.env.FUZZ_HEAP_GROWTH_MB ?? 16);
  const RRL_RATE = 3000;
  const children: ChildProcess[] = [];
  // Whatever ends this process, the children go too.
  process.once('exit', () => children.forEach((c) => c.kill('SIGTERM')));
  const freePort = async () => {
    const s = createSocket('udp4');
    const port = await new Promise<number>((resolve) => s.bind(0, '127.0.0.1', () => resolve(s.address().port)));
    s.close();
    return port;
  };
  const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  let serverPid = 0;
  const sample = (packets: number, memory: NodeJS.MemoryUsage) => ({
    packets,
    rssMb: rssKb(serverPid) / 1024,
    heapMb: memory.heapUsed / 2 ** 20,
    heapTotalMb: memory.heapTotal / 2 ** 20,
    externalMb: memory.external / 2 ** 20,
  });

  try {
    const upstreamPort = await freePort();
    children.push(
      spawn('dnsmasq', [
        '--no-daemon', `--port=${upstreamPort}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts',
        '--conf-file=/dev/null', '--address=/fuzz.test/192.0.2.1', '--local-ttl=30', '--dns-forward-max=10000',
        ...Array.from({ length: 12 }, (_, i) => `--txt-record=big.fuzz.test,${String(i).padStart(2, '0')}${'x'.repeat(90)}`),
      ], { stdio: 'ignore' }),
    );
    const port = await freePort();
    const server = spawn(
      process.execPath,
      [
        '--expose-gc', '--import', import.meta.resolve('tsx'), '--conditions=@leasehold/source', self, '--serve',
        '--listen-address', '127.0.0.1', '--port', String(port), '--no-resolv', '--server', `127.0.0.1#${upstreamPort}`,
        '--cache-size', '5000', '--upstream-timeout', '500', `--rrl-rate=${RRL_RATE}`, '--rrl-slip=2', '--host-record=gw.fuzz.lan,10.0.0.1',
      ],
      { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    children.push(server);
    serverPid = server.pid!;
    let exited: string | undefined;
    server.once('exit', (code, signal) => (exited = `exited with code ${code} signal ${signal}`));
    const ready = await new Promise<{ ready: { udp: string }[] }>((resolve, reject) => {
      server.once('message', (m) => resolve(m as { ready: { udp: string }[] }));
      server.once('exit', () => reject(new Error(`the server did not start (${exited})`)));
    });
    const ask = () =>
      new Promise<{ stats: Record<string, number>; memory: NodeJS.MemoryUsage }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no stats from the server')), 10_000);
        server.once('message', (m) => {
          clearTimeout(timer);
          resolve(m as { stats: Record<string, number>; memory: NodeJS.MemoryUsage });
        });
        server.send('stats');
      });

    // Replies, by transport and rcode.
    const rcodes = new Map<string, number>();
    let udpReplies = 0;
    let tcpReplies = 0;
    let truncated = 0;
    const count = (reply: Uint8Array, via: string) => {
      if (reply.length < 4) return;
      const key = `${via} ${RCODES[reply[3]! & 0xf] ?? reply[3]! & 0xf}`;
      rcodes.set(key, (rcodes.get(key) ?? 0) + 1);
      if (reply[2]! & 0x02) truncated++;
    };
    const bindUdp = async (address: string) => {
      const s = createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
      s.on('message', (m) => {
        udpReplies++;
        count(m, 'udp');
      });
      s.on('error', () => {});
      await new Promise<void>((resolve) => s.bind(0, address, () => resolve()));
      return s;
    };
    const fuzzSockets: Socket[] = [];
    for (let i = 1; i <= 8; i++) fuzzSockets.push(await bindUdp(`127.0.${i}.1`));
    const floodSocket = await bindUdp('127.0.99.1');

    const tcp: TcpSocket[] = [];
    let tcpSent = 0;
    let tcpBroken = 0;
    const openTcp = () => {
      const socket = connect({ host: '127.0.0.1', port });
      let buffered = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
          tcpReplies++;
          count(buffered.subarray(2, 2 + buffered.readUInt16BE(0)), 'tcp');
          buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
        }
      });
      socket.on('error', () => {});
      return socket;
    };
    for (let i = 0; i < 4; i++) tcp.push(openTcp());

    const worker = new Worker(self, { execArgv: process.execArgv });
    worker.on('error', (error) => {
      throw error;
    });
    const fcQueue: Uint8Array[] = [];
    let asked = 0;
    worker.on('message', (samples: Uint8Array[]) => {
      asked--;
      fcQueue.push(...samples);
    });
    const want = () => {
      while (asked < 3 && fcQueue.length < CHUNK * 4) {
        asked++;
        worker.postMessage('more');
      }
    };
    want();
    while (fcQueue.length < CHUNK) await new Promise((r) => setTimeout(r, 20));

    const sent = { fastCheck: 0, random: 0, flood: 0 };
    let total = 0;
    const rss: { packets: number; rssMb: number; heapMb: number; heapTotalMb: number; externalMb: number }[] = [];
    const started = performance.now();
    const TYPES = [1, 28, 16, 15, 255];
    const send = (bytes: Uint8Array, socket: Socket) => {
      total++;
      if (total % 400 === 0) {
        const conn = tcp[total % tcp.length]!;
        if (total % 20_000 === 0) {
          // A broken frame (the length promises more than ever comes), then a fresh connection in its place.
          tcpBroken++;
          conn.end(Buffer.concat([Buffer.of(0x40, 0), bytes]));
          tcp[total % tcp.length] = openTcp();
        } else {
          tcpSent++;
          const frame = Buffer.allocUnsafe(bytes.length + 2);
          frame.writeUInt16BE(bytes.length, 0);
          frame.set(bytes, 2);
          conn.write(frame);
        }
        return;
      }
      socket.send(bytes, port, '127.0.0.1');
    };

    let nextSample = 100_000;
    while (total < TARGET && performance.now() - started < DEADLINE_MS && exited === undefined) {
      const tickStart = performance.now();
      const n = Math.max(1, Math.round(RATE / 100));
      for (let i = 0; i < n && total < TARGET; i++) {
        const r = i % 20;
        const socket = fuzzSockets[total % fuzzSockets.length]!;
        if (r < 9 && fcQueue.length > 0) {
          sent.fastCheck++;
          send(fcQueue.pop()!, socket);
        } else if (r < 13) {
          sent.random++;
          const bytes = randomBytes(randomInt(0, 600));
          // Half look like a query header: QR clear, one question.
          if (bytes.length >= 12 && r % 2 === 0) {
            bytes[2]! &= 0x7f;
            bytes[4] = 0;
            bytes[5] = 1;
          }
          send(bytes, socket);
        } else {
          sent.flood++;
          send(floodQuery(randomInt(0, 65536), `q${randomInt(0, 50_000)}.fuzz.test`, TYPES[randomInt(0, TYPES.length)]!, randomInt(0, 4)), floodSocket);
        }
        if (total >= nextSample) {
          nextSample += 100_000;
          const { memory } = await ask();
          rss.push(sample(total, memory));
          const last = rss.at(-1)!;
          console.log(
            `${total.toLocaleString('en-US')} packets, ${Math.round(total / ((performance.now() - started) / 1000)).toLocaleString('en-US')}/s, ` +
              `server RSS ${last.rssMb.toFixed(1)} MB, live JS heap ${last.heapMb.toFixed(1)} MB (of ${last.heapTotalMb.toFixed(1)}), external ${last.externalMb.toFixed(1)} MB`,
          );
        }
      }
      want();
      const spent = performance.now() - tickStart;
      await new Promise((r) => setTimeout(r, Math.max(0, 10 - spent)));
    }
    const seconds = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 2000));
    await worker.terminate();

    // Still answering a plain question, over UDP.
    const probe = await bindUdp('127.0.0.1');
    const answered = await new Promise<boolean>((resolve) => {
      probe.once('message', (m) => resolve(m.readUInt16BE(6) === 1));
      probe.send(floodQuery(4242, 'gw.fuzz.lan', 1, 0), port, '127.0.0.1');
      setTimeout(() => resolve(false), 2000);
    });
    const final = exited === undefined ? await ask() : undefined;
    if (exited === undefined) rss.push(sample(total, final!.memory));

    console.log(`\nserver udp path: ${ready.ready.map((a) => a.udp).join('/')}`);
    console.log(`sent ${total.toLocaleString('en-US')} packets in ${seconds.toFixed(1)} s (${Math.round(total / seconds).toLocaleString('en-US')}/s): ` +
      `${sent.fastCheck} fast-check (valid and mutated messages), ${sent.random} random bytes, ${sent.flood} valid-query flood; ` +
      `${tcpSent} of them over TCP, ${tcpBroken} as broken TCP frames`);
    console.log(`replies: ${udpReplies} over UDP, ${tcpReplies} over TCP, ${truncated} with TC; none for ${total - udpReplies - tcpReplies} (dropped by design, rate-limited, or lost)`);
    for (const [key, n] of [...rcodes].sort()) console.log(`  ${key.padEnd(14)} ${n}`);
    if (final) {
      const s = final.stats;
      console.log(`server counters: queries ${s.queries}, dropped ${s.dropped}, formerr ${s.formerr}, rrl dropped ${s.rrlDropped}, rrl slipped ${s.rrlSlipped}, ` +
        `minimal ANY ${s.minimalAny}, cache hits ${s.cacheHits}, misses ${s.cacheMisses}, forwarded ${s.forwarded}, servfail ${s.servfail}, ` +
        `upstream dropped ${s.upstreamDropped}, truncated ${s.truncated}, cache entries ${s.cacheEntries}, in flight ${s.inFlight}`);
    }
    console.log(`memory (server RSS / live JS heap, MB): ${rss.map((r) => `${(r.packets / 1000).toFixed(0)}k ${r.rssMb.toFixed(0)}/${r.heapMb.toFixed(0)}`).join(', ')}`);
    const last = rss.at(-1);
    const base = rss.find((r) => r.packets >= 200_000) ?? rss[0];
    const half = rss.find((r) => r.packets >= total / 2) ?? rss[0];
    const heapGrowth = base && last ? last.heapMb - base.heapMb : 0;
    const rssGrowth = half && last ? last.rssMb - half.rssMb : 0;
    const problems = [
      ...(exited ? [`the server ${exited}`] : []),
      ...(answered ? [] : ['the server did not answer a plain query at the end']),
      ...(heapGrowth > HEAP_GROWTH_MB ? [`the live JS heap grew ${heapGrowth.toFixed(1)} MB after ${base!.packets} packets`] : []),
      ...(rssGrowth > RSS_GROWTH_MB ? [`RSS grew ${rssGrowth.toFixed(1)} MB over the second half`] : []),
    ];
    console.log(
      problems.length === 0
        ? `OK: no crash, still answering; live JS heap ${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(1)} MB since ${base?.packets ?? 0} packets, RSS ${rssGrowth >= 0 ? '+' : ''}${rssGrowth.toFixed(1)} MB over the second half`
        : `FAILED: ${problems.join('; ')}`,
    );
    process.exitCode = problems.length === 0 ? 0 : 1;
    server.send('stop');
    for (const s of [...fuzzSockets, floodSocket, probe]) s.close();
    for (const t of tcp) t.destroy();
  } finally {
    await new Promise((r) => setTimeout(r, 300));
    for (const child of children) child.kill('SIGTERM');
  }
}


/** A query as clients send it: RD set; edns 1 adds an OPT (1232), 2 one advertising 64 KB, 3 one with DO. */
function floodQuery(id: number, name: string, type: number, edns: number): Uint8Array {
  const labels = name.split('.');
  const nameLength = labels.reduce((n, l) => n + l.length + 1, 1);
  const out = Buffer.alloc(12 + nameLength + 4 + (edns > 0 ? 11 : 0));
  out.writeUInt16BE(id, 0);
  out[2] = 0x01;
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(edns > 0 ? 1 : 0, 10);
  let at = 12;
  for (const label of labels) {
    out[at++] = label.length;
    at += out.write(label, at, 'ascii');
  }
  out[at++] = 0;
  out.writeUInt16BE(type, at);
  out.writeUInt16BE(1, at + 2);
  at += 4;
  if (edns > 0) {
    out.writeUInt16BE(41, at + 1);
    out.writeUInt16BE(edns === 2 ? 65535 : 1232, at + 3);
    if (edns === 3) out[at + 7] = 0x80;
  }
  return out;
}
