/**
 * `npm run bench:dns`: dnsperf against this DNS cache and against dnsmasq in
 * the same run, with the same upstream (a third process: dnsmasq answering
 * everything under bench.test from its config), the same cache size and
 * dns-forward-max, the same query files, on loopback. Both caches run as
 * child processes so their CPU time is read the same way, from
 * /proc/<pid>/stat (utime + stime) before and after each run.
 *
 * Workloads: cache hits (a few hundred names, warmed first), cache misses
 * (100,000 distinct names, each asked once, into a cache of 10,000 entries:
 * after the first 10,000 every answer evicts one), mixed (4 hits : 1 miss). Each is
 * run unbounded (dnsperf's default 100 outstanding queries) and the hit
 * workload also at a fixed rate (-Q), where CPU per query compares fairly:
 * the machine has few cores and dnsperf, the upstream and the cache share them.
 * Every run is bounded by -l seconds. BENCH_DNS_EXTRA adds flags to ours
 * only (e.g. "--rrl-rate=1000000", to price response rate limiting).
 * BENCH_DNS_SIGNED=1 prices DNSSEC validation: the upstream is BIND's named
 * serving bench.test signed (ECDSA P-256, NSEC: every name is a wildcard
 * answer with its NSEC proof, two RRSIGs and an NSEC to check), and both
 * caches validate with its trust anchor (`--dnssec --trust-anchor=...`;
 * dnsmasq also gets the root's, without which it does not start).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { dns } from '@leasehold/tools';
import { machineLine } from './harness.js';

const run = promisify(execFile);

// `dns.ts --serve <flags>`: the cache alone, as `leasehold dns` runs it, in a child process of the
// bench (only the dns command is loaded, so its CPU time is the cache's).
if (process.argv[2] === '--serve') {
  process.exitCode = await dns(process.argv.slice(3));
  process.exit();
}
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 20_000);
const RATE_HIGH = Number(process.env.BENCH_RATE_HIGH ?? 50_000);
const HIT_NAMES = 300;
const MISS_NAMES = 100_000;
// 10,000 entries: the 300 hit names fit, the 100,000 miss names do not, so the miss run measures a
// cache in its steady state (full: every new answer evicts one), where a busy cache spends its life.
// BENCH_CACHE_SIZE=150000 gives a cache that never fills during the run.
const CACHE_SIZE = Number(process.env.BENCH_CACHE_SIZE ?? 10_000);
const FORWARD_MAX = 1000;
const SIGNED = process.env.BENCH_DNS_SIGNED === '1';
/** dnsmasq starts with --dnssec only given a root anchor: Debian's dnsmasq-base ships this one. */
const ROOT_ANCHOR = '.,20326,8,2,E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D';
const TICK_US = 1_000_000 / 100; // CLK_TCK is 100 on Linux x86-64

// The batched UDP addon, if a C compiler is there (idempotent; without it the cache uses dgram).
execFileSync(process.execPath, [fileURLToPath(new URL('../../../packages/dns-cache/native/build.mjs', import.meta.url))], { stdio: 'inherit' });

const dir = mkdtempSync(join(tmpdir(), 'lh-bench-dns-'));
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  const port = await new Promise<number>((resolve) => s.bind(0, '127.0.0.1', () => resolve(s.address().port)));
  s.close();
  return port;
}

