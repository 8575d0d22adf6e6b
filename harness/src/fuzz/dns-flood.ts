/**
 * `npm run fuzz:dns -- --flood` (or FUZZ_MODE=flood): does a DNS server stay
 * up, and keep answering a legitimate client, under a cache-busting UDP
 * flood at the highest rate this machine can generate (issue 15 point 4:
 * `leasehold dns` used to die under one, with an uncaught ECLOSED)?
 *
 * Each target in turn, in its own child process, in front of one upstream
 * (dnsmasq answering every name under flood.test from its config, TTL 5 s,
 * so the legitimate name also expires and is fetched again during the
 * flood):
 * - `leasehold`: the real `leasehold dns` command (tools/bin/leasehold.mjs);
 * - `agent`: the agent's DNS module (packages/agent/src/dns/agent-dns.ts, the
 *   code the DHCP agent embeds) alone in a process, without DHCP;
 * - `dnsmasq`: dnsmasq 2.x with the same upstream and the same flags.
 * All get cache-size FLOOD_CACHE_SIZE (10,000) and dns-forward-max
 * FLOOD_FORWARD_MAX (1000), as in `npm run bench:dns`.
 *
 * For FLOOD_SECONDS (15), FLOOD_THREADS (2) worker threads send queries for
 * random names (12 random characters under flood.test, type A) with random
 * ids, from two sockets each (each on its own 127.0.x.1), as fast as they can:
 * the batched UDP addon's sendmmsg, 64 datagrams per call, no waiting for
 * replies. Meanwhile a legitimate client (127.0.0.1) asks legit.flood.test
 * every 10 ms and counts the answers (NOERROR with the address) that come
 * within 1 s. Per target: whether it stayed up (no exit during the flood,
 * and it answers a probe afterwards), packets sent, the fraction of the
 * legitimate queries answered and their latency, RSS (before, peak sampled
 * every 250 ms, after), CPU time, and for ours the counters it prints when
 * stopped (internal errors: what its guards caught). The order of the
 * targets rotates from run to run; FLOOD_RUNS (1) runs in one go, with the
 * load average before each. Exit code 1 if `leasehold` or `agent` went down
 * or stopped answering in any run.
 *
 * Traffic stays on loopback; every loop is bounded by FLOOD_SECONDS. The
 * legitimate client and the probes are in legit-client.ts.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { LEASEHOLD_BIN } from '../leasehold-bin.js';
import { LEGIT_EVERY_MS, LEGIT_NAME, LEGIT_TIMEOUT_MS, answers, legitimateClient, waitAnswering, type LegitimateCounts } from './legit-client.js';

const self = fileURLToPath(import.meta.url);
const ADDON = fileURLToPath(new URL('../../../packages/dns-cache/native/build/lh_dns.node', import.meta.url));
const SOCKETS_PER_THREAD = 2;

interface SenderData {
  readonly role: 'flood-sender';
  readonly port: number;
  readonly sources: readonly string[];
  /** Date.now() at which to stop (performance.now() has another origin in each thread). */
  readonly until: number;
  readonly seed: number;
}

if (!isMainThread && (workerData as SenderData | undefined)?.role === 'flood-sender') {
  parentPort!.postMessage({ sent: sendFlood(workerData as SenderData) });
} else if (isMainThread && process.argv[2] === '--serve-agent') {
  await serveAgentDns(process.argv.slice(3));
}

/**
 * The sender: fills the addon's 64 out slots with queries for random names
 * and ids and sends them with one sendmmsg, socket after socket, until
 * `until`. Replies are never read (the kernel drops them when the sockets'
 * queues are full). Returns the datagrams the kernel took.
 */
