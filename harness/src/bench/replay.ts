/**
 * `npm run bench:replay`: how fast a fresh projection rebuilds from a
 * journal of 1,000,000 lease events, and how much memory it takes. Spawns a
 * nats-server (file storage) in a temporary directory, creates a network and
 * a /12 subnet through the API, then writes REPLAY_CLIENTS clients' lease
 * histories (LeaseBound, then LeaseRenewed every round, every 10th client
 * releasing and binding again) in lease-actor's `toEnvelope` shapes with
 * pipelined `journal.publish`. Then each projection runs in a fresh child
 * process (so its peak memory is its own): the agent's `AgentModel.apply`
 * and the API's `ReadModel.apply`, each fed by `journal.replay` of
 * `lh.evt.>`, with `process.memoryUsage().rss` sampled every 20 ms.
 *
 *   REPLAY_EVENTS=1000000 REPLAY_CLIENTS=50000 npm run bench:replay
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentModel } from '@leasehold/agent';
import { ReadModel } from '@leasehold/api';
import { ApiClient } from '@leasehold/api/client';
import { Journal, connectNats, startNatsServer } from '@leasehold/journal';
import { leaseSubject, leaseTimes, toEnvelope, type JournaledLeaseEvent } from '@leasehold/lease-actor';
import { parseIpv4 } from '@leasehold/protocol';
import { connectedRuntime, startSystem } from '@leasehold/server';
import { machineLine, pipelined } from './harness.js';

const EVENTS = Number(process.env.REPLAY_EVENTS ?? 1_000_000);
const CLIENTS = Number(process.env.REPLAY_CLIENTS ?? 50_000);
const WINDOW = Number(process.env.REPLAY_WINDOW ?? 2_000);
const MAX_MS = 15 * 60_000;
const LEASE_MS = 3_600_000;
// RFC 2544's benchmarking range, 198.18.0.0/15: room for 130,815 clients, and no clash with a real network.
const POOL_START = parseIpv4('198.18.1.0');

export interface ProjectionResult {
  readonly projection: string;
  readonly events: number;
  readonly ms: number;
  readonly baselineRss: number;
  readonly peakRss: number;
  /** What the fold holds at the end (leases bound), to show it did the work. */
  readonly bound: number;
}

/** The `i`-th event of the synthetic history: round-robin over clients, each round one event per client. Pure. */
export function historyEvent(i: number, clients: number, t0: number): JournaledLeaseEvent {
  const client = i % clients;
  const round = Math.floor(i / clients);
  const mac = `02:52:${[(client >>> 24) & 255, (client >>> 16) & 255, (client >>> 8) & 255, client & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  const ip = POOL_START + client;
  const at = t0 + round * 60_000 + (client % 60_000);
  // Every 10th client releases in odd rounds and binds again in the next one.
  const releases = client % 10 === 0;
  if (round > 0 && releases && round % 2 === 1) return { type: 'LeaseReleased', mac, ip, at };
  const fresh = round === 0 || (releases && round % 2 === 0);
  return { type: fresh ? 'LeaseBound' : 'LeaseRenewed', mac, ip, at, ...leaseTimes(at, LEASE_MS), hostname: `vm-${client}` };
}

// Each projection's fold alone on purpose (no startSystem): the figure is the fold's rate and memory.
async function runChild(kind: 'agent' | 'api', url: string, networkId: string): Promise<void> {
  const nc = await connectNats(url, { name: `bench-replay-${kind}` });
  const journal = await Journal.open(nc);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const baselineRss = process.memoryUsage().rss;
  const t0 = performance.now();
  let bound = 0;
  let events: number;
  if (kind === 'agent') {
    const model = new AgentModel();
    events = await journal.replay('lh.evt.>', (stored) => model.apply(stored));
    const held = new Set(['bound', 'renewing', 'rebinding']);
    bound = model.table(networkId)?.durableState().leases.filter((l) => held.has(l.status)).length ?? 0;
  } else {
    const model = new ReadModel();
    events = await journal.replay('lh.evt.>', (stored) => model.apply(stored));
    for (const byIp of model.fleet.leases.values()) for (const row of byIp.values()) if (row.state === 'bound') bound++;
  }
  const ms = performance.now() - t0;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const result: ProjectionResult = { projection: kind === 'agent' ? 'agent (AgentModel.apply)' : 'API read model (ReadModel.apply)', events, ms, baselineRss, peakRss: peak, bound };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  await nc.close();
}

async function measureInChild(kind: 'agent' | 'api', url: string, networkId: string): Promise<ProjectionResult> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--conditions=@leasehold/source', '--import', 'tsx', self, '--child', kind, url, networkId], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`the ${kind} replay exited (${code}) without a result:\n${out}`);
  return JSON.parse(line.slice('RESULT '.length)) as ProjectionResult;
}

async function main(): Promise<void> {
  const storeDir = mkdtempSync(join(tmpdir(), 'lh-bench-replay-'));
  const server = await startNatsServer({ storeDir });
  const nc = await connectNats(server.url, { name: 'bench-replay' });
  try {
    const journal = await Journal.open(nc);
    console.log(machineLine(`nats-server ${nc.info?.version} (file storage, spawned on ${server.url})`));
    // The API only creates the network and its subnet, as `leasehold api` would, then stops.
    const api = await startSystem(connectedRuntime(server.url, nc), { api: { agentDownTimeMs: 75_000 }, log: (line) => console.error(line) });
    const client = new ApiClient(nc);
    const network = await client.networks.create({ name: 'replay' });
    await client.subnets.create({
      network_id: network.id,
      cidr: '198.18.0.0/15',
      allocation_pools: [{ start: '198.18.0.2', end: '198.18.0.250' }],
      dynamic_pools: [{ start: '198.18.1.0', end: '198.19.255.254' }],
      lease_duration: LEASE_MS / 1000,
    });
    await api.stop();

    const t0 = Date.now() - 30 * 60_000;
    const started = performance.now();
    const written = await pipelined(EVENTS, WINDOW, MAX_MS, (i) => {
      const event = historyEvent(i, CLIENTS, t0);
      return journal.publish(leaseSubject(network.id, event.ip), toEnvelope(network.id, event, { id: randomUUID() }));
    });
    const writeMs = performance.now() - started;
    console.log(`wrote ${written.toLocaleString('en-US')} lease events of ${CLIENTS.toLocaleString('en-US')} clients with journal.publish, ${WINDOW} in flight: ${Math.round((written / writeMs) * 1000).toLocaleString('en-US')} events/s (${(writeMs / 1000).toFixed(1)} s)`);

    console.log('');
    console.log('projection                          events    seconds     events/s   RSS before  peak RSS  leases bound');
    for (const kind of ['agent', 'api'] as const) {
      const r = await measureInChild(kind, server.url, network.id);
      console.log(
        `${r.projection.padEnd(34)} ${r.events.toLocaleString('en-US').padStart(9)} ${(r.ms / 1000).toFixed(1).padStart(9)} ${Math.round((r.events / r.ms) * 1000).toLocaleString('en-US').padStart(12)} ${`${(r.baselineRss / 2 ** 20).toFixed(0)} MB`.padStart(11)} ${`${(r.peakRss / 2 ** 20).toFixed(0)} MB`.padStart(9)} ${r.bound.toLocaleString('en-US').padStart(13)}`,
      );
    }
  } finally {
    await nc.close();
    await server.stop();
    rmSync(storeDir, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) await runChild(process.argv[childAt + 1] as 'agent' | 'api', process.argv[childAt + 2]!, process.argv[childAt + 3]!);
else if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
