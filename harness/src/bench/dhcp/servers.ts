/**
 * The three DHCP servers under test, each started in the bench's server
 * namespace as a child process whose CPU time the bench reads from /proc:
 * dnsmasq (with its lease file, or --leasefile-ro), Kea (memfile, persist
 * on, lfc-interval 0) and the leasehold agent (agent-process.ts: its own
 * nats-server with the journal on). All serve the same /16 with the same
 * lease time and answer perfdhcp's relayed requests by giaddr. For
 * bench:dhcp6 (`family` 6) Kea runs `kea-dhcp6` and the agent serves a
 * DHCPv6 subnet too, both the same /64 pool (`benchPlan6`), answering
 * `perfdhcp -6` on the link.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AgentProcessConfig, AgentProcessReady, AgentProcessStats } from './agent-process.js';
import { runPerfdhcp, type PerfdhcpRun } from './perfdhcp.js';
import type { BenchTopology } from './topology.js';

/** The address plan every server is configured with (the topology's /16). */
export interface BenchPlan {
  readonly cidr: string;
  readonly netmask: string;
  readonly gateway: string;
  /** Addresses for the agent's DHCP port (Neutron's allocation pool). */
  readonly portPool: { readonly start: string; readonly end: string };
  /** The dynamic pool (dnsmasq's dhcp-range, Kea's pool). */
  readonly pool: { readonly start: string; readonly end: string };
  readonly leaseSeconds: number;
}

export const benchPlan: BenchPlan = {
  cidr: '198.18.0.0/16',
  netmask: '255.255.0.0',
  gateway: '198.18.0.1',
  portPool: { start: '198.18.0.10', end: '198.18.0.250' },
  pool: { start: '198.18.1.0', end: '198.18.255.254' },
  leaseSeconds: 3600,
};

/** bench:dhcp6's address plan: a documentation /64 inside the namespaces, its pool as wide as the v4 bench's many times over. */
const benchPlan6 = {
  cidr: '2001:db8:1::/64',
  pool: { start: '2001:db8:1::1:0', end: '2001:db8:1::ffff:ffff' },
} as const;

/** Where perfdhcp sends: to the server's address as a relay (IPv4), or to ff02::1:2 out of the client end as a client on the link (IPv6). Pure. */
export function perfdhcpTarget(topology: BenchTopology, family: 4 | 6): Pick<PerfdhcpRun, 'server' | 'family' | 'interface'> {
  return family === 6 ? { server: 'all', family: 6, interface: topology.clientIf } : { server: topology.serverIp };
}

