/**
 * `npm run bench:dhcp`: complete DISCOVER-OFFER-REQUEST-ACK exchanges per
 * second with many simulated clients (perfdhcp, single-threaded, as a relay)
 * against the leasehold agent with the journal on, Kea (memfile, persist on)
 * and dnsmasq (with its lease file), in one run, in network namespaces this
 * script creates. The offered rate sweeps past capacity (dhcp/sweep.ts: on
 * until it is 4× the best goodput seen, the issue-19 overload), and every
 * point starts its server afresh with an empty store, so no point inherits
 * the last one's leases or backlog. Per point and server: ACKs per second,
 * the share of exchanges that did not complete, average and maximum
 * exchange time (perfdhcp's DISCOVER-OFFER plus REQUEST-ACK delays), CPU per
 * exchange from /proc (the agent's with its nats-server's), and for the
 * agent the lease events on the stream against the ACKs perfdhcp received
 * (each ACK is sent only after its event is stored) and the datagrams it
 * shed on purpose. If the agent saturates, one more run at the first rate
 * it failed, under V8's CPU profiler, shows where its time goes.
 *
 * Environment: BENCH_SECONDS (each run's period, default 5), BENCH_CLIENTS
 * (perfdhcp -R, default 60000), BENCH_RATES=1000,4000,... (fixed offered
 * rates for every server instead of the sweep), BENCH_MAX_RATE (the sweep's
 * cap, default 48000), BENCH_PROFILE=0 to skip the profile,
 * BENCH_ONLY=agent,kea,dnsmasq,dnsmasq-ro to choose servers (dnsmasq-ro, its
 * --leasefile-ro twin, only when named), BENCH_AGENT_TWEAKS=... to add a
 * what-if agent (see dhcp/agent-process.ts; the agent's code is unchanged).
 *
 * `--family=6` (`npm run bench:dhcp6`, issue 22): the same for DHCPv6,
 * complete SOLICIT-ADVERTISE-REQUEST-REPLY (SARR) exchanges against the
 * agent (its network dual stack, the REPLYs' events on lh.evt.lease6) and
 * Kea's kea-dhcp6 (memfile, persist on), with `perfdhcp -6` as clients on the
 * link: each simulated client multicasts from perfdhcp's link-local address
 * to ff02::1:2 out of the client end, and is answered there. Not as a relay
 * (`-A 1`): its RELAY-FORW carries perfdhcp's own link-local address as the
 * link-address, which names no subnet, and the agent takes relayed messages
 * only on its relay interfaces' ff05::1:3 sockets, by a link-address inside a
 * DHCPv6 subnet; on the link both servers pick the subnet by interface.
 * BENCH_ONLY=agent,kea; dnsmasq is not in this comparison.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentProcessConfig } from './dhcp/agent-process.js';
import { summarizeProfile, type CpuProfile } from './dhcp/cpuprofile.js';
import { benchCommands, dhcp6BenchCommands, ensureCommands, requireRoot } from './dhcp/install.js';
import { runPerfdhcp, type PerfdhcpReport } from './dhcp/perfdhcp.js';
import { cpuSeconds, perfdhcpTarget, startAgentServer, startDnsmasq, startKea, type RunningServer } from './dhcp/servers.js';
import { nextSweepRate, peakGoodput, type SweepConfig, type SweepPoint } from './dhcp/sweep.js';
import { createBenchTopology, udpCounters, type BenchTopology } from './dhcp/topology.js';
import { machineLine } from './harness.js';

const FAMILY = process.argv.includes('--family=6') ? 6 : 4;
/** What a completed exchange ends with, and the script's name, per family. */
const REPLY = FAMILY === 6 ? 'REPLY' : 'ACK';
const BENCH = FAMILY === 6 ? 'bench:dhcp6' : 'bench:dhcp';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 60_000);
const FIXED_RATES = process.env.BENCH_RATES?.split(',').map(Number).filter((n) => Number.isFinite(n) && n > 0);
const PROFILE = process.env.BENCH_PROFILE !== '0';
const ONLY = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
type Tweak = NonNullable<AgentProcessConfig['tweaks']>[number];
const knownTweaks: readonly string[] = ['ifaddr-cache', 'no-async-traces'] satisfies Tweak[];
const TWEAKS = (process.env.BENCH_AGENT_TWEAKS ?? '').split(',').map((s) => s.trim()).filter((s): s is Tweak => knownTweaks.includes(s));
const SWEEP: SweepConfig = { start: 1000, factor: 1.5, overload: 4, cap: Number(process.env.BENCH_MAX_RATE ?? 48_000), maxPoints: 12 };
/** More incomplete than this and a point does not count as sustained. */
const MAX_INCOMPLETE_PERCENT = 1;

