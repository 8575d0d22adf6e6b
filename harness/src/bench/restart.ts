/**
 * `npm run bench:restart`: how long each process takes, from spawn to
 * serving, to restart on a store with a fixed live state and a growing
 * history (issue 17). For each history length it builds a real JetStream store
 * (file storage) with harness/src/history: 2,000 ports on 20 networks through
 * the API, 5,000 dynamic leases, 3 agents, then renewals and heartbeats at
 * their real rates (one-hour leases renewed at T1, a heartbeat per agent every
 * 30 s), written directly with pipelined publishes. Then, against a fresh
 * nats-server on that store (the bench keeps all three agents heartbeating at
 * the real interval meanwhile):
 *
 * - `leasehold api`: spawn to /readyz ready and a `ports.list` answered;
 * - `leasehold scheduler`: spawn to its first decision (a network created
 *   just before, through the running API, gets its `NetworkScheduled`);
 * - `leasehold dhcp-agent` (agent 1): spawn to the first DHCPACK for a
 *   client it knows (an INIT-REBOOT REQUEST relayed from a network namespace
 *   every 20 ms; needs root, else only /readyz);
 * - `leasehold start` (everything, embedded nats-server on the store): spawn to
 *   /readyz + `ports.list`, and to the first DHCPACK;
 *
 * with each process's peak RSS (VmHWM), nats-server's, the store's size on
 * disk and the load average. Every wait is bounded.
 *
 * The generated store holds no projection snapshot, so each separate
 * process's first start folds the whole stream (the figure before issue
 * 17); its clean stop stores its snapshot, and the later starts measure what
 * a running system's restart costs: the snapshot plus the events since. Then
 * the journal is compacted with a retention of 0 (everything the snapshots
 * hold goes) and `leasehold start` is measured on that store, beside the
 * disk before and after.
 *
 *   BENCH_HISTORY=100000,1000000,5000000   history lengths (events)
 *   BENCH_STARTS=3                          starts per process (default 3 up to 1M events, 1 above)
 *   BENCH_PROCESSES=api,scheduler,dhcp-agent,start
 *   BENCH_TIMEOUT_S=1800                    the longest wait for one start
 *   BENCH_KEEP=1                            keep the stores (their paths are printed)
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { heartbeatEnvelope, heartbeatSubject } from '@leasehold/agent';
import { createTestLink, type TestLink } from '@leasehold/agent/testing';
import { ApiClient } from '@leasehold/api/client';
import { Journal, ProjectionSnapshots, compactJournal, connectNats, startNatsServer, type CompactionResult, type NatsServer } from '@leasehold/journal';
import { formatIpv4, parseIpv4 } from '@leasehold/protocol';
import type { NatsConnection } from '@nats-io/transport-node';
import { DEFAULT_SHAPE, historyPlan, leaseClient, networkAddresses, writeHistory, type HistoryPlan, type LiveState } from '../history/index.js';
import { connectToSystem, dhcpProbe, freePort, peakRss, spawnLeasehold, unusedBase, untilReady } from '../history/probes.js';
import { machineLine } from './harness.js';

const HISTORIES = (process.env.BENCH_HISTORY ?? '100000,1000000,5000000').split(',').map((s) => Number(s.trim()));
const PROCESSES = new Set((process.env.BENCH_PROCESSES ?? 'api,scheduler,dhcp-agent,start').split(',').map((s) => s.trim()));
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 1_800) * 1000;
const startsFor = (events: number) => Number(process.env.BENCH_STARTS ?? (events <= 1_000_000 ? 3 : 2));
const AGENT = DEFAULT_SHAPE.agents[0]!;
const DHCP_PORT = 6767;
const ROOT = process.getuid?.() === 0;

interface Start {
  /** Spawn to serving (the process's own criterion). */
  readonly servingMs: number;
  /** Spawn to /readyz ready. */
  readonly readyMs: number;
  /** Spawn to the first DHCPACK (agent and start). */
  readonly ackMs?: number;
  readonly rss: number;
  /** The embedded nats-server's peak RSS (start only). */
  readonly natsRss?: number;
}

interface Row {
  readonly process: string;
  readonly serving: string;
  readonly starts: Start[];
}