function sendFlood(data: SenderData): number {
  const native = createRequire(import.meta.url)(ADDON) as {
    SLOTS: number;
    SLOT_SIZE: number;
    open(address: string, port: number, a: ArrayBuffer, b: ArrayBuffer, c: ArrayBuffer, d: ArrayBuffer, onReadable: () => void): unknown;
    send(socket: unknown, count: number): number;
    close(socket: unknown): void;
  };
  const { SLOTS, SLOT_SIZE } = native;
  const sockets = data.sources.map((source) => {
    const out = new ArrayBuffer(SLOTS * SLOT_SIZE);
    const meta = new ArrayBuffer(SLOTS * 16);
    const socket = native.open(source, 0, new ArrayBuffer(SLOTS * SLOT_SIZE), new ArrayBuffer(SLOTS * 16), out, meta, () => {});
    return { socket, bytes: new Uint8Array(out), meta: Buffer.from(meta) };
  });
  // <12 random characters>.flood.test A IN, RD set: 41 bytes. The constant parts are written once per slot.
  const LABEL = 12;
  const template = Buffer.from([0, 0, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, LABEL, ...Buffer.alloc(LABEL), 5, ...Buffer.from('flood'), 4, ...Buffer.from('test'), 0, 0, 1, 0, 1]);
  for (const s of sockets) {
    for (let i = 0; i < SLOTS; i++) {
      s.bytes.set(template, i * SLOT_SIZE);
      s.meta.writeUInt32LE(template.length, i * 16);
      s.meta.writeUInt32BE(0x7f000001, i * 16 + 4);
      s.meta.writeUInt16LE(data.port, i * 16 + 8);
    }
  }
  const ALPHABET = Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789');
  // xorshift32: crypto-quality randomness is not the point, speed is.
  let x = data.seed | 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  let sent = 0;
  for (let batch = 0; ; batch++) {
    if ((batch & 15) === 0 && Date.now() >= data.until) break;
    const s = sockets[batch % sockets.length]!;
    for (let i = 0; i < SLOTS; i++) {
      const at = i * SLOT_SIZE;
      const r = next();
      s.bytes[at] = r & 255;
      s.bytes[at + 1] = (r >>> 8) & 255;
      for (let c = 0; c < LABEL; c += 4) {
        const v = next();
        s.bytes[at + 13 + c] = ALPHABET[v % 36]!;
        s.bytes[at + 14 + c] = ALPHABET[(v >>> 8) % 36]!;
        s.bytes[at + 15 + c] = ALPHABET[(v >>> 16) % 36]!;
        s.bytes[at + 16 + c] = ALPHABET[(v >>> 24) % 36]!;
      }
    }
    sent += native.send(s.socket, SLOTS);
  }
  for (const s of sockets) native.close(s.socket);
  return sent;
}

/** `--serve-agent <port> <upstreamPort> <cacheSize> <forwardMax>`: the agent's DNS module alone; prints its counters as JSON on SIGTERM. */
async function serveAgentDns([port, upstreamPort, cacheSize, forwardMax]: string[]): Promise<void> {
  const { agentDns } = await import('@leasehold/agent');
  const { parseIpv4 } = await import('@leasehold/protocol');
  const dns = agentDns(
    {
      enabled: true,
      port: Number(port),
      cache: { noResolv: true, servers: [{ address: '127.0.0.1', port: Number(upstreamPort), family: 4 }], cacheSize: Number(cacheSize), forwardMax: Number(forwardMax) },
    },
    (line) => console.error(line),
  );
  // One network on loopback: its view has no names, so every query is forwarded, as before views.
  await dns.listenOn(new Map([['flood', [parseIpv4('127.0.0.1')]]]));
  process.once('SIGTERM', () => {
    console.log(`stats ${JSON.stringify(dns.stats())}`);
    void dns.stop().then(() => process.exit(0));
  });
}

type Target = 'leasehold' | 'agent' | 'dnsmasq';

interface TargetResult extends LegitimateCounts {
  readonly target: Target;
  readonly up: boolean;
  /** How it went down, if it did. */
  readonly died?: string;
  readonly answeringAfter: boolean;
  readonly floodSent: number;
  readonly floodSeconds: number;
  readonly rssBeforeMb: number;
  readonly rssPeakMb: number;
  readonly rssAfterMb: number;
  readonly cpuSeconds: number;
  /** What ours print when stopped. */
  readonly counters?: string;
}