interface Contender {
  readonly key: string;
  readonly start: (t: BenchTopology) => Promise<RunningServer>;
  /** Only when BENCH_ONLY names it. */
  readonly optIn?: boolean;
  /** Benched for this family only (dnsmasq: DHCPv4). */
  readonly family?: 4 | 6;
}

const contenders: Contender[] = [
  { key: 'agent', start: (t) => startAgentServer(t, [], FAMILY) },
  ...(TWEAKS.length > 0 ? [{ key: 'agent', start: (t: BenchTopology) => startAgentServer(t, TWEAKS, FAMILY) }] : []),
  { key: 'kea', start: (t) => startKea(t, FAMILY) },
  { key: 'dnsmasq', start: (t) => startDnsmasq(t, { leaseFile: true }), family: 4 },
  { key: 'dnsmasq-ro', start: (t) => startDnsmasq(t, { leaseFile: false }), optIn: true, family: 4 },
];

interface RunRow {
  readonly rate: number;
  readonly report: PerfdhcpReport;
  /** CPU seconds per process role during the run. */
  readonly cpu: readonly { readonly role: string; readonly seconds: number }[];
  /** perfdhcp's CPU seconds during the run. */
  readonly loadCpu: number | undefined;
  /** Datagrams the kernel dropped on full socket receive buffers during the run, server side and client (perfdhcp) side. */
  readonly rcvbufDrops: { readonly server: number; readonly client: number };
  /** The agent's own view after the run: lease events on the stream, datagrams shed by reason, the server's outcomes. */
  readonly journal?: { readonly leaseEvents: number; readonly shed: Readonly<Record<string, number>>; readonly outcomes: Readonly<Record<string, number>> };
}

interface ServerResult {
  readonly key: string;
  readonly name: string;
  readonly runs: RunRow[];
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const usPer = (seconds: number, exchanges: number) => (exchanges > 0 ? `${fmt((seconds * 1e6) / exchanges)} µs` : '-');
const sum = (a: number | undefined, b: number | undefined) => (a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0));
const ms = (n: number | undefined) => (n === undefined ? '-' : n >= 1000 ? `${fmt(n / 1000, 2)} s` : `${fmt(n, 1)} ms`);

async function measureRun(topology: BenchTopology, server: RunningServer, rate: number): Promise<RunRow> {
  const udpBefore = await Promise.all([udpCounters(topology.serverNs, FAMILY), udpCounters(topology.clientNs, FAMILY)]);
  const before = server.pids.map((p) => cpuSeconds(p.pid));
  const { report, cpuSeconds: loadCpu } = await runPerfdhcp(topology.clientNs, { rate, seconds: SECONDS, clients: CLIENTS, ...perfdhcpTarget(topology, FAMILY) });
  const cpu = server.pids.map((p, i) => ({ role: p.role, seconds: cpuSeconds(p.pid) - before[i]! }));
  const udpAfter = await Promise.all([udpCounters(topology.serverNs, FAMILY), udpCounters(topology.clientNs, FAMILY)]);
  const drops = (i: 0 | 1) => (udpAfter[i].RcvbufErrors ?? 0) - (udpBefore[i].RcvbufErrors ?? 0);
  let journal: RunRow['journal'];
  if (server.stats) {
    const stats = await server.stats();
    journal = { leaseEvents: stats.leaseEvents, shed: stats.dropped ?? {}, outcomes: stats.outcomes };
  }
  return { rate, report, cpu, loadCpu, rcvbufDrops: { server: drops(0), client: drops(1) }, ...(journal ? { journal } : {}) };
}

