/**
 * `npm run fuzz:dns`: hostile traffic at the real DNS cache, over real UDP
 * (and some TCP) on loopback, until FUZZ_PACKETS (1,000,000) packets are sent
 * or FUZZ_SECONDS (600) pass. Two caches run as child processes (as
 * `leasehold dns` runs them) in front of one dnsmasq upstream, and packets
 * go to either at random: one with response rate limiting on, one without
 * (where cache hits are answered inside the native addon's hot-answer
 * table). Their memory is read every 100,000 packets and must stay flat, and
 * each must still answer a plain query at the end.
 *
 * The mix: fast-check samples of @leasehold/protocol/testing's valid DNS
 * messages (dnsMessageBytes) and mutated ones (mutatedDnsBytes), generated in
 * a worker thread (fast-check makes about 10,000 a second) with QR cleared in
 * half so more of them reach the question parser; random bytes (any length
 * to 600, some with a query-looking header); and a valid query flood (A,
 * AAAA, TXT, MX and ANY for 1,000 names, half with EDNS, some with a 64 KB
 * EDNS size) from one source prefix, which rate limiting cuts down (1,000
 * names: with cache-size 5000 there are hits, misses and evictions). The fuzz
 * traffic comes from eight other /24s of 127/8. Every 400th packet goes over
 * one of four TCP connections instead, and now and then a connection sends
 * a broken frame and is dropped.
 *
 * Memory is sampled after a full garbage collection in each server (they
 * run with --expose-gc), so the JS heap figure is what is live. V8 grows its
 * heap reserve (mostly the young generation) in steps while garbage is made
 * at this rate, and RSS follows it to a plateau (about 240 MB after a million
 * packets, flat from there in a 2.5 million packet run), so RSS itself is
 * reported, and what is judged is what a leak would grow: the live JS heap
 * (at most FUZZ_HEAP_GROWTH_MB, 16, from the 200,000th packet to the end)
 * and the memory outside V8's heap, RSS minus the heap's reserve, where the
 * addon's mallocs live (at most FUZZ_NATIVE_GROWTH_MB, 32, over the second
 * half of the run). Exit code 1 if a server died, stopped answering, or grew.
 *
 * `npm run fuzz:dns -- --flood` (or FUZZ_MODE=flood) runs the flood mode
 * instead (dns-flood.ts): a cache-busting flood at the machine's full
 * rate against `leasehold dns`, the agent's DNS and dnsmasq, while a
 * legitimate client keeps asking.
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
} else if (process.argv.includes('--flood') || process.env.FUZZ_MODE === 'flood') {
  // The flood mode (issue 15): dns-flood.ts.
  await (await import('./dns-flood.js')).runFlood();
} else if (process.argv[2] === '--serve') {
  // The cache alone in this child: the parent reads its RSS from /proc and asks for stats over IPC.
  const { loadDnsConfig, parseDnsArgs, startDnsCache } = await import('@leasehold/dns-cache');
  const cache = await startDnsCache(loadDnsConfig(parseDnsArgs(process.argv.slice(3))));
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
  const NATIVE_GROWTH_MB = Number(process.env.FUZZ_NATIVE_GROWTH_MB ?? 32);
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
  type Memory = { packets: number; rssMb: number; heapMb: number; heapTotalMb: number; externalMb: number };
  type Answer = { stats: Record<string, number>; memory: NodeJS.MemoryUsage };

  try {
    const upstreamPort = await freePort();
    children.push(
      spawn('dnsmasq', [
        '--no-daemon', `--port=${upstreamPort}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts',
        '--conf-file=/dev/null', '--address=/fuzz.test/198.18.0.2', '--local-ttl=30', '--dns-forward-max=10000',
        ...Array.from({ length: 12 }, (_, i) => `--txt-record=big.fuzz.test,${String(i).padStart(2, '0')}${'x'.repeat(90)}`),
      ], { stdio: 'ignore' }),
    );
    /** One cache in its own child process: 'rrl' with rate limiting, 'hot' without (so cache hits take the addon's hot path). */
    const startServer = async (name: string, extra: string[]) => {
      const port = await freePort();
      const child = spawn(
        process.execPath,
        [
          '--expose-gc', '--import', import.meta.resolve('tsx'), '--conditions=@leasehold/source', self, '--serve',
          '--listen-address', '127.0.0.1', '--port', String(port), '--no-resolv', '--server', `127.0.0.1#${upstreamPort}`,
          '--cache-size', '5000', '--upstream-timeout', '500', '--host-record=gw.fuzz.lan,198.18.0.1', ...extra,
        ],
        { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
      );
      children.push(child);
      const server = { name, port, pid: child.pid!, udp: '', exited: undefined as string | undefined, memory: [] as Memory[], final: undefined as Answer | undefined };
      child.once('exit', (code, signal) => (server.exited = `exited with code ${code} signal ${signal}`));
      const ready = await new Promise<{ ready: { udp: string }[] }>((resolve, reject) => {
        child.once('message', (m) => resolve(m as { ready: { udp: string }[] }));
        child.once('exit', () => reject(new Error(`the ${name} server did not start (${server.exited})`)));
      });
      server.udp = ready.ready.map((a) => a.udp).join('/');
      const ask = () =>
        new Promise<Answer>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no stats from the ${name} server`)), 10_000);
          child.once('message', (m) => {
            clearTimeout(timer);
            resolve(m as Answer);
          });
          child.send('stats');
        });
      // record false: counters only (after the run V8 shrinks its heap reserve while RSS lags, which would skew the series).
      const sample = async (packets: number, record = true) => {
        if (server.exited !== undefined) return undefined;
        const answer = await ask();
        if (!record) return answer;
        const { memory } = answer;
        server.memory.push({
          packets,
          rssMb: rssKb(server.pid) / 1024,
          heapMb: memory.heapUsed / 2 ** 20,
          heapTotalMb: memory.heapTotal / 2 ** 20,
          externalMb: memory.external / 2 ** 20,
        });
        return answer;
      };
      return { ...server, get exited() { return server.exited; }, memory: server.memory, sample, stop: () => child.send('stop') };
    };
    const servers = [await startServer('rrl', [`--rrl-rate=${RRL_RATE}`, '--rrl-slip=2']), await startServer('hot', [])];
    const exited = () => servers.find((x) => x.exited !== undefined);

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
    const openTcp = (port: number) => {
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
    for (let i = 0; i < 4; i++) tcp.push(openTcp(servers[i % 2]!.port));

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
          tcp[total % tcp.length] = openTcp(servers[total % tcp.length % 2]!.port);
        } else {
          tcpSent++;
          const frame = Buffer.allocUnsafe(bytes.length + 2);
          frame.writeUInt16BE(bytes.length, 0);
          frame.set(bytes, 2);
          conn.write(frame);
        }
        return;
      }
      // Each packet goes to one of the two servers, at random.
      socket.send(bytes, servers[Math.random() < 0.5 ? 0 : 1]!.port, '127.0.0.1');
    };

    let nextSample = 100_000;
    while (total < TARGET && performance.now() - started < DEADLINE_MS && exited() === undefined) {
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
          send(floodQuery(randomInt(0, 65536), `q${randomInt(0, 1000)}.fuzz.test`, TYPES[randomInt(0, TYPES.length)]!, randomInt(0, 4)), floodSocket);
        }
        if (total >= nextSample) {
          nextSample += 100_000;
          const line = [`${total.toLocaleString('en-US')} packets, ${Math.round(total / ((performance.now() - started) / 1000)).toLocaleString('en-US')}/s`];
          for (const server of servers) {
            await server.sample(total);
            const m = server.memory.at(-1);
            if (m) line.push(`${server.name}: RSS ${m.rssMb.toFixed(1)} MB, live JS heap ${m.heapMb.toFixed(1)} MB (of ${m.heapTotalMb.toFixed(1)}), external ${m.externalMb.toFixed(1)} MB`);
          }
          console.log(line.join('; '));
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
    const answering: boolean[] = [];
    for (const server of servers) {
      answering.push(
        await new Promise<boolean>((resolve) => {
          probe.once('message', (m) => resolve(m.readUInt16BE(6) === 1));
          probe.send(floodQuery(4242, 'gw.fuzz.lan', 1, 0), server.port, '127.0.0.1');
          setTimeout(() => resolve(false), 2000);
        }),
      );
      server.final = await server.sample(total, false);
    }

    console.log(`\nservers: ${servers.map((x) => `${x.name} (udp ${x.udp}${x.name === 'rrl' ? `, rrl-rate ${RRL_RATE}` : ', hits answered in the addon'})`).join(', ')}`);
    console.log(`sent ${total.toLocaleString('en-US')} packets in ${seconds.toFixed(1)} s (${Math.round(total / seconds).toLocaleString('en-US')}/s), to either server at random: ` +
      `${sent.fastCheck} fast-check (valid and mutated messages), ${sent.random} random bytes, ${sent.flood} valid-query flood; ` +
      `${tcpSent} of them over TCP, ${tcpBroken} as broken TCP frames`);
    console.log(`replies: ${udpReplies} over UDP, ${tcpReplies} over TCP, ${truncated} with TC; none for ${total - udpReplies - tcpReplies} (dropped by design, rate-limited, or lost)`);
    for (const [key, n] of [...rcodes].sort()) console.log(`  ${key.padEnd(14)} ${n}`);
    const problems: string[] = [];
    servers.forEach((server, i) => {
      const final = server.final;
      if (final) {
        const c = final.stats;
        console.log(`${server.name} counters: queries ${c.queries}, dropped ${c.dropped}, formerr ${c.formerr}, rrl dropped ${c.rrlDropped}, rrl slipped ${c.rrlSlipped}, ` +
          `minimal ANY ${c.minimalAny}, cache hits ${c.cacheHits} (in the addon ${c.hotHits}), misses ${c.cacheMisses}, forwarded ${c.forwarded}, servfail ${c.servfail}, ` +
          `upstream dropped ${c.upstreamDropped}, truncated ${c.truncated}, cache entries ${c.cacheEntries}, in flight ${c.inFlight}`);
      }
      const memory = server.memory;
      console.log(
        `${server.name} memory (RSS / JS heap reserve / live JS heap, MB): ${memory.map((r) => `${(r.packets / 1000).toFixed(0)}k ${r.rssMb.toFixed(0)}/${r.heapTotalMb.toFixed(0)}/${r.heapMb.toFixed(0)}`).join(', ')}`,
      );
      const last = memory.at(-1);
      const base = memory.find((r) => r.packets >= 200_000) ?? memory[0];
      const half = memory.find((r) => r.packets >= total / 2) ?? memory[0];
      const heapGrowth = base && last ? last.heapMb - base.heapMb : 0;
      const nativeGrowth = half && last ? last.rssMb - last.heapTotalMb - (half.rssMb - half.heapTotalMb) : 0;
      if (server.exited) problems.push(`the ${server.name} server ${server.exited}`);
      if (!answering[i]) problems.push(`the ${server.name} server did not answer a plain query at the end`);
      if (heapGrowth > HEAP_GROWTH_MB) problems.push(`the ${server.name} server's live JS heap grew ${heapGrowth.toFixed(1)} MB after ${base!.packets} packets`);
      if (nativeGrowth > NATIVE_GROWTH_MB) problems.push(`the ${server.name} server's memory outside the JS heap grew ${nativeGrowth.toFixed(1)} MB over the second half`);
      const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(1)} MB`;
      console.log(`${server.name}: live JS heap ${signed(heapGrowth)} since ${base?.packets ?? 0} packets; outside the JS heap (RSS - heap reserve) ${signed(nativeGrowth)} over the second half; RSS ${last?.rssMb.toFixed(0)} MB at the end`);
    });
    console.log(problems.length === 0 ? 'OK: no crash, both servers still answering, memory flat' : `FAILED: ${problems.join('; ')}`);
    process.exitCode = problems.length === 0 ? 0 : 1;
    for (const server of servers) server.stop();
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
