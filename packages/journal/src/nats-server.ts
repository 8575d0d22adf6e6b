/**
 * Spawning a local `nats-server -js`: the embedded default of `leasehold
 * start` and the real server of every integration test. It listens on
 * loopback on a port the kernel picks (`-p -1`) and reports it through
 * `--ports_file_dir`, so parallel runs never collide and nothing uses 4222.
 *
 * A server never outlives the process that spawned it: it runs under
 * util-linux's `setpriv --pdeathsig KILL` (PR_SET_PDEATHSIG), so the kernel
 * kills it when its parent dies however it dies, SIGKILL included (JetStream
 * recovers its store from that on the next start). With that guarantee it
 * gets its own session, so a terminal's Ctrl-C (sent to the whole foreground
 * process group) reaches only the parent, which stops it after its clients
 * have drained.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataDirLock } from './data-dir-lock.js';
import { NatsServerMissingError, NatsServerReloadError, NatsServerStartError } from './errors.js';

export interface NatsServerOptions {
  /** Directory of the JetStream store (created if missing). */
  readonly storeDir: string;
  readonly host?: string;
  /** Client port; -1 (the default) lets the kernel choose a free one. */
  readonly port?: number;
  /** Path or name of the binary; defaults to $NATS_SERVER_BIN or `nats-server` on PATH. */
  readonly binary?: string;
  readonly extraArgs?: readonly string[];
  /** A config file (`-c`); it must name `storeDir` as `jetstream { store_dir }` (nats-server refuses both it and `-sd`). */
  readonly configFile?: string;
  /** How long to wait for the server to report its port. */
  readonly startTimeoutMs?: number;
  /**
   * The data directory's lock (lockDataDir), taken before this call: the
   * server inherits its descriptor, so the directory stays locked until the
   * server is gone as well, and its URL and pid are recorded in it.
   */
  readonly lock?: DataDirLock;
}

export interface NatsServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  readonly storeDir: string;
  /** Resolves with the exit code when the process ends, for whatever reason. */
  readonly exited: Promise<number | null>;
  /** How it ended (the signal when one killed it); undefined while it runs. */
  exitStatus(): { readonly code: number | null; readonly signal: NodeJS.Signals | null } | undefined;
  /** The end of what it wrote on stderr (its log: the reason it stopped, when it says one). */
  lastOutput(): string;
  /** SIGTERM (graceful: JetStream flushes its store), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once: a crash, for fault tests. */
  kill(): Promise<void>;
  /**
   * Makes the server read its config file again (SIGHUP) and resolves once
   * its log says it did; rejects with what it said when it refused the new
   * file (it keeps running on the old one), or after `timeoutMs`. Reloads
   * are applied one at a time, in call order.
   */
  reload(timeoutMs?: number): Promise<void>;
}

/** Finds the nats-server binary or throws `NatsServerMissingError`. */
export function findNatsServer(binary = process.env.NATS_SERVER_BIN ?? 'nats-server'): string {
  const path = findExecutable(binary);
  if (!path) throw new NatsServerMissingError(binary);
  return path;
}

