import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '@leasehold/api';
import { connectNats, LOCK_FILE } from '@leasehold/journal';
import { startTestNats } from '@leasehold/journal/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { NATS_URL_FILE } from './start.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'tools/bin/leasehold.mjs');
const node = join(root, 'node_modules/.bin/node');

interface Launched {
  readonly child: ChildProcess;
  /** The exit code (null when a signal ended it), or 'timeout' after `ms`. */
  exit(ms: number): Promise<number | null | 'timeout'>;
  output(): string;
}

// Every process a test starts is SIGKILLed at the end whatever happened (its group
// when it leads one); the embedded nats-servers follow through their death signal.
const launched: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const child of launched) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lh-start-'));
  dirs.push(dir);
  return dir;
}

function launch(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; detached?: boolean } = {}): Launched {
  const child = spawn(command, args, {
    cwd: options.cwd ?? root,
    env: { ...process.env, NATS_URL: '', LEASEHOLD_DATA_DIR: '', LEASEHOLD_CONFIG: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  launched.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    exit: (ms) => Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(resolve, ms, 'timeout').unref())]),
    output: () => out,
  };
}

/** Resolves once the process prints that it runs; throws with its output if it exits or takes over 20 s. */
async function ready(run: Launched): Promise<Launched> {
  const deadline = Date.now() + 20_000;
  while (!/Press Ctrl-C to stop/.test(run.output())) {
    if (run.child.exitCode !== null || run.child.signalCode !== null || Date.now() > deadline) {
      throw new Error(`not running (exit ${run.child.exitCode ?? run.child.signalCode ?? 'none yet, 20 s passed'}):\n${run.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return run;
}

/** `leasehold <command> ...` with metrics off (no fixed port), resolved once it runs. */
function leasehold(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Launched> {
  return ready(launch(node, [bin, ...args, '--metrics-listen', '127.0.0.1:0'], { env }));
}

/** The embedded server's URL and pid, from the banner. Pure. */
function embeddedOf(output: string): { url: string; pid: number } {
  const match = /nats\s+(nats:\/\/127\.0\.0\.1:\d+)\s+\(embedded nats-server [\d.]+, pid (\d+)/.exec(output);
  if (!match) throw new Error(`no embedded nats-server in the banner:\n${output}`);
  return { url: match[1]!, pid: Number(match[2]) };
}

/** Whether `pid` is a live process (a zombie waiting for init to reap it is not). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Each top-level entry of a directory with its size and modification time. */
function listing(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((name) => {
    const stat = statSync(join(dir, name));
    return [name, `${stat.isDirectory() ? 'dir' : stat.size} ${stat.mtimeMs}`];
  }));
}

async function withApi<T>(url: string, use: (api: ApiClient) => Promise<T>): Promise<T> {
  const nc = await connectNats(url);
  try {
    return await use(new ApiClient(nc, { timeoutMs: 5000 }));
  } finally {
    await nc.close();
  }
}

describe('leasehold start', () => {
  test('with no NATS_URL it spawns nats-server under the data dir, prints where it listens, and leaves nothing behind on SIGTERM', async () => {
    const dataDir = tempDir();
    const run = await leasehold(['start', '--data-dir', dataDir]);
    const { url, pid } = embeddedOf(run.output());
    expect(run.output()).toContain(join(dataDir, 'nats'));
    // The embedded default runs every part: API, scheduler and an agent.
    expect(run.output()).toMatch(/api\s+\d+ operations on lh\.api\.v1\.\*/);
    expect(run.output()).toMatch(/scheduler\s+strategy weight/);
    expect(run.output()).toMatch(/agent\s+dhcp-/);
    expect(readFileSync(join(dataDir, NATS_URL_FILE), 'utf8')).toBe(`${url}\n`);
    const nc = await connectNats(url);
    expect(nc.info?.jetstream).toBe(true);
    await nc.close();
    run.child.kill('SIGTERM');
    expect(await run.exit(10_000)).toBe(0);
    expect(running(pid)).toBe(false);
    // The owner removes the file it wrote.
    expect(readdirSync(dataDir).sort()).toEqual([LOCK_FILE, 'nats']);
  });

  test('SIGINT stops it the same way: exit 0 within 10 s and its nats-server gone', async () => {
    const run = await leasehold(['start', '--data-dir', tempDir()]);
    const { pid } = embeddedOf(run.output());
    run.child.kill('SIGINT');
    expect(await run.exit(10_000)).toBe(0);
    expect(run.output()).toMatch(/SIGINT: shutting down\n(.|\n)*stopped/);
    expect(running(pid)).toBe(false);
  });

  /** The root package's start script, verbatim, run by npm in a scratch package whose
   * setup step is a no-op: the real one may reinstall node_modules, not a thing for a test. */
  async function npmStart() {
    const pkg = tempDir();
    const dataDir = join(pkg, 'data');
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
    expect(scripts.start).toMatch(/^node scripts\/setup\.mjs && exec leasehold start$/);
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'lh-npm-start', private: true, scripts: { start: scripts.start } }));
    mkdirSync(join(pkg, 'scripts'));
    writeFileSync(join(pkg, 'scripts/setup.mjs'), '');
    symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));

    // Its own process group, as a terminal or a supervisor runs it.
    const npm = await ready(launch('npm', ['start', '--', '--data-dir', dataDir, '--metrics-listen', '127.0.0.1:0'], { cwd: pkg, detached: true }));
    const { pid: natsPid } = embeddedOf(npm.output());
    const { pid: leaseholdPid } = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as { pid: number };
    expect(leaseholdPid).not.toBe(npm.child.pid);
    return { npm, natsPid, leaseholdPid };
  }

  test('`npm start` is one process tree: SIGTERM to the process npm runs as stops leasehold and its nats-server, and npm exits 0', async () => {
    const { npm, natsPid, leaseholdPid } = await npmStart();
    npm.child.kill('SIGTERM');
    expect(await npm.exit(10_000)).toBe(0);
    expect(npm.output()).toMatch(/SIGTERM: shutting down\n(.|\n)*stopped/);
    expect(running(leaseholdPid)).toBe(false);
    expect(running(natsPid)).toBe(false);
  });

  test('Ctrl-C on `npm start` reaches leasehold twice (from the terminal and forwarded by npm) and still stops everything cleanly', async () => {
    const { npm, natsPid, leaseholdPid } = await npmStart();
    process.kill(-npm.child.pid!, 'SIGINT');
    expect(await npm.exit(10_000)).toBe(0);
    expect(npm.output()).toMatch(/SIGINT: shutting down\n(.|\n)*stopped/);
    expect(running(leaseholdPid)).toBe(false);
    expect(running(natsPid)).toBe(false);
  });

  test('with NATS_URL set it uses that server, spawns none, and leaves the data directory alone', async () => {
    await using nats = await startTestNats();
    const dataDir = tempDir();
    const run = await leasehold(['start', '--data-dir', dataDir], { NATS_URL: nats.url });
    expect(run.output()).toContain(`${nats.url}  (nats-server`);
    expect(run.output()).toContain('from NATS_URL');
    expect(run.output()).not.toContain('embedded');
    // No lock and no nats.url: that file belongs to a process that owns an embedded server.
    expect(readdirSync(dataDir)).toEqual([]);
    run.child.kill('SIGINT');
    expect(await run.exit(10_000)).toBe(0);
    expect(readdirSync(dataDir)).toEqual([]);
  });
});

describe('one system per data directory', () => {
  let dataDir: string;
  let first: Launched;
  let embedded: { url: string; pid: number };
  beforeAll(async () => {
    dataDir = tempDir();
    first = await leasehold(['start', '--data-dir', dataDir]);
    embedded = embeddedOf(first.output());
    await withApi(embedded.url, (api) => api.networks.create({ name: 'kept' }));
  });

  test('a second start on a directory in use is refused within 2 s, names the running pid and NATS URL, and changes nothing; the first still answers', async () => {
    const before = listing(dataDir);
    const urlFile = readFileSync(join(dataDir, NATS_URL_FILE), 'utf8');
    const started = Date.now();
    const second = launch(node, [bin, 'start', '--data-dir', dataDir, '--metrics-listen', '127.0.0.1:0']);
    const code = await second.exit(5000);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(code).not.toBe(0);
    expect(code).not.toBe('timeout');
    expect(second.output()).toContain(`is in use by pid ${first.child.pid} (NATS ${embedded.url}, nats-server pid ${embedded.pid})`);
    expect(second.output()).not.toContain('Press Ctrl-C');

    expect(listing(dataDir)).toEqual(before);
    expect(readFileSync(join(dataDir, NATS_URL_FILE), 'utf8')).toBe(urlFile);
    const names = await withApi(embedded.url, async (api) => (await api.networks.list()).map((n) => n.name));
    expect(names).toEqual(['kept']);
  });

  test('a process given --nats-url runs beside the owner and neither writes nor removes nats.url', async () => {
    const urlFile = join(dataDir, NATS_URL_FILE);
    const before = { text: readFileSync(urlFile, 'utf8'), mtime: statSync(urlFile).mtimeMs };
    const api = await leasehold(['api', '--data-dir', dataDir, '--nats-url', embedded.url]);
    api.child.kill('SIGTERM');
    expect(await api.exit(10_000)).toBe(0);
    expect({ text: readFileSync(urlFile, 'utf8'), mtime: statSync(urlFile).mtimeMs }).toEqual(before);
  });

  test('SIGKILL of the owner takes its nats-server with it, and the next start on the directory recovers the store', async () => {
    first.child.kill('SIGKILL');
    expect(await first.exit(5000)).toBe(null);
    await expect.poll(() => running(embedded.pid), { timeout: 5000, interval: 50 }).toBe(false);

    const next = await leasehold(['start', '--data-dir', dataDir]);
    const { url } = embeddedOf(next.output());
    expect(readFileSync(join(dataDir, NATS_URL_FILE), 'utf8')).toBe(`${url}\n`);
    const names = await withApi(url, async (api) => (await api.networks.list()).map((n) => n.name));
    expect(names).toEqual(['kept']);
    next.child.kill('SIGTERM');
    expect(await next.exit(10_000)).toBe(0);
  });
});