export interface RunningServer {
  readonly name: string;
  /** Processes whose CPU counts, the server itself first (the agent adds its nats-server). */
  readonly pids: readonly { readonly role: string; readonly pid: number }[];
  /** Server-side counters after a run, where the server can tell (the agent can). */
  stats?(): Promise<AgentProcessStats>;
  /** Runs V8's CPU profiler in the server around `during` and writes the profile to `file` (the agent can). */
  profile?<T>(file: string, during: () => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

const CLK_TCK = 100; // Linux x86-64 and arm64 user HZ

/** utime + stime of a process in seconds, from /proc/<pid>/stat (proc(5) fields 14 and 15). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the ")" that closes comm: state is field 3, so utime (14) is index 11.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function inNs(ns: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  // `ip netns exec` execs the command: the child's pid is the server's.
  return spawn('ip', ['netns', 'exec', ns, command, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
}

function tail(child: ChildProcess, name: string): () => string {
  let log = '';
  const add = (s: string) => (log = (log + s).slice(-4000));
  child.stdout?.setEncoding('utf8').on('data', add);
  child.stderr?.setEncoding('utf8').on('data', add);
  child.once('exit', (code, signal) => add(`\n[${name} exited: ${code ?? signal}]`));
  return () => log;
}

async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Waits until perfdhcp completes a DORA (SARR) against the server: a one-second run
 * at 4/s (perfdhcp exits as soon as `-n` is reached, before a slow first
 * reply arrives, and without `-r` it floods).
 */
export async function waitAnswering(topology: BenchTopology, name: string, log: () => string, family: 4 | 6 = 4, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await runPerfdhcp(topology.clientNs, { rate: 4, seconds: 1, clients: 100, ...perfdhcpTarget(topology, family) }).then(
      ({ report }) => report.acksReceived > 0,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name} did not answer a DHCP exchange within ${timeoutMs} ms; its output:\n${log()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** dnsmasq as Neutron runs it, minus the ping check (--no-ping) and per-lease logging (--quiet-dhcp). */
export async function startDnsmasq(topology: BenchTopology, options: { leaseFile: boolean }): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'lh-bench-dnsmasq-'));
  const p = benchPlan;
  const args = [
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    '--port=0',
    '--no-ping',
    '--quiet-dhcp',
    '--log-facility=-',
    `--interface=${topology.serverIf}`,
    '--bind-interfaces',
    `--pid-file=${join(dir, 'pid')}`,
    `--dhcp-range=${p.pool.start},${p.pool.end},${p.netmask},${p.leaseSeconds}`,
    '--dhcp-lease-max=100000',
    `--dhcp-leasefile=${join(dir, 'leases')}`,
    ...(options.leaseFile ? [] : ['--leasefile-ro']),
  ];
  const child = inNs(topology.serverNs, 'dnsmasq', args);
  const log = tail(child, 'dnsmasq');
  const name = options.leaseFile ? 'dnsmasq (lease file)' : 'dnsmasq (--leasefile-ro)';
  try {
    await waitAnswering(topology, name, log);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return {
    name,
    pids: [{ role: 'dnsmasq', pid: child.pid! }],
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Kea's configuration for `kea-dhcp<family>` with its files in `dir`. Pure. */
function keaConfig(topology: BenchTopology, family: 4 | 6, dir: string): object {
  const p = benchPlan;
  const common = {
    'interfaces-config': { interfaces: [topology.serverIf] },
    'lease-database': { type: 'memfile', persist: true, name: join(dir, `leases${family}.csv`), 'lfc-interval': 0 },
    'valid-lifetime': p.leaseSeconds,
    loggers: [{ name: `kea-dhcp${family}`, output_options: [{ output: 'stderr' }], severity: 'WARN' }],
  };
  if (family === 4) {
    return { Dhcp4: { ...common, subnet4: [{ id: 1, subnet: p.cidr, pools: [{ pool: `${p.pool.start} - ${p.pool.end}` }], 'option-data': [{ name: 'routers', data: p.gateway }] }] } };
  }
  // On the link (no relay), the subnet is the interface's; the server DUID is not written to /var/lib/kea.
  const pool = `${benchPlan6.pool.start} - ${benchPlan6.pool.end}`;
  return { Dhcp6: { ...common, 'preferred-lifetime': p.leaseSeconds, 'server-id': { type: 'LLT', persist: false }, subnet6: [{ id: 1, subnet: benchPlan6.cidr, interface: topology.serverIf, pools: [{ pool }] }] } };
}

/** Kea's DHCPv4 (or DHCPv6) server: memfile backend, every lease written to its CSV file, no lease file cleanup. */
export async function startKea(topology: BenchTopology, family: 4 | 6 = 4): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'lh-bench-kea-'));
  const server = `kea-dhcp${family}`;
  writeFileSync(join(dir, `${server}.json`), JSON.stringify(keaConfig(topology, family, dir), null, 2));
  // Kea's lock and pid files default to /run/kea; keep them private to this run.
  const env = { ...process.env, KEA_LOCKFILE_DIR: dir, KEA_PIDFILE_DIR: dir };
  const child = inNs(topology.serverNs, server, ['-c', join(dir, `${server}.json`)], env);
  const log = tail(child, server);
  try {
    await waitAnswering(topology, 'Kea', log, family);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return {
    name: 'Kea (memfile, persist)',
    pids: [{ role: server, pid: child.pid! }],
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const agentScript = join(dirname(fileURLToPath(import.meta.url)), 'agent-process.ts');
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** The leasehold agent with its own nats-server, in the server namespace; `tweaks` as agent-process.ts describes; family 6 adds benchPlan6's DHCPv6 subnet. */
export async function startAgentServer(topology: BenchTopology, tweaks: AgentProcessConfig['tweaks'] = [], family: 4 | 6 = 4): Promise<RunningServer> {
  const p = benchPlan;
  const config: AgentProcessConfig = {
    ifname: topology.serverIf,
    cidr: p.cidr,
    gateway: p.gateway,
    portPool: p.portPool,
    dynamicPool: p.pool,
    leaseSeconds: p.leaseSeconds,
    tweaks,
    ...(family === 6 ? { v6: benchPlan6 } : {}),
  };
  const nodeArgs = [
    '--conditions=@leasehold/source',
    '--import',
    'tsx',
    agentScript,
    JSON.stringify(config),
  ];
  const child = spawn('ip', ['netns', 'exec', topology.serverNs, process.execPath, ...nodeArgs], { stdio: ['pipe', 'pipe', 'pipe'], cwd: repoRoot });
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (log = (log + s).slice(-4000)));
  const lines = createInterface({ input: child.stdout! });
  const waiting = new Map<string, (payload: string) => void>();
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  lines.on('line', (line) => {
    const space = line.indexOf(' ');
    const kind = space < 0 ? line : line.slice(0, space);
    const waiter = waiting.get(kind);
    if (waiter) {
      waiting.delete(kind);
      waiter(line.slice(space + 1));
    }
  });
  const expect = (kind: string, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the agent process sent no ${kind} within ${timeoutMs} ms; its stderr:\n${log}`)), timeoutMs);
      void exit.then(() => reject(new Error(`the agent process exited before ${kind}; its stderr:\n${log}`)));
      waiting.set(kind, (payload) => {
        clearTimeout(timer);
        resolve(payload);
      });
    });
  let ready: AgentProcessReady;
  try {
    ready = JSON.parse(await expect('READY', 60_000)) as AgentProcessReady;
    await waitAnswering(topology, 'the agent', () => log, family);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    name: `leasehold agent (journal on${tweaks.length > 0 ? `; what-if ${tweaks.join(', ')}` : ''})`,
    pids: [
      { role: 'agent', pid: ready.agentPid },
      { role: `nats-server ${ready.natsVersion}`, pid: ready.natsPid },
    ],
    async stats() {
      const answer = expect('STATS', 30_000);
      child.stdin!.write('stats\n');
      return JSON.parse(await answer) as AgentProcessStats;
    },
    async profile(file, during) {
      const started = expect('PROFILING', 10_000);
      child.stdin!.write('profile-start\n');
      await started;
      const result = await during();
      const written = expect('PROFILED', 30_000);
      child.stdin!.write(`profile-stop ${file}\n`);
      await written;
      return result;
    },
    async stop() {
      if (exited) return;
      child.stdin!.write('stop\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