const mb = (bytes: number | undefined) => (bytes === undefined ? '?' : `${Math.round(bytes / 2 ** 20)} MB`);
const s = (ms: number) => (ms / 1000).toFixed(2);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const spread = (xs: number[]) => (xs.length === 1 ? s(xs[0]!) : `${s(Math.min(...xs))} / ${s(median(xs))} / ${s(Math.max(...xs))}`);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** Keeps the plan's agents heartbeating at their real interval, as the running system would. */
function heartbeats(journal: Journal, plan: HistoryPlan, live: LiveState): () => void {
  const beat = () => {
    for (const agent of live.agents) {
      const config = { agentId: agent.agentId, host: agent.agentId, availabilityZone: 'nova', interfaceMappings: { '*': 'eth1' }, reportIntervalMs: plan.shape.reportIntervalMs };
      const event = heartbeatEnvelope(config, agent, { id: randomUUID(), at: Date.now() });
      journal.append(heartbeatSubject(agent.agentId), [event]).catch((e: Error) => console.error(`heartbeat of ${agent.agentId} failed: ${e.message}`));
    }
  };
  beat();
  const timer = setInterval(beat, plan.shape.reportIntervalMs);
  return () => clearInterval(timer);
}

/** Waits for the first message on `subject` (a core subscription sees every JetStream publish to it). */
function firstMessage(nc: NatsConnection, subject: string, timeoutMs: number): Promise<number> {
  const sub = nc.subscribe(subject, { max: 1 });
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error(`nothing on ${subject} within ${timeoutMs} ms`));
    }, timeoutMs);
    void (async () => {
      for await (const _ of sub) {
        clearTimeout(timer);
        resolve(Date.now());
      }
    })();
  });
}

interface Bench {
  readonly plan: HistoryPlan;
  readonly live: LiveState;
  readonly dataDir: string;
  readonly configFile: string;
  readonly link: TestLink | undefined;
  readonly relayIp: string;
}

const agentArgs = (b: Bench) => ['--agent-id', AGENT, '--interface-mappings', `*:${b.link?.hostIf ?? 'lo'}`, '--no-configure-interfaces', '--dhcp-port', String(DHCP_PORT)];

function probe(b: Bench) {
  if (!b.link) return undefined;
  const client = leaseClient(b.plan.shape, 0);
  return dhcpProbe(b.link, { relayIp: b.relayIp, giaddr: parseIpv4(b.relayIp), agentIp: networkAddresses(b.plan.shape, 0).gateway, agentPort: DHCP_PORT, mac: client.mac, ip: client.ip, everyMs: 20, timeoutMs: TIMEOUT_MS });
}

async function measureApi(b: Bench, url: string, client: ApiClient, keep: boolean): Promise<{ start: Start; stop: () => Promise<unknown> }> {
  const metrics = await freePort();
  const proc = spawnLeasehold(['api', '--nats-url', url, '--config', b.configFile, '--metrics-listen', `127.0.0.1:${metrics}`]);
  try {
    const readyAt = await untilReady(metrics, TIMEOUT_MS, proc.exited);
    await client.ports.list({ network_id: b.live.networkIds[0]! });
    const servedAt = Date.now();
    const start = { servingMs: servedAt - proc.spawnedAt, readyMs: readyAt - proc.spawnedAt, rss: peakRss(proc.pid) ?? 0 };
    if (!keep) await proc.stop();
    return { start, stop: () => proc.stop() };
  } catch (error) {
    await proc.stop();
    throw error;
  }
}

async function measureScheduler(b: Bench, url: string, nc: NatsConnection, client: ApiClient, run: number): Promise<Start> {
  // A network the scheduler has not seen: its first pass binds it.
  const network = await client.networks.create({ name: `bench-restart-${run}` });
  const addresses = networkAddresses(b.plan.shape, 20 + (run % 12));
  await client.subnets.create({ network_id: network.id, cidr: addresses.cidr, allocation_pools: [addresses.portPool] });
  const decided = firstMessage(nc, `lh.evt.binding.${network.id}`, TIMEOUT_MS);
  const metrics = await freePort();
  const proc = spawnLeasehold(['scheduler', '--nats-url', url, '--config', b.configFile, '--metrics-listen', `127.0.0.1:${metrics}`]);
  try {
    const [decidedAt, readyAt] = await Promise.all([decided, untilReady(metrics, TIMEOUT_MS, proc.exited)]);
    return { servingMs: decidedAt - proc.spawnedAt, readyMs: readyAt - proc.spawnedAt, rss: peakRss(proc.pid) ?? 0 };
  } finally {
    await proc.stop();
  }
}

async function measureAgent(b: Bench, url: string): Promise<Start> {
  const dhcp = probe(b);
  const metrics = await freePort();
  const proc = spawnLeasehold(['dhcp-agent', '--nats-url', url, '--config', b.configFile, ...agentArgs(b), '--metrics-listen', `127.0.0.1:${metrics}`]);
  try {
    const readyAt = await untilReady(metrics, TIMEOUT_MS, proc.exited);
    const ack = await dhcp?.reply;
    if (dhcp && !ack) throw new Error('the agent never answered the known client');
    const ackMs = ack ? ack.at - proc.spawnedAt : undefined;
    return { servingMs: ackMs ?? readyAt - proc.spawnedAt, readyMs: readyAt - proc.spawnedAt, ...(ackMs !== undefined ? { ackMs } : {}), rss: peakRss(proc.pid) ?? 0 };
  } finally {
    dhcp?.stop();
    await proc.stop();
  }
}