function describeRun(row: RunRow): string {
  const r = row.report;
  const cpu = row.cpu.map((c) => `${c.role} ${usPer(c.seconds, r.acksReceived)}/exch (${fmt((100 * c.seconds) / SECONDS)}% of a core)`).join(', ');
  const load = row.loadCpu === undefined ? '' : `; perfdhcp ${fmt((100 * row.loadCpu) / SECONDS)}% of a core`;
  const { server, client } = row.rcvbufDrops;
  const drops = server + client > 0 ? `; full receive buffers dropped ${fmt(server)} datagrams at the server, ${fmt(client)} at perfdhcp` : '';
  const nonZero = (counts: Readonly<Record<string, number>>) => Object.entries(counts).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${fmt(n)}`).join(', ');
  const shed = row.journal ? nonZero(row.journal.shed) : '';
  const journal = row.journal
    ? `; ${fmt(row.journal.leaseEvents)} lease events on the stream for ${fmt(r.acksReceived)} ${REPLY}s received${row.journal.leaseEvents >= r.acksReceived ? '' : ` (FEWER EVENTS THAN ${REPLY}S)`}${shed ? `; shed ${shed}` : ''}; outcomes ${nonZero(row.journal.outcomes)}`
    : '';
  return `  offered ${fmt(row.rate).padStart(6)}/s -> ${fmt(r.doraPerSecond).padStart(6)} ${REPLY}/s, ${fmt(r.incompletePercent, 1).padStart(5)}% incomplete, exchange avg ${ms(sum(r.avgOfferMs, r.avgAckMs))} max ${ms(sum(r.maxOfferMs, r.maxAckMs))}; ${cpu}${load}${drops}${journal}`;
}

/** One point: the server started afresh (empty store), one run, stopped. */
async function runPoint(topology: BenchTopology, contender: Contender, rate: number, names: Map<string, string>): Promise<RunRow> {
  const server = await contender.start(topology);
  try {
    if (!names.has(contender.key)) {
      names.set(contender.key, server.name);
      console.log(`\n${server.name}:`);
    }
    const row = await measureRun(topology, server, rate);
    console.log(describeRun(row));
    return row;
  } finally {
    await server.stop();
  }
}

async function benchServer(topology: BenchTopology, contender: Contender, rates: readonly number[] | undefined): Promise<ServerResult> {
  const names = new Map<string, string>();
  const runs: RunRow[] = [];
  const done: SweepPoint[] = [];
  const next = () => (rates ? rates[runs.length] : nextSweepRate(done, SWEEP));
  for (let rate = next(); rate !== undefined; rate = next()) {
    const row = await runPoint(topology, contender, rate, names);
    runs.push(row);
    done.push({ rate, acksPerSecond: row.report.doraPerSecond });
  }
  const firstFail = runs.find((r) => r.report.incompletePercent > MAX_INCOMPLETE_PERCENT);
  if (PROFILE && contender.key === 'agent' && firstFail) {
    const server = await contender.start(topology);
    try {
      if (server.profile) await profileRun(topology, server, firstFail.rate);
    } finally {
      await server.stop();
    }
  }
  return { key: contender.key, name: names.get(contender.key) ?? contender.key, runs };
}

const sustainedRuns = (res: ServerResult) => res.runs.filter((r) => r.report.incompletePercent <= MAX_INCOMPLETE_PERCENT);
const sustainedGoodput = (res: ServerResult) => sustainedRuns(res).reduce((best, r) => Math.max(best, r.report.doraPerSecond), 0);
const cpuPerExchange = (run: RunRow) => run.cpu.reduce((s, c) => s + c.seconds, 0) / Math.max(run.report.acksReceived, 1);

/** The agent (not a what-if) against Kea: peak and sustained goodput, and CPU per exchange at the highest rate both kept to MAX_INCOMPLETE_PERCENT, else at the lowest rate both were offered. */
function ratioLine(results: readonly ServerResult[]): string | undefined {
  const agent = results.find((r) => r.key === 'agent');
  const kea = results.find((r) => r.key === 'kea');
  if (!agent || !kea) return undefined;
  const peak = (res: ServerResult) => peakGoodput(res.runs.map((r) => ({ rate: r.rate, acksPerSecond: r.report.doraPerSecond })));
  const times = (a: number, b: number) => `${fmt(a)} vs ${fmt(b)} = ${b > 0 ? `${fmt(a / b, 2)}x` : '-'}`;
  const pairs = (a: readonly RunRow[], k: readonly RunRow[]) => a.map((r) => [r, k.find((o) => o.rate === r.rate)] as const).filter((p): p is readonly [RunRow, RunRow] => p[1] !== undefined);
  const both = pairs(sustainedRuns(agent), sustainedRuns(kea)).at(-1) ?? pairs(agent.runs, kea.runs)[0];
  const cpu = both ? `; CPU per exchange at ${fmt(both[0].rate)}/s offered ${usPer(cpuPerExchange(both[0]), 1)} vs ${usPer(cpuPerExchange(both[1]), 1)} = ${fmt(cpuPerExchange(both[0]) / Math.max(cpuPerExchange(both[1]), 1e-9), 1)}x` : '';
  return `agent vs Kea, ${REPLY}/s: peak ${times(peak(agent), peak(kea))}; at <= ${MAX_INCOMPLETE_PERCENT}% incomplete ${times(sustainedGoodput(agent), sustainedGoodput(kea))}${cpu}`;
}

function printTable(results: readonly ServerResult[]): void {
  const header = ['server', 'offered/s', `${REPLY}/s`, 'incomplete', 'exch avg', 'exch max', 'CPU/exch', 'of which'];
  const rows = results.flatMap((res) =>
    res.runs.map((run, i) => {
      const r = run.report;
      const total = run.cpu.reduce((s, c) => s + c.seconds, 0);
      const parts = run.cpu.length > 1 ? run.cpu.map((c) => `${c.role.split(' ')[0]} ${usPer(c.seconds, r.acksReceived)}`).join(' + ') : '';
      return [i === 0 ? res.name : '', fmt(run.rate), fmt(r.doraPerSecond), `${fmt(r.incompletePercent, 1)}%`, ms(sum(r.avgOfferMs, r.avgAckMs)), ms(sum(r.maxOfferMs, r.maxAckMs)), usPer(total, r.acksReceived), parts];
    }),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log('');
  for (const res of results) {
    const points = res.runs.map((r) => ({ rate: r.rate, acksPerSecond: r.report.doraPerSecond }));
    const peak = peakGoodput(points);
    const peakAt = points.find((p) => p.acksPerSecond === peak)?.rate ?? 0;
    const past = points.filter((p) => p.rate > peakAt);
    const worst = past.length > 0 ? Math.min(...past.map((p) => p.acksPerSecond)) : undefined;
    const sustained = sustainedGoodput(res);
    console.log(
      `${res.name}: peak ${fmt(peak)} ${REPLY}/s (offered ${fmt(peakAt)}/s); at <= ${MAX_INCOMPLETE_PERCENT}% incomplete ${fmt(sustained)}/s; past the peak` +
        (worst === undefined ? ' not measured' : ` at worst ${fmt(worst)}/s = ${fmt((100 * worst) / Math.max(peak, 1))}% of peak, up to ${fmt(Math.max(...past.map((p) => p.rate)) / Math.max(peak, 1), 1)}x it offered`),
    );
  }
  const ratio = ratioLine(results);
  if (ratio) console.log(ratio);
}

async function profileRun(topology: BenchTopology, server: RunningServer, rate: number): Promise<void> {
  const file = join(mkdtempSync(join(tmpdir(), 'lh-bench-dhcp-prof-')), 'agent.cpuprofile');
  console.log(`  profiling (V8 CPU profiler in the agent, this run only) at ${fmt(rate)}/s offered:`);
  console.log(describeRun(await server.profile!(file, () => measureRun(topology, server, rate))));
  const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, 15);
  console.log(`  profile ${file} (open it in Chrome DevTools): ${fmt(summary.busyMs)} ms busy, ${fmt(summary.idleMs)} ms idle`);
  console.log('  self time by area:');
  for (const a of summary.areas.slice(0, 10)) console.log(`    ${fmt(a.percent, 1).padStart(5)}%  ${fmt(a.ms).padStart(7)} ms  ${a.name}`);
  console.log('  top functions by self time:');
  for (const f of summary.functions) console.log(`    ${fmt(f.percent, 1).padStart(5)}%  ${fmt(f.ms).padStart(7)} ms  ${f.name}`);
}

requireRoot(BENCH);
ensureCommands(FAMILY === 6 ? dhcp6BenchCommands : benchCommands, (line) => console.error(`[${BENCH}] ${line}`));
const load = FAMILY === 6 ? 'perfdhcp -6 -g single as clients on the link (to ff02::1:2)' : 'perfdhcp -g single as a relay';
console.log(machineLine(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, ${SECONDS} s per point, ${fmt(CLIENTS)} simulated clients, ${load}, each server restarted with an empty store per point`));
const topology = await createBenchTopology({ ipv6: FAMILY === 6 });
const stopOnSignal = () => void topology.remove().finally(() => process.exit(130));
process.once('SIGINT', stopOnSignal);
process.once('SIGTERM', stopOnSignal);
const results: ServerResult[] = [];
try {
  // The others are offered the rates the agent's sweep chose, so every row compares like with like.
  let rates = FIXED_RATES && FIXED_RATES.length > 0 ? FIXED_RATES : undefined;
  for (const contender of contenders) {
    if ((ONLY ? !ONLY.includes(contender.key) : contender.optIn) || (contender.family ?? FAMILY) !== FAMILY) continue;
    const result = await benchServer(topology, contender, rates);
    results.push(result);
    rates ??= result.runs.map((r) => r.rate);
  }
  console.log(`\n${machineLine(`load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other work on the machine skews every figure)`)}`);
  printTable(results);
} finally {
  await topology.remove();
}
