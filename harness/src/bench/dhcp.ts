/**
 * `npm run bench:dhcp`: complete DISCOVER-OFFER-REQUEST-ACK exchanges per
 * second with many simulated clients (perfdhcp, single-threaded, as a relay)
 * against the leasehold agent with the journal on, dnsmasq (with and without
 * its lease file) and Kea (memfile, persist on), in one run, in network
 * namespaces this script creates. For each server: the highest offered rate
 * it sustains (at most 1% of exchanges incomplete), found by a bounded ramp
 * of fixed-rate runs, and its CPU time per exchange from /proc (perfdhcp's
 * own CPU too: on two cores the load generator can be the limit). If the
 * agent saturates below its cap, one more run at the rate it failed, under
 * V8's CPU profiler (what `node --cpu-prof` runs, windowed to that run),
 * shows where its time goes.
 *
 * Environment: BENCH_SECONDS (each run's period, default 5), BENCH_CLIENTS
 * (perfdhcp -R, default 50000), BENCH_PROFILE=0 to skip the profile,
 * BENCH_ONLY=agent,kea,dnsmasq,dnsmasq-ro to run some servers only,
 * BENCH_AGENT_TWEAKS=ifaddr-cache,no-async-traces to add a what-if agent run
 * (see dhcp/agent-process.ts; the agent's code is unchanged).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeProfile, type CpuProfile } from './dhcp/cpuprofile.js';
import { benchCommands, ensureCommands, requireRoot } from './dhcp/install.js';
import { runPerfdhcp, type PerfdhcpReport } from './dhcp/perfdhcp.js';
import { maxIncompletePercent, nextRate, sustained, type RampConfig, type RampStep } from './dhcp/ramp.js';
import { cpuSeconds, startAgentServer, startDnsmasq, startKea, type RunningServer } from './dhcp/servers.js';
import { createBenchTopology, udpCounters, type BenchTopology } from './dhcp/topology.js';
import { machineLine } from './harness.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50_000);
const PROFILE = process.env.BENCH_PROFILE !== '0';
const ONLY = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const TWEAKS = (process.env.BENCH_AGENT_TWEAKS ?? '').split(',').map((s) => s.trim()).filter((s): s is 'ifaddr-cache' | 'no-async-traces' => s === 'ifaddr-cache' || s === 'no-async-traces');

interface Contender {
  readonly key: string;
  readonly start: (t: BenchTopology) => Promise<RunningServer>;
  readonly ramp: RampConfig;
}

const contenders: Contender[] = [
  { key: 'agent', start: (t) => startAgentServer(t), ramp: { start: 500, cap: 32_000, refinements: 2 } },
  ...(TWEAKS.length > 0 ? [{ key: 'agent', start: (t: BenchTopology) => startAgentServer(t, TWEAKS), ramp: { start: 500, cap: 32_000, refinements: 2 } }] : []),
  { key: 'kea', start: (t) => startKea(t), ramp: { start: 5_000, cap: 40_000, refinements: 2 } },
  { key: 'dnsmasq', start: (t) => startDnsmasq(t, { leaseFile: true }), ramp: { start: 100, cap: 3_200, refinements: 2 } },
  { key: 'dnsmasq-ro', start: (t) => startDnsmasq(t, { leaseFile: false }), ramp: { start: 250, cap: 16_000, refinements: 2 } },
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
  readonly ok: boolean;
}

interface ServerResult {
  readonly name: string;
  readonly runs: RunRow[];
  readonly best: RunRow | undefined;
  readonly firstFail: RunRow | undefined;
  readonly note?: string;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const usPer = (seconds: number, exchanges: number) => (exchanges > 0 ? `${fmt((seconds * 1e6) / exchanges)} µs` : '-');

async function measureRun(topology: BenchTopology, server: RunningServer, rate: number): Promise<RunRow> {
  const udpBefore = await Promise.all([udpCounters(topology.serverNs), udpCounters(topology.clientNs)]);
  const before = server.pids.map((p) => cpuSeconds(p.pid));
  const { report, cpuSeconds: loadCpu } = await runPerfdhcp(topology.clientNs, { rate, seconds: SECONDS, clients: CLIENTS, server: topology.serverIp });
  const cpu = server.pids.map((p, i) => ({ role: p.role, seconds: cpuSeconds(p.pid) - before[i]! }));
  const udpAfter = await Promise.all([udpCounters(topology.serverNs), udpCounters(topology.clientNs)]);
  const drops = (i: 0 | 1) => (udpAfter[i].RcvbufErrors ?? 0) - (udpBefore[i].RcvbufErrors ?? 0);
  return { rate, report, cpu, loadCpu, rcvbufDrops: { server: drops(0), client: drops(1) }, ok: report.incompletePercent <= maxIncompletePercent };
}

function describeRun(row: RunRow): string {
  const r = row.report;
  const cpu = row.cpu.map((c) => `${c.role} ${usPer(c.seconds, r.acksReceived)}/exch (${fmt((100 * c.seconds) / SECONDS)}% of a core)`).join(', ');
  const load = row.loadCpu === undefined ? '' : `; perfdhcp ${fmt((100 * row.loadCpu) / SECONDS)}% of a core`;
  const { server, client } = row.rcvbufDrops;
  const drops = server + client > 0 ? `; full receive buffers dropped ${fmt(server)} datagrams at the server, ${fmt(client)} at perfdhcp` : '';
  return `  offered ${fmt(row.rate).padStart(6)}/s -> ${fmt(r.doraPerSecond).padStart(6)} DORA/s, ${fmt(r.incompletePercent, 2).padStart(6)}% incomplete ${row.ok ? 'pass' : 'FAIL'}; ${cpu}${load}${drops}`;
}

async function benchServer(topology: BenchTopology, contender: Contender): Promise<ServerResult> {
  const server = await contender.start(topology);
  console.log(`\n${server.name}: pids ${server.pids.map((p) => `${p.role} ${p.pid}`).join(', ')}`);
  const runs: RunRow[] = [];
  try {
    const history: RampStep[] = [];
    for (let rate = nextRate(history, contender.ramp); rate !== undefined; rate = nextRate(history, contender.ramp)) {
      const row = await measureRun(topology, server, rate);
      runs.push(row);
      history.push({ rate, ok: row.ok });
      console.log(describeRun(row));
      // Let the last run's stragglers and retransmissions drain before the next.
      await new Promise((r) => setTimeout(r, 1000));
    }
    const firstFail = runs.filter((r) => !r.ok).sort((a, b) => a.rate - b.rate)[0];
    if (PROFILE && server.profile && firstFail) await profileRun(topology, server, firstFail.rate);
    let note: string | undefined;
    if (server.stats) {
      const stats = await server.stats();
      const acks = stats.outcomes.ack ?? 0;
      note = `journal: ${fmt(stats.leaseEvents)} lease events on the stream for ${fmt(acks)} DHCPACKs sent (each ACK only after its event was acknowledged); outcomes ${Object.entries(stats.outcomes).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${fmt(n)}`).join(', ')}`;
      console.log(`  ${note}`);
    }
    const best = sustained(history);
    return { name: server.name, runs, best: runs.find((r) => r.rate === best), firstFail, ...(note ? { note } : {}) };
  } finally {
    await server.stop();
  }
}

function printTable(results: readonly ServerResult[]): void {
  const header = ['server', 'sustained DORA/s', 'incomplete', 'server CPU/exch', 'other CPU/exch', 'at saturation (offered -> done, incomplete)'];
  const rows = results.map((res) => {
    const b = res.best;
    const main = b?.cpu[0];
    const others = b?.cpu.slice(1).map((c) => `${c.role.split(' ')[0]} ${usPer(c.seconds, b.report.acksReceived)}`).join(', ') || '-';
    const f = res.firstFail;
    return [
      res.name,
      b ? fmt(b.report.doraPerSecond) : 'none',
      b ? `${fmt(b.report.incompletePercent, 2)}%` : '-',
      b && main ? usPer(main.seconds, b.report.acksReceived) : '-',
      others,
      f ? `${fmt(f.rate)} -> ${fmt(f.report.doraPerSecond)}, ${fmt(f.report.incompletePercent, 1)}%${f.loadCpu === undefined ? '' : ` (perfdhcp ${fmt((100 * f.loadCpu) / SECONDS)}% CPU)`}` : 'not reached',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
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

requireRoot('bench:dhcp');
ensureCommands(benchCommands, (line) => console.error(`[bench:dhcp] ${line}`));
console.log(machineLine(`load average ${loadavg()[0]!.toFixed(2)}, ${SECONDS} s per run, ${fmt(CLIENTS)} simulated clients, perfdhcp -g single as a relay, pass = at most ${maxIncompletePercent}% incomplete`));
const topology = await createBenchTopology();
const stopOnSignal = () => void topology.remove().finally(() => process.exit(130));
process.once('SIGINT', stopOnSignal);
process.once('SIGTERM', stopOnSignal);
const results: ServerResult[] = [];
try {
  for (const contender of contenders) {
    if (ONLY && !ONLY.includes(contender.key)) continue;
    results.push(await benchServer(topology, contender));
  }
  console.log(`\n${machineLine(`load average now ${loadavg()[0]!.toFixed(2)} (other work on the machine skews every figure)`)}`);
  printTable(results);
  const agent = results.find((r) => r.name === 'leasehold agent (journal on)') ?? results.find((r) => r.name.startsWith('leasehold'));
  if (agent?.best) {
    console.log('');
    for (const other of results) {
      if (other === agent || !other.best) continue;
      const ratio = agent.best.report.doraPerSecond / other.best.report.doraPerSecond;
      console.log(`agent / ${other.name}: ${ratio >= 1 ? `${fmt(ratio, 1)}x` : `${fmt(100 * ratio, 1)}%`} of its sustained rate`);
    }
  }
} finally {
  await topology.remove();
}