/** Runs the flood mode; sets process.exitCode. */
export async function runFlood(): Promise<void> {
  const SECONDS = Number(process.env.FLOOD_SECONDS ?? 15);
  const RUNS = Number(process.env.FLOOD_RUNS ?? 1);
  const THREADS = Number(process.env.FLOOD_THREADS ?? 2);
  const CACHE_SIZE = Number(process.env.FLOOD_CACHE_SIZE ?? 10_000);
  const FORWARD_MAX = Number(process.env.FLOOD_FORWARD_MAX ?? 1000);
  const TARGETS = (process.env.FLOOD_TARGETS ?? 'leasehold,agent,dnsmasq').split(',').filter(Boolean) as Target[];
  for (const t of TARGETS) if (!['leasehold', 'agent', 'dnsmasq'].includes(t)) throw new Error(`FLOOD_TARGETS: unknown target ${t}`);

  // The flood senders use the addon (idempotent build; the cache uses it too).
  execFileSync(process.execPath, [fileURLToPath(new URL('../../../packages/dns-cache/native/build.mjs', import.meta.url))], { stdio: 'inherit' });
  const children = new Set<ChildProcess>();
  process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));

  const upstreamPort = await freePort();
  const upstream = spawn(
    'dnsmasq',
    [
      '--no-daemon', `--port=${upstreamPort}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts',
      '--conf-file=/dev/null', '--address=/flood.test/198.18.0.2', '--local-ttl=5', '--dns-forward-max=10000',
    ],
    { stdio: 'ignore' },
  );
  children.add(upstream);
  const cpus = (await import('node:os')).cpus();
  console.log(
    `flood mode: ${RUNS} run(s); targets ${TARGETS.join(', ')}, each for ${SECONDS} s; ${THREADS} sender threads × ${SOCKETS_PER_THREAD} sockets (sendmmsg, random names under flood.test, random ids); ` +
      `legitimate client: ${LEGIT_NAME} A every ${LEGIT_EVERY_MS} ms, answered = NOERROR with the address within ${LEGIT_TIMEOUT_MS} ms; ` +
      `cache-size ${CACHE_SIZE}, dns-forward-max ${FORWARD_MAX}; upstream dnsmasq (address=/flood.test/, TTL 5 s); ${cpus.length} cores, node ${process.version}`,
  );
  await waitAnswering(upstreamPort, 30_000);

  const all: TargetResult[][] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const order = TARGETS.map((_, i) => TARGETS[(i + run) % TARGETS.length]!);
      console.log(`\nrun ${run + 1}/${RUNS}: load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}; order ${order.join(', ')}`);
      const results: TargetResult[] = [];
      for (const target of order) {
        const result = await floodOne(target, { seconds: SECONDS, threads: THREADS, cacheSize: CACHE_SIZE, forwardMax: FORWARD_MAX, upstreamPort, children, seed: run * 7919 + 1 });
        console.log(`  ${describe(result)}`);
        results.push(result);
        // Let the upstream drain and the machine settle before the next target.
        await sleep(2000);
      }
      const ours = results.find((r) => r.target === 'leasehold');
      const theirs = results.find((r) => r.target === 'dnsmasq');
      if (ours && theirs) console.log(`  answered, leasehold / dnsmasq: ${ratio(fraction(ours), fraction(theirs))}`);
      all.push(results);
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
  }

  console.log(`\nsummary over ${all.length} run(s) (load average now ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}):`);
  const problems: string[] = [];
  for (const target of TARGETS) {
    const rows = all.map((r) => r.find((x) => x.target === target)!);
    const up = rows.filter((r) => r.up && r.answeringAfter).length;
    const answered = rows.map(fraction).sort((a, b) => a - b);
    const rates = rows.map((r) => r.floodSent / r.floodSeconds).sort((a, b) => a - b);
    console.log(
      `  ${target.padEnd(9)} up and answering after the flood in ${up} of ${rows.length}; legitimate queries answered ${range(answered, pct)}; ` +
        `flood ${range(rates, (n) => `${Math.round(n / 1000)}k/s`)}; peak RSS ${range(rows.map((r) => r.rssPeakMb).sort((a, b) => a - b), (n) => `${n.toFixed(0)} MB`)}`,
    );
    if (target !== 'dnsmasq' && up < rows.length) problems.push(`${target} went down or stopped answering in ${rows.length - up} of ${rows.length} runs`);
  }
  if (TARGETS.includes('leasehold') && TARGETS.includes('dnsmasq')) {
    const ratios = all.map((r) => fraction(r.find((x) => x.target === 'leasehold')!) / fraction(r.find((x) => x.target === 'dnsmasq')!)).sort((a, b) => a - b);
    console.log(`  answered, leasehold / dnsmasq: ${range(ratios, (n) => (Number.isFinite(n) ? `×${n.toFixed(2)}` : '∞'))}`);
  }
  console.log(problems.length === 0 ? 'OK: every leasehold target stayed up and answered in every run' : `FAILED: ${problems.join('; ')}`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}

interface FloodOptions {
  readonly seconds: number;
  readonly threads: number;
  readonly cacheSize: number;
  readonly forwardMax: number;
  readonly upstreamPort: number;
  readonly children: Set<ChildProcess>;
  readonly seed: number;
}

async function floodOne(target: Target, o: FloodOptions): Promise<TargetResult> {
  const port = await freePort();
  const child = startTarget(target, port, o);
  o.children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-4000)));
  /** How it ended, if it ended before we stopped it. */
  let died: string | undefined;
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      if (!stopping) died = `exited with code ${code} signal ${signal}`;
      resolve();
    }),
  );
  try {
    await waitAnswering(port, 30_000, () => died);
    const pid = child.pid!;
    const rssBeforeMb = rssMb(pid);
    const cpuBefore = cpuSeconds(pid);
    let rssPeakMb = rssBeforeMb;
    const sampler = setInterval(() => {
      if (died === undefined) rssPeakMb = Math.max(rssPeakMb, rssMb(pid));
    }, 250);
    const legit = await legitimateClient(port);
    const started = performance.now();
    const until = Date.now() + o.seconds * 1000;
    const senders = Array.from({ length: o.threads }, (_, t) => {
      const sources = Array.from({ length: SOCKETS_PER_THREAD }, (_, k) => `127.0.${20 + t * SOCKETS_PER_THREAD + k}.1`);
      const worker = new Worker(self, { execArgv: process.execArgv, workerData: { role: 'flood-sender', port, sources, until, seed: o.seed * 31 + t + 1 } satisfies SenderData });
      return new Promise<number>((resolve, reject) => {
        worker.once('message', (m: { sent: number }) => resolve(m.sent));
        worker.once('error', reject);
      });
    });
    const floodSent = (await Promise.all(senders)).reduce((a, b) => a + b, 0);
    const floodSeconds = (performance.now() - started) / 1000;
    const upDuringFlood = died === undefined;
    await sleep(LEGIT_TIMEOUT_MS);
    const legitResult = legit.stop();
    clearInterval(sampler);
    const answeringAfter = died === undefined && (await answers(port, 3));
    const rssAfterMb = died === undefined ? rssMb(pid) : NaN;
    const cpu = died === undefined ? cpuSeconds(pid) - cpuBefore : NaN;
    let counters: string | undefined;
    if (died === undefined) {
      stopping = true;
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      counters = target === 'leasehold' ? /^queries .*$/m.exec(stdout)?.[0] : target === 'agent' ? /^stats (.*)$/m.exec(stdout)?.[1] : undefined;
      if (target === 'agent' && counters) {
        const s = JSON.parse(counters) as Record<string, number>;
        counters = `queries ${s.queries}, cache hits ${s.cacheHits}, misses ${s.cacheMisses}, forwarded ${s.forwarded}, dropped ${s.dropped}, servfail ${s.servfail}, internal errors ${s.internalErrors}`;
      }
    }
    return {
      target,
      up: upDuringFlood && answeringAfter,
      ...(died !== undefined ? { died: `${died}; stderr: ${stderr.trim().split('\n').slice(-6).join(' | ')}` } : {}),
      answeringAfter,
      floodSent,
      floodSeconds,
      ...legitResult,
      rssBeforeMb,
      rssPeakMb,
      rssAfterMb,
      cpuSeconds: cpu,
      ...(counters !== undefined ? { counters } : {}),
    };
  } finally {
    child.kill('SIGKILL');
    o.children.delete(child);
  }
}

function startTarget(target: Target, port: number, o: FloodOptions): ChildProcess {
  const stdio: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe'];
  if (target === 'leasehold') {
    return spawn(
      process.execPath,
      [
        LEASEHOLD_BIN, 'dns', '--listen-address', '127.0.0.1', '--port', String(port), '--no-resolv', '--server', `127.0.0.1#${o.upstreamPort}`,
        '--cache-size', String(o.cacheSize), '--dns-forward-max', String(o.forwardMax),
      ],
      { stdio },
    );
  }
  if (target === 'agent') {
    return spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), '--conditions=@leasehold/source', self, '--serve-agent', String(port), String(o.upstreamPort), String(o.cacheSize), String(o.forwardMax)],
      { stdio },
    );
  }
  return spawn(
    'dnsmasq',
    [
      '--no-daemon', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts', '--conf-file=/dev/null',
      `--server=127.0.0.1#${o.upstreamPort}`, `--cache-size=${o.cacheSize}`, `--dns-forward-max=${o.forwardMax}`,
    ],
    { stdio },
  );
}

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  const port = await new Promise<number>((resolve) => s.bind(0, '127.0.0.1', () => resolve(s.address().port)));
  s.close();
  return port;
}