async function measureStart(b: Bench): Promise<Start> {
  const dhcp = probe(b);
  const metrics = await freePort();
  const proc = spawnLeasehold(['start', '--data-dir', b.dataDir, '--config', b.configFile, ...agentArgs(b), '--metrics-listen', `127.0.0.1:${metrics}`]);
  try {
    await proc.waitFor(/Press Ctrl-C to stop/, TIMEOUT_MS);
    const readyAt = await untilReady(metrics, TIMEOUT_MS, proc.exited);
    const url = /nats\s+(nats:\/\/[\d.:]+)/.exec(proc.output())![1]!;
    const natsPid = Number(/pid (\d+)/.exec(proc.output())?.[1]);
    const nc = await connectToSystem(url, b.dataDir, 'bench-restart-start');
    try {
      await new ApiClient(nc).ports.list({ network_id: b.live.networkIds[0]! });
    } finally {
      await nc.close();
    }
    const servedAt = Date.now();
    const ack = await dhcp?.reply;
    if (dhcp && !ack) throw new Error('leasehold start never answered the known client');
    return {
      servingMs: servedAt - proc.spawnedAt,
      readyMs: readyAt - proc.spawnedAt,
      ...(ack ? { ackMs: ack.at - proc.spawnedAt } : {}),
      rss: peakRss(proc.pid) ?? 0,
      ...(Number.isFinite(natsPid) ? { natsRss: peakRss(natsPid) ?? 0 } : {}),
    };
  } finally {
    dhcp?.stop();
    await proc.stop();
  }
}

