/**
 * The distributed system of the fault tests as real processes: a 3-node
 * JetStream cluster (R3 stream and buckets) and `leasehold api`,
 * `scheduler` and `dhcp-agent` children, each on its own node's URL (a
 * client learns the other nodes from the server and moves to one when its
 * node dies). Any process can be SIGKILLed and started again with the same
 * arguments; the nodes keep their ports and stores.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '@leasehold/api/client';
import { fromEnvelope } from '@leasehold/lease-actor';
import { aggregateSubject, formatIpv4 } from '@leasehold/protocol';
import { DeliverPolicy } from '@nats-io/jetstream';
import { Journal, connectNats, freePorts, provisionCluster, startNatsCluster, startProjection, waitForJetStream, type NatsCluster } from '@leasehold/journal';
import type { NatsConnection } from '@nats-io/transport-node';
import type { LeaseFact } from './checks.js';
import { LEASEHOLD_BIN } from '../leasehold-bin.js';


export interface FaultSystemOptions {
  /** Each agent's own arguments (one agent per entry), e.g. `['--relay-interfaces', 'eth1', '--no-configure-interfaces']`. */
  readonly agents: readonly (readonly string[])[];
  readonly schedulers?: number;
  readonly reportIntervalS?: number;
  readonly agentDownTimeS?: number;
  readonly agentsPerNetwork?: number;
  /** Environment of every process (e.g. LEASEHOLD_HISTORY_* to snapshot and compact often). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface Proc {
  readonly name: string;
  /** Undefined while the process is down. */
  child(): ChildProcess | undefined;
  output(): string;
  /** Metrics address (agents only). */
  readonly metricsPort?: number;
}

export interface FaultSystem {
  readonly cluster: NatsCluster;
  /** The test's own connection (admin), reconnecting across node deaths. */
  readonly nc: NatsConnection;
  readonly journal: Journal;
  readonly client: ApiClient;
  readonly procs: ReadonlyMap<string, Proc>;
  /** Agent ids in order (agent-1, agent-2, ...). */
  readonly agents: readonly string[];
  readonly schedulers: readonly string[];
  /** Starts a process (again) and resolves once it says it runs. */
  start(name: string): Promise<void>;
  /** SIGKILL, and resolves once it is gone. */
  kill(name: string): Promise<void>;
  /** The last part of every process's output, for a failure message. */
  logs(): string;
  stop(): Promise<void>;
}