function cpuTicks(pid: number): number {
  // Fields after the ")" of comm: state is field 3, utime 14, stime 15 (proc(5)).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function waitAnswering(port: number, name: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), name, '+short', '+tries=1', '+time=1']);
      if (stdout.trim()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`nothing answers on port ${port}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function startChild(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.resume();
  child.stderr?.setEncoding('utf8').on('data', (s: string) => process.stderr.write(`[${command}] ${s}`));
  children.push(child);
  return child;
}

/** BENCH_DNS_SIGNED: bench.test signed by dnssec-signzone and served by named on 127.0.0.1#port; its trust anchor. */
async function startSignedUpstream(port: number): Promise<string> {
  const zoneDir = join(dir, 'named');
  mkdirSync(zoneDir);
  const keygen = async (...flags: string[]) => (await run('dnssec-keygen', ['-q', '-K', zoneDir, '-a', 'ECDSAP256SHA256', ...flags, 'bench.test'])).stdout.trim();
  const ksk = await keygen('-f', 'KSK');
  const zsk = await keygen();
  const zone = join(zoneDir, 'bench.test.zone');
  writeFileSync(zone, `$TTL 3600\n@ SOA ns hostmaster 1 3600 600 86400 3600\n@ NS ns\nns A 127.0.0.1\n* A 192.0.2.1\n$INCLUDE ${join(zoneDir, `${ksk}.key`)}\n$INCLUDE ${join(zoneDir, `${zsk}.key`)}\n`);
  await run('dnssec-signzone', ['-q', '-K', zoneDir, '-d', zoneDir, '-o', 'bench.test', '-f', `${zone}.signed`, zone]);
  const conf = join(zoneDir, 'named.conf');
  writeFileSync(
    conf,
    `options { directory "${zoneDir}"; pid-file none; listen-on port ${port} { 127.0.0.1; }; listen-on-v6 { none; }; recursion no; dnssec-validation no; };\ncontrols { };\n` +
      `zone "bench.test" { type primary; file "${zone}.signed"; };\n`,
  );
  children.push(spawn('named', ['-g', '-c', conf], { stdio: 'ignore' }));
  const [owner = '', , , tag, alg, digestType, ...digest] = (await run('dnssec-dsfromkey', ['-2', join(zoneDir, `${ksk}.key`)])).stdout.trim().split(/\s+/);
  return `${owner.replace(/\.$/, '')},${tag},${alg},${digestType},${digest.join('')}`;
}

interface Result {
  server: string;
  workload: string;
  qps: number;
  completed: number;
  lost: number;
  avgMs: number;
  maxMs: number;
  p50Ms?: number;
  p99Ms?: number;
  p999Ms?: number;
  cpuUsPerQuery: number;
}

async function dnsperf(server: { name: string; port: number; pid: number }, workload: string, file: string, extra: string[], verbose = false): Promise<Result> {
  const before = cpuTicks(server.pid);
  const args = ['-s', '127.0.0.1', '-p', String(server.port), '-d', file, '-l', String(SECONDS), ...extra, ...(verbose ? ['-v'] : [])];
  const { stdout } = await run('dnsperf', args, { maxBuffer: 1 << 30 });
  const ticks = cpuTicks(server.pid) - before;
  const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? NaN);
  const completed = num(/Queries completed:\s+(\d+)/);
  const result: Result = {
    server: server.name,
    workload,
    qps: num(/Queries per second:\s+([\d.]+)/),
    completed,
    lost: num(/Queries lost:\s+(\d+)/),
    avgMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    maxMs: num(/max ([\d.]+)\)/) * 1000,
    cpuUsPerQuery: completed > 0 ? (ticks * TICK_US) / completed : NaN,
  };
  if (verbose) {
    const latencies = [...stdout.matchAll(/^> \S+ \S+ \S+ ([\d.]+)$/gm)].map((m) => Number(m[1])).sort((a, b) => a - b);
    const at = (p: number) => (latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN) * 1000;
    Object.assign(result, { p50Ms: at(0.5), p99Ms: at(0.99), p999Ms: at(0.999) });
  }
  return result;
}

function writeQueries(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

try {
  const upstreamPort = await freePort();
  let validating: string[] = [];
  if (SIGNED) {
    validating = ['--dnssec', `--trust-anchor=${await startSignedUpstream(upstreamPort)}`];
  } else {
    startChild('dnsmasq', [
      '--no-daemon', `--port=${upstreamPort}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts',
      '--conf-file=/dev/null', '--address=/bench.test/192.0.2.1', '--local-ttl=3600', '--dns-forward-max=10000',
    ]);
  }
  const oursPort = await freePort();
  const self = fileURLToPath(import.meta.url);
  const ours = startChild(process.execPath, [
    '--import', import.meta.resolve('tsx'), '--conditions=@leasehold/source', self, '--serve',
    '--listen-address', '127.0.0.1', '--port', String(oursPort), '--no-resolv', '--no-hosts', '--server', `127.0.0.1#${upstreamPort}`,
    '--cache-size', String(CACHE_SIZE), '--dns-forward-max', String(FORWARD_MAX), ...validating,
    // BENCH_DNS_EXTRA: more flags for ours only, e.g. "--rrl-rate=1000000" to price rate limiting.
    ...(process.env.BENCH_DNS_EXTRA ?? '').split(' ').filter(Boolean),
  ]);
  const dnsmasqPort = await freePort();
  const reference = startChild('dnsmasq', [
    '--no-daemon', `--port=${dnsmasqPort}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts',
    '--conf-file=/dev/null', `--server=127.0.0.1#${upstreamPort}`, `--cache-size=${CACHE_SIZE}`, `--dns-forward-max=${FORWARD_MAX}`,
    ...(SIGNED ? [...validating, `--trust-anchor=${ROOT_ANCHOR}`] : []),
  ]);
  let oursBanner = '';
  ours.stdout?.setEncoding('utf8').on('data', (text: string) => (oursBanner += text));
  await waitAnswering(upstreamPort, 'probe.bench.test');
  await waitAnswering(oursPort, 'probe.bench.test');
  await waitAnswering(dnsmasqPort, 'probe.bench.test');

  const servers = [
    { name: 'leasehold', port: oursPort, pid: ours.pid! },
    { name: 'dnsmasq', port: dnsmasqPort, pid: reference.pid! },
  ];
  const hits = writeQueries('hits.txt', Array.from({ length: HIT_NAMES }, (_, i) => `h${i}.bench.test A`));

  console.log(machineLine(`dnsperf 2.10, dnsmasq ${(await run('dnsmasq', ['--version'])).stdout.split('\n')[0]?.split(' ')[2]}`));
  console.log(`leasehold: ${/udp via (\w+)/.exec(oursBanner)?.[1] ?? 'unknown'} UDP (batched = the recvmmsg/sendmmsg addon, built by packages/dns-cache/native/build.mjs)${process.env.BENCH_DNS_EXTRA ? `; extra flags: ${process.env.BENCH_DNS_EXTRA}` : ''}`);
  console.log(
    `same upstream (${SIGNED ? "BIND's named answering *.bench.test from a signed wildcard; both caches validate (--dnssec)" : 'dnsmasq answering *.bench.test from config'}) for both; cache-size ${CACHE_SIZE}, dns-forward-max ${FORWARD_MAX}; ` +
      `${SECONDS} s per run; dnsperf, upstream and cache share the machine's cores, so unbounded figures are the generator's and the box's limit too; ` +
      `fixed-rate runs (-Q) compare CPU per query; percentiles from dnsperf -v in fixed-rate runs only.`,
  );

  const results: Result[] = [];
  for (const server of servers) {
    // Warm the cache with the hit names (and the JIT, for ours).
    await run('dnsperf', ['-s', '127.0.0.1', '-p', String(server.port), '-d', hits, '-n', '20']);
  }
  for (const server of servers) results.push(await dnsperf(server, 'hit, unbounded', hits, []));
  for (const server of servers) results.push(await dnsperf(server, `hit, -Q ${RATE}`, hits, ['-Q', String(RATE)], true));
  for (const server of servers) results.push(await dnsperf(server, `hit, -Q ${RATE_HIGH}`, hits, ['-Q', String(RATE_HIGH)], true));
  for (const server of servers) {
    const misses = writeQueries(`miss-${server.name}.txt`, Array.from({ length: MISS_NAMES }, (_, i) => `m${i}.${server.name}.bench.test A`));
    results.push(await dnsperf(server, 'miss, unbounded', misses, ['-n', '1']));
  }
  for (const server of servers) {
    const lines: string[] = [];
    for (let i = 0; i < 250_000; i++) lines.push(i % 5 === 4 ? `x${i}.${server.name}.bench.test A` : `h${i % HIT_NAMES}.bench.test A`);
    const mixed = writeQueries(`mixed-${server.name}.txt`, lines);
    results.push(await dnsperf(server, 'mixed 4:1, unbounded', mixed, ['-n', '1']));
  }

  const f = (n: number | undefined, digits = 2) => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));
  console.log('\nworkload                server      queries/s  completed  lost   avg ms  p50 ms  p99 ms p99.9 ms  max ms  CPU µs/query');
  for (const r of results) {
    console.log(
      `${r.workload.padEnd(22)}  ${r.server.padEnd(10)} ${Math.round(r.qps).toLocaleString('en-US').padStart(10)} ${String(r.completed).padStart(10)} ${String(r.lost).padStart(5)} ${f(r.avgMs, 3).padStart(8)} ${f(r.p50Ms, 3).padStart(7)} ${f(r.p99Ms, 3).padStart(7)} ${f(r.p999Ms, 3).padStart(8)} ${f(r.maxMs, 1).padStart(7)} ${f(r.cpuUsPerQuery, 1).padStart(13)}`,
    );
  }
  console.log('\nratios leasehold / dnsmasq:');
  for (const workload of [...new Set(results.map((r) => r.workload))]) {
    const ourResult = results.find((r) => r.workload === workload && r.server === 'leasehold')!;
    const theirs = results.find((r) => r.workload === workload && r.server === 'dnsmasq')!;
    console.log(`  ${workload.padEnd(22)} QPS ×${f(ourResult.qps / theirs.qps)}   CPU per query ×${f(ourResult.cpuUsPerQuery / theirs.cpuUsPerQuery)}`);
  }
} finally {
  for (const child of children) child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