function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  } catch {
    return NaN;
  }
}

/** utime + stime of a process in seconds (proc(5); CLK_TCK 100). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fraction = (r: TargetResult) => (r.legitSent > 0 ? r.legitAnswered / r.legitSent : 0);
const pct = (n: number) => `${(n * 100).toFixed(1)}%`;
const ratio = (a: number, b: number) => (b > 0 ? `×${(a / b).toFixed(2)}` : '∞');
/** "min–median–max" of sorted numbers, or the one value. */
const range = (sorted: number[], f: (n: number) => string) =>
  sorted.length === 1 ? f(sorted[0]!) : `${f(sorted[0]!)} / ${f(sorted[Math.floor(sorted.length / 2)]!)} / ${f(sorted.at(-1)!)} (min / median / max)`;

function describe(r: TargetResult): string {
  const head = `${r.target.padEnd(9)} ${r.up ? 'up' : 'DOWN'}${r.died ? ` (${r.died})` : r.answeringAfter ? '' : ' (not answering after the flood)'}`;
  return [
    head,
    `flood ${r.floodSent.toLocaleString('en-US')} packets in ${r.floodSeconds.toFixed(1)} s (${Math.round(r.floodSent / r.floodSeconds / 1000)}k/s)`,
    `legitimate ${r.legitAnswered}/${r.legitSent} answered (${pct(fraction(r))}; p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms${r.legitOther ? `; ${r.legitOther} other replies` : ''})`,
    `RSS ${r.rssBeforeMb.toFixed(0)} → peak ${r.rssPeakMb.toFixed(0)} → ${Number.isNaN(r.rssAfterMb) ? '-' : r.rssAfterMb.toFixed(0)} MB`,
    `CPU ${Number.isNaN(r.cpuSeconds) ? '-' : r.cpuSeconds.toFixed(1)} s`,
    ...(r.counters ? [r.counters] : []),
  ].join('; ');
}