async function benchHistory(events: number): Promise<void> {
  const starts = startsFor(events);
  const dataDir = mkdtempSync(join(tmpdir(), 'lh-bench-restart-'));
  const storeDir = join(dataDir, 'nats');
  const configFile = join(dataDir, 'leasehold.yaml');
  writeFileSync(configFile, 'agent:\n  dns:\n    enabled: false\n');
  const base = await unusedBase();
  console.log('');
  console.log(`== history of ${events.toLocaleString('en-US')} events (store ${dataDir}, networks from ${base}) ==`);

  let server: NatsServer | undefined = await startNatsServer({ storeDir });
  let link: TestLink | undefined;
  const rows: Row[] = [];
  try {
    let nc = await connectNats(server.url, { name: 'bench-restart-writer' });
    const plan = historyPlan({ ...DEFAULT_SHAPE, base }, { events, endAt: Date.now() });
    const t0 = performance.now();
    let lastPrint = t0;
    const { live } = await writeHistory(nc, await Journal.open(nc), plan, {
      onProgress: (written, total) => {
        if (performance.now() - lastPrint < 10_000) return;
        lastPrint = performance.now();
        console.log(`  writing: ${written.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} (${Math.round(written / ((lastPrint - t0) / 1000)).toLocaleString('en-US')}/s)`);
      },
    });
    const writeS = (performance.now() - t0) / 1000;
    const stored = (await (await Journal.open(nc)).jsm.streams.info('LH_EVENTS')).state;
    const version = nc.info?.version ?? 'unknown';
    await nc.close();
    // A fresh server for the measurements: its peak memory is that of serving the restarts, not of the writing.
    await server.stop();
    const storeBytes = diskBytes(storeDir);
    console.log(`wrote the live state and ${events.toLocaleString('en-US')} history events in ${writeS.toFixed(1)} s; the stream holds ${stored.messages.toLocaleString('en-US')} events, ${mb(stored.bytes)}; store on disk ${mb(storeBytes)} (nats-server ${version}, file storage)`);

    let relayIp = '';
    if (ROOT) {
      link = await createTestLink({ hostAddress: `${networkAddresses(plan.shape, 0).gateway}/23` });
      relayIp = formatIpv4(parseIpv4(base) + 240);
      await link.exec('ip', ['addr', 'add', `${relayIp}/23`, 'dev', link.clientIf]);
    } else {
      console.log('not root: the agent is timed to /readyz, not to a DHCPACK (that needs a network namespace)');
    }
    const b: Bench = { plan, live, dataDir, configFile, link, relayIp };

    server = await startNatsServer({ storeDir });
    nc = await connectNats(server.url, { name: 'bench-restart' });
    const journal = await Journal.open(nc);
    const stopBeats = heartbeats(journal, plan, live);
    const client = new ApiClient(nc, { timeoutMs: 30_000 });
    let natsRss: number | undefined;
    let compacted: CompactionResult | undefined;
    try {
      console.log(`load average before the starts: ${load()}`);
      // The last API start keeps running: the scheduler's runs create their network through it.
      let api: { start: Start; stop: () => Promise<unknown> } | undefined;
      const needApi = PROCESSES.has('api') || PROCESSES.has('scheduler');
      if (needApi) {
        const runs: Start[] = [];
        const n = PROCESSES.has('api') ? starts : 1;
        for (let run = 0; run < n; run++) {
          api = await measureApi(b, server.url, client, run === n - 1);
          runs.push(api.start);
        }
        if (PROCESSES.has('api')) rows.push({ process: 'leasehold api', serving: '/readyz + ports.list', starts: runs });
      }
      if (PROCESSES.has('scheduler')) {
        const runs: Start[] = [];
        for (let run = 0; run < starts; run++) runs.push(await measureScheduler(b, server.url, nc, client, run));
        rows.push({ process: 'leasehold scheduler', serving: 'first decision', starts: runs });
      }
      await api?.stop();
      if (PROCESSES.has('dhcp-agent')) {
        const runs: Start[] = [];
        for (let run = 0; run < starts; run++) runs.push(await measureAgent(b, server.url));
        rows.push({ process: 'leasehold dhcp-agent', serving: ROOT ? 'first DHCPACK' : '/readyz', starts: runs });
      }
      natsRss = peakRss(server.pid);
      // Bounded disk: everything the processes' snapshots hold goes (retention 0).
      const stream = (await journal.jsm.streams.info(journal.layout.stream)).state;
      compacted = await compactJournal(journal, await ProjectionSnapshots.open(journal), { windowMs: 0 });
      console.log(
        `compacted: ${compacted.purged.toLocaleString('en-US')} of ${stream.messages.toLocaleString('en-US')} events purged below ${compacted.floor}${compacted.pinnedBy ? ` (held by snapshot ${compacted.pinnedBy.name})` : ''}; stream ${mb(compacted.bytesBefore)} -> ${mb(compacted.bytesAfter)}`,
      );
    } finally {
      stopBeats();
      await nc.close();
      await server.stop();
      server = undefined;
    }
    const compactedBytes = diskBytes(storeDir);
    console.log(`store on disk after compaction: ${mb(compactedBytes)} (was ${mb(storeBytes)})`);
    if (PROCESSES.has('start')) {
      const runs: Start[] = [];
      for (let run = 0; run < starts; run++) runs.push(await measureStart(b));
      rows.push({ process: 'leasehold start', serving: '/readyz + ports.list', starts: runs });
    }

    console.log('');
    console.log(
      `history ${events.toLocaleString('en-US')} events, stream ${stored.messages.toLocaleString('en-US')} events, store on disk ${mb(storeBytes)} (${mb(compactedBytes)} after compaction), ${starts} start(s) per process, load average after: ${load()}`,
    );
    console.log('process                serving means           start                   spawn to serving, s    /readyz, s   first ACK, s   peak RSS (median)');
    console.log('                                                                       (min / median / max)');
    for (const row of rows) {
      // The separate processes' first start has no snapshot yet; `leasehold start` runs after them, on the compacted store.
      const groups: [string, Start[]][] =
        row.process === 'leasehold start' ? [['compacted, snapshots', row.starts]] : [['first: no snapshot', row.starts.slice(0, 1)], ['from its snapshot', row.starts.slice(1)]];
      for (const [label, runs] of groups) {
        if (runs.length === 0) continue;
        const acks = runs.flatMap((x) => (x.ackMs === undefined ? [] : [x.ackMs]));
        const nats = runs.flatMap((x) => (x.natsRss === undefined ? [] : [x.natsRss]));
        console.log(
          `${row.process.padEnd(22)} ${row.serving.padEnd(23)} ${label.padEnd(23)} ${spread(runs.map((x) => x.servingMs)).padEnd(22)} ${s(median(runs.map((x) => x.readyMs))).padEnd(12)} ${(acks.length ? s(median(acks)) : '-').padEnd(14)} ${mb(median(runs.map((x) => x.rss)))}${nats.length ? ` + nats-server ${mb(median(nats))}` : ''}`,
        );
      }
    }
    console.log(`nats-server serving the separate processes: peak RSS ${mb(natsRss)}`);
  } finally {
    await server?.stop();
    await link?.remove();
    if (process.env.BENCH_KEEP) console.log(`kept ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(machineLine());
console.log(`load average at start: ${load()}`);
for (const events of HISTORIES) await benchHistory(events);