function findExecutable(name: string): string | undefined {
  const candidates = name.includes('/')
    ? [name]
    : [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/bin'].map((dir) => join(dir, name));
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

// util-linux, in every Debian (essential); --pdeathsig since 2.33. Looked up once.
let setpriv: string | null | undefined;
function findSetpriv(): string | null {
  setpriv ??= findExecutable('setpriv') ?? null;
  return setpriv;
}

const running = new Set<ChildProcess>();
// A parent that exits without stopping its servers must not leave them behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts nats-server with JetStream and resolves once it reports its client port. */
export async function startNatsServer(options: NatsServerOptions): Promise<NatsServer> {
  const binary = findNatsServer(options.binary);
  const host = options.host ?? '127.0.0.1';
  mkdirSync(options.storeDir, { recursive: true });
  const portsDir = mkdtempSync(join(tmpdir(), 'lh-nats-ports-'));
  const args = [
    '-js',
    '-a', host,
    '-p', String(options.port ?? -1),
    ...(options.configFile ? ['-c', options.configFile] : ['-sd', options.storeDir]),
    '--ports_file_dir', portsDir,
    ...(options.extraArgs ?? []),
  ];
  // The death signal fires when the spawning *thread* ends: Node spawns from
  // the thread running this code (the main thread in a daemon), not a pool thread.
  const guard = findSetpriv();
  const child = spawn(guard ?? binary, guard ? ['--pdeathsig', 'KILL', '--', binary, ...args] : args, {
    stdio: ['ignore', 'ignore', 'pipe', ...(options.lock ? [options.lock.fd] : [])],
    // Without the death signal, sharing the process group is what stops it on Ctrl-C.
    detached: guard !== null,
  });
  running.add(child);
  let stderr = '';
  // The log is the only word nats-server gives on a reload: each outcome settles the oldest waiting reload.
  let partial = '';
  const reloads: ((failure: string | undefined) => void)[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const failed = /Failed to reload server configuration: (.*)$/.exec(line);
      if (failed || /\bReloaded server configuration\b/.test(line)) reloads.shift()?.(failed?.[1]);
    }
  });
  let exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      exitStatus = { code, signal };
      running.delete(child);
      rmSync(portsDir, { recursive: true, force: true });
      resolve(code);
    });
    child.once('error', () => resolve(null));
  });
  let exitedEarly = false;
  void exited.then(() => {
    exitedEarly = true;
    for (const settle of reloads.splice(0)) settle('the server exited');
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  const portsFile = join(portsDir, `nats-server_${child.pid}.ports`);
  let url: string | undefined;
  while (!url) {
    if (exitedEarly) throw new NatsServerStartError(`nats-server exited during start-up: ${stderr.trim() || 'no output'}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new NatsServerStartError(`nats-server did not report its port within ${options.startTimeoutMs ?? 10_000} ms: ${stderr.trim()}`);
    }
    try {
      const ports = JSON.parse(readFileSync(portsFile, 'utf8')) as { nats?: string[] };
      url = ports.nats?.[0];
    } catch {
      await sleep(20);
    }
  }
  const port = Number(new URL(url).port);
  options.lock?.record({ natsUrl: `nats://${host}:${port}`, natsPid: child.pid ?? -1 });

  // One SIGHUP in flight at a time: the log lines carry no id, so order is what pairs them with their signals.
  let reloading: Promise<void> = Promise.resolve();
  const reloadOnce = (timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      if (exitedEarly) return reject(new NatsServerReloadError('cannot reload nats-server: it has exited'));
      const settle = (failure: string | undefined) => {
        clearTimeout(timer);
        if (failure === undefined) resolve();
        else reject(new NatsServerReloadError(`nats-server did not reload its configuration: ${failure}`));
      };
      const timer = setTimeout(() => {
        // Its line may still come: a no-op in its place takes it, so it settles no later reload.
        reloads[reloads.indexOf(settle)] = () => {};
        reject(new NatsServerReloadError(`nats-server did not say within ${timeoutMs} ms that it reloaded its configuration`));
      }, timeoutMs);
      reloads.push(settle);
      child.kill('SIGHUP');
    });
  const signal = async (sig: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(sig);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    url: `nats://${host}:${port}`,
    host,
    port,
    pid: child.pid ?? -1,
    storeDir: options.storeDir,
    exited,
    exitStatus: () => exitStatus,
    lastOutput: () => stderr,
    stop: (graceMs = 5_000) => signal('SIGTERM', graceMs),
    kill: () => signal('SIGKILL', 0),
    reload: (timeoutMs = 5_000) => {
      const previous = reloading;
      reloading = previous.catch(() => {}).then(() => reloadOnce(timeoutMs));
      return reloading;
    },
  };
}