/** Starts the cluster, provisions the journal at R3, and the API, the schedulers and the agents. */
export async function startFaultSystem(options: FaultSystemOptions): Promise<FaultSystem> {
  const dir = mkdtempSync(join(tmpdir(), 'lh-faults-'));
  const cluster = await startNatsCluster({ dir });
  const urls = cluster.urls;
  const nc = await connectNats(urls, { name: 'fault-test', env: {} });
  const children = new Map<string, { child: ChildProcess | undefined; out: string; args: string[]; metricsPort?: number }>();
  const stop = async () => {
    await Promise.all([...children.keys()].map((name) => killChild(name)));
    await nc.close().catch(() => {});
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const killChild = async (name: string) => {
    const entry = children.get(name);
    const child = entry?.child;
    if (!entry || !child) return;
    entry.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  };
  const startChild = async (name: string) => {
    const entry = children.get(name)!;
    if (entry.child) return;
    const child = spawn(process.execPath, [LEASEHOLD_BIN, ...entry.args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    entry.child = child;
    let ready = false;
    const add = (s: string) => {
      entry.out = (entry.out + s).slice(-20_000);
      if (s.includes('Press Ctrl-C')) ready = true;
    };
    child.stdout!.setEncoding('utf8').on('data', add);
    child.stderr!.setEncoding('utf8').on('data', add);
    child.once('exit', (code, signal) => add(`\n[${name} exited: ${code ?? signal}]\n`));
    const deadline = Date.now() + 60_000;
    while (!ready) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited while starting:\n${entry.out.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`${name} did not start within 60 s:\n${entry.out.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    await waitForJetStream(nc, 30_000);
    await provisionCluster(nc, { replicas: 3 }, 30_000);
    const journal = await Journal.open(nc);
    const report = String(options.reportIntervalS ?? 0.5);
    const down = String(options.agentDownTimeS ?? 3);
    const common = (i: number) => ['--data-dir', join(dir, 'data'), '--nats-url', urls[i % urls.length]!, '--report-interval', report, '--agent-down-time', down, '--log-format', 'json', '--log-level', 'info'];
    const [apiPort] = await freePorts(1);
    children.set('api', { child: undefined, out: '', metricsPort: apiPort!, args: ['api', ...common(0), '--metrics-listen', `127.0.0.1:${apiPort}`] });
    const schedulers = Array.from({ length: options.schedulers ?? 2 }, (_, i) => `scheduler-${i + 1}`);
    schedulers.forEach((name, i) =>
      children.set(name, { child: undefined, out: '', args: ['scheduler', ...common(i + 1), '--agents-per-network', String(options.agentsPerNetwork ?? 2)] }),
    );
    const ports = await freePorts(options.agents.length);
    const agents = options.agents.map((_, i) => `agent-${i + 1}`);
    options.agents.forEach((own, i) =>
      children.set(agents[i]!, {
        child: undefined,
        out: '',
        metricsPort: ports[i]!,
        args: ['dhcp-agent', ...common(i + 2), '--agent-id', agents[i]!, ...own, '--metrics-listen', `127.0.0.1:${ports[i]}`],
      }),
    );
    // The API first: agents create their DHCP ports through it.
    await startChild('api');
    await Promise.all([...schedulers, ...agents].map(startChild));
    const procs = new Map<string, Proc>(
      [...children].map(([name, entry]) => [name, { name, child: () => entry.child, output: () => entry.out, ...(entry.metricsPort ? { metricsPort: entry.metricsPort } : {}) }]),
    );
    return {
      cluster,
      nc,
      journal,
      client: new ApiClient(nc, { timeoutMs: 10_000 }),
      procs,
      agents,
      schedulers,
      start: startChild,
      kill: killChild,
      logs: () => [...children].map(([name, e]) => `--- ${name}\n${e.out.slice(-2500)}`).join('\n'),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One sample of a Prometheus text exposition, e.g. `leasehold_agent_leases{state="bound"}`; undefined when absent. Pure. */
export function metricValue(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/** The agent's /metrics text. */
export async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
  return response.text();
}

function leaseFact(event: Parameters<typeof fromEnvelope>[0], seq: number): LeaseFact {
  const lease = fromEnvelope(event);
  return {
    seq,
    type: lease.type,
    ip: formatIpv4(lease.ip),
    mac: 'mac' in lease ? lease.mac : undefined,
    at: event.at,
    ...(lease.type === 'LeaseBound' || lease.type === 'LeaseRenewed' ? { expiresAt: lease.expiresAt } : {}),
  };
}

/** Every lease event of a network (`lh.evt.lease.<network>.>`) still in the stream, in stream order. */
export async function leaseFacts(journal: Journal, networkId: string): Promise<LeaseFact[]> {
  const out: LeaseFact[] = [];
  await journal.replay(`${aggregateSubject('lease', networkId)}.>`, ({ event, seq }) => void out.push(leaseFact(event, seq)));
  return out;
}

export interface LeaseRecorder {
  /** Every lease event of the network written so far, in stream order (waits until it has read them all). */
  facts(): Promise<LeaseFact[]>;
  stop(): Promise<void>;
}

/**
 * Records a network's lease events as they are written: the system under test
 * compacts its journal, so the stream no longer holds the events behind the
 * ACKs of a minute ago, but the checks need every one of them.
 */
export async function recordLeaseFacts(journal: Journal, networkId: string): Promise<LeaseRecorder> {
  const filter = `${aggregateSubject('lease', networkId)}.>`;
  const facts: LeaseFact[] = [];
  const projection = await startProjection(journal, {
    name: `fault-recorder-${networkId}`,
    filter,
    fromStart: true,
    checkpointEvery: { events: Number.MAX_SAFE_INTEGER, ms: Number.MAX_SAFE_INTEGER },
    apply: ({ event, seq }) => void facts.push(leaseFact(event, seq)),
  });
  await projection.caughtUp;
  /** True once no lease event after the recorder's position is in the stream. */
  const caughtUp = async () => {
    const consumer = await journal.js.consumers.get(journal.layout.stream, {
      filter_subjects: filter,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: projection.position() + 1,
    });
    return (await consumer.info(true)).num_pending === 0;
  };
  return {
    async facts() {
      await waitUntil(caughtUp, (done) => done, 30_000, 'the lease recorder has read every lease event');
      return [...facts];
    },
    stop: () => projection.stop(),
  };
}

/** Polls `read` until `ok` holds on its value; throws with the last value after `timeoutMs`. */
export async function waitUntil<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let failure: unknown;
  for (;;) {
    try {
      last = await read();
      if (ok(last)) return last;
    } catch (error) {
      failure = error;
    }
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what} (last: ${JSON.stringify(last) ?? String(failure)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

