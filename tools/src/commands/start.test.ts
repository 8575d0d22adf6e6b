import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '@leasehold/api/client';
import { CREDENTIALS_DIR, connectNats, LOCK_FILE, localConnectOptions, prepareLocalAccess, SERVER_CONFIG_FILE } from '@leasehold/journal';
import { processRunning as running, startTestNats } from '@leasehold/journal/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jsonOf, runCli } from './resources/testing/run-cli.js';
import { NATS_URL_FILE } from '@leasehold/server';

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


/**
 * Each top-level entry of a directory with its size and modification time, but the console's rate
 * samples, which the running system rewrites every 10 s.
 */
function listing(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).filter((name) => name !== 'console-rates.json').sort().map((name) => {
    const stat = statSync(join(dir, name));
    return [name, `${stat.isDirectory() ? 'dir' : stat.size} ${stat.mtimeMs}`];
  }));
}

/** An API client logged in with the client credential of the system on `dataDir`. */
async function withApi<T>(url: string, dataDir: string, use: (api: ApiClient) => Promise<T>): Promise<T> {
  const nc = await connectNats(url, localConnectOptions(dataDir, 'client'));
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
    const nc = await connectNats(url, localConnectOptions(dataDir, 'admin'));
    expect(nc.info?.jetstream).toBe(true);
    await nc.close();
    run.child.kill('SIGTERM');
    expect(await run.exit(10_000)).toBe(0);
    expect(running(pid)).toBe(false);
    // The owner removes the file it wrote; the credentials, the server's config and (when the HTTP API started:
    // its default port may be taken here) the console's rate samples stay for the next start.
    const rates = existsSync(join(dataDir, 'console-rates.json')) ? ['console-rates.json'] : [];
    expect(readdirSync(dataDir).sort()).toEqual([LOCK_FILE, CREDENTIALS_DIR, 'nats', SERVER_CONFIG_FILE, ...rates].sort());
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
    await withApi(embedded.url, dataDir, (api) => api.networks.create({ name: 'kept' }));
  });

  test('a second start on a directory in use is refused before it starts anything, names the running pid and NATS URL, and changes nothing; the first still answers', async () => {
    const before = listing(dataDir);
    const urlFile = readFileSync(join(dataDir, NATS_URL_FILE), 'utf8');
    // It exits on its own: the lock is taken before any server, replay or listener starts (how fast is
    // the machine's business: a CI run at load 20 took 3 s just to load node and the CLI).
    const second = launch(node, [bin, 'start', '--data-dir', dataDir, '--metrics-listen', '127.0.0.1:0']);
    const code = await second.exit(30_000);
    expect(code).not.toBe(0);
    expect(code).not.toBe('timeout');
    expect(second.output()).toContain(`is in use by pid ${first.child.pid} (NATS ${embedded.url}, nats-server pid ${embedded.pid})`);
    expect(second.output()).not.toContain('Press Ctrl-C');

    expect(listing(dataDir)).toEqual(before);
    expect(readFileSync(join(dataDir, NATS_URL_FILE), 'utf8')).toBe(urlFile);
    const names = await withApi(embedded.url, dataDir, async (api) => (await api.networks.list()).map((n) => n.name));
    expect(names).toEqual(['kept']);
  }, 60_000);

  test('a process given --nats-url runs beside the owner (with a credential from the environment) and neither writes nor removes nats.url', async () => {
    const urlFile = join(dataDir, NATS_URL_FILE);
    const before = { text: readFileSync(urlFile, 'utf8'), mtime: statSync(urlFile).mtimeMs };
    const api = await leasehold(['api', '--data-dir', dataDir, '--nats-url', embedded.url], { NATS_NKEY: join(dataDir, CREDENTIALS_DIR, 'api.nk') });
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
    const names = await withApi(url, dataDir, async (api) => (await api.networks.list()).map((n) => n.name));
    expect(names).toEqual(['kept']);
    next.child.kill('SIGTERM');
    expect(await next.exit(10_000)).toBe(0);
  });
});

/** Runs `command args` as the unprivileged user nobody (uid 65534), as any other local user would. */
function asNobody(command: string, args: readonly string[]): { code: number | null; out: string } {
  const result = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', command, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' },
    timeout: 30_000,
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

// Each test runs the CLI several times, a node start each: seconds apiece on a loaded machine.
describe('no anonymous access to the embedded nats-server (issue 15, point 1)', { timeout: 120_000 }, () => {
  let dataDir: string;
  let run: Launched;
  let url: string;
  beforeAll(async () => {
    dataDir = tempDir();
    // Searchable by everyone, as a data directory elsewhere may be: what keeps others out is the credentials' own modes.
    chmodSync(dataDir, 0o755);
    run = await leasehold(['start', '--data-dir', dataDir]);
    url = embeddedOf(run.output()).url;
  });

  test('a connection without credentials is refused, and so is one with a seed the server does not list', async () => {
    await expect(connectNats(url, { env: {}, maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization Violation/i);
    // Another system's admin seed.
    const stranger = tempDir();
    prepareLocalAccess(stranger);
    await expect(connectNats(url, { ...localConnectOptions(stranger, 'admin'), maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization Violation/i);
    expect(run.output()).toMatch(new RegExp(`access\\s+no anonymous clients; one nkey per role \\(admin, agent-\\S+, api, api-journal, client, scheduler\\) in ${join(dataDir, CREDENTIALS_DIR)}`));
  });

  test('the CLI finds the system and its credentials through the data directory: the client role for the API, admin for the journal', async () => {
    const created = await runCli(['net', 'create', 'locked-net', '--json'], { LEASEHOLD_DATA_DIR: dataDir });
    expect(created.stderr).toBe('');
    expect(jsonOf<{ network: { name: string } }>(created).network.name).toBe('locked-net');
    const viaFlag = await runCli(['net', 'list', '--data-dir', dataDir]);
    expect(viaFlag.code, viaFlag.stderr).toBe(0);
    expect(viaFlag.stdout).toContain('locked-net');
    const events = await runCli(['events', 'dump', '--data-dir', dataDir]);
    expect(events.code, events.stderr).toBe(0);
    expect(events.stdout).toMatch(/NetworkCreated network=\{id=[\w-]+, name=locked-net/);
  });

  test('the agent, as its own NATS user (which may not publish ports.create), gets its DHCP port on the network the scheduler binds to it (issue 15, point 2)', async () => {
    await withApi(url, dataDir, async (api) => {
      const network = await api.networks.create({ name: 'served-locked' });
      await api.subnets.create({ network_id: network.id, cidr: '198.18.62.0/24' });
      const dhcpPorts = async () => (await api.ports.list({ network_id: network.id, device_owner: 'network:dhcp' })).map((p) => p.device_id);
      await expect.poll(dhcpPorts, { timeout: 15_000, interval: 200 }).toStrictEqual([expect.stringMatching(/^dhcp-/)]);
    });
    expect(run.output()).not.toMatch(/cannot get the DHCP port/);
  });

  test('remote use: --nats-url with --nats-credentials or NATS_NKEY works, without either it is refused with a hint', async () => {
    const seed = join(dataDir, CREDENTIALS_DIR, 'client.nk');
    const flag = await runCli(['net', 'list', '--nats-url', url, '--nats-credentials', seed]);
    expect(flag.code, flag.stderr).toBe(0);
    expect(flag.stdout).toContain('locked-net');
    const env = await runCli(['net', 'list', '--nats-url', url], { NATS_NKEY: seed });
    expect(env.code, env.stderr).toBe(0);
    const none = await runCli(['net', 'list', '--nats-url', url]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^error UNAUTHORIZED \(--nats-credentials\): NATS at nats:\/\/127\.0\.0\.1:\d+ refused the login without credentials: pass --nats-credentials FILE or set NATS_NKEY/);
    // The client role reaches the API only: the journal tools need admin.
    const tooWeak = await runCli(['events', 'dump', '--nats-url', url, '--nats-credentials', seed]);
    expect(tooWeak.code).toBe(1);
    expect(tooWeak.stderr).toMatch(/Permissions Violation|permission/i);
    // A process of the system given --nats-url and no credential is refused too.
    const api = launch(node, [bin, 'api', '--nats-url', url, '--metrics-listen', '127.0.0.1:0']);
    expect(await api.exit(20_000)).toBe(1);
    expect(api.output()).toMatch(/Authorization Violation/i);
  });

  test('the credentials are the owner\'s alone: directory 0700, files 0600, and the local user nobody can neither read them nor use the CLI', async () => {
    const dir = join(dataDir, CREDENTIALS_DIR);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir).sort()).toStrictEqual(expect.arrayContaining(['admin.nk', 'api.nk', 'client.nk', 'scheduler.nk']));
    for (const name of readdirSync(dir)) expect(statSync(join(dir, name)).mode & 0o777, name).toBe(0o600);
    expect(statSync(join(dataDir, SERVER_CONFIG_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'nats')).mode & 0o777).toBe(0o700);

    // The data directory itself is open to nobody (0755 above): the URL file is readable, the credentials are not.
    expect(asNobody('cat', [join(dataDir, NATS_URL_FILE)])).toMatchObject({ code: 0, out: `${url}\n` });
    for (const name of ['admin.nk', 'client.nk']) {
      const read = asNobody('cat', [join(dir, name)]);
      expect(read.code, read.out).not.toBe(0);
      expect(read.out).toMatch(/Permission denied/);
    }
    expect(asNobody('ls', [dir]).out).toMatch(/Permission denied/);
    expect(asNobody('cat', [join(dataDir, SERVER_CONFIG_FILE)]).out).toMatch(/Permission denied/);
    // nobody finds the URL but no credential, and the server turns it away.
    const cli = asNobody(node, [bin, 'net', 'list', '--data-dir', dataDir]);
    expect(cli.code).toBe(1);
    expect(cli.out).toMatch(/error UNAUTHORIZED .* refused the login without credentials/);
  });

  test('a restart reuses the same credentials: the seeds are unchanged and the CLI still gets in', async () => {
    const dir = join(dataDir, CREDENTIALS_DIR);
    const seeds = Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
    run.child.kill('SIGTERM');
    expect(await run.exit(10_000)).toBe(0);
    run = await leasehold(['start', '--data-dir', dataDir]);
    url = embeddedOf(run.output()).url;
    expect(Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'utf8')]))).toStrictEqual(seeds);
    const listed = await runCli(['net', 'list', '--data-dir', dataDir]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('locked-net');
    await expect(connectNats(url, { env: {}, maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization Violation/i);
    run.child.kill('SIGTERM');
    expect(await run.exit(10_000)).toBe(0);
  });

  test('rotation as docs/security.md says: the credentials directory deleted while stopped, the next start makes new seeds and refuses the old ones', async () => {
    const dir = join(dataDir, CREDENTIALS_DIR);
    const old = join(tempDir(), 'old-admin.nk');
    writeFileSync(old, readFileSync(join(dir, 'admin.nk')), { mode: 0o600 });
    rmSync(dir, { recursive: true });
    run = await leasehold(['start', '--data-dir', dataDir]);
    url = embeddedOf(run.output()).url;
    expect(readFileSync(join(dir, 'admin.nk'), 'utf8')).not.toBe(readFileSync(old, 'utf8'));
    await expect(connectNats(url, { nkeySeedFile: old, env: {}, maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization Violation/i);
    const listed = await runCli(['net', 'list', '--data-dir', dataDir]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('locked-net');
    run.child.kill('SIGTERM');
    expect(await run.exit(10_000)).toBe(0);
  });

  test('an agent id that cannot name a NATS user stops the start before anything is spawned, saying which flag to set', async () => {
    const other = tempDir();
    const refused = launch(node, [bin, 'start', '--data-dir', other, '--agent-id', 'dhcp-host.example.org', '--metrics-listen', '127.0.0.1:0']);
    expect(await refused.exit(20_000)).toBe(1);
    expect(refused.output()).toContain('agent id "dhcp-host.example.org" cannot name a NATS user of the embedded server (letters, digits, _ - : only): set --agent-id (agent.agent_id)');
    expect(readdirSync(other)).toStrictEqual([]);
  });
});

/** A free loopback TCP port (for a metrics endpoint this test can reach). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function readyz(port: number): Promise<{ status: number; reasons: string[] }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
  const body = (await res.json()) as { reasons: string[] };
  return { status: res.status, reasons: body.reasons };
}

/** The embedded server's pid as the data directory's lock records it (the restarted one's after a restart). */
function recordedNatsPid(dataDir: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as { natsPid?: number }).natsPid;
  } catch {
    return undefined;
  }
}

describe('losing the embedded nats-server (issue 15, point 5)', () => {
  test('killed once: /readyz turns unready at once naming it, the log says so, it is restarted on the same URL and the system serves again with its data', { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    const metrics = await freePort();
    const run = await ready(launch(node, [bin, 'start', '--data-dir', dataDir, '--metrics-listen', `127.0.0.1:${metrics}`, '--log-format', 'json']));
    const { url, pid } = embeddedOf(run.output());
    await withApi(url, dataDir, (api) => api.networks.create({ name: 'survives' }));
    await expect.poll(async () => (await readyz(metrics)).status, { timeout: 10_000 }).toBe(200);

    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    // Unready at once: within half a second of the kill, before the restart's backoff has passed.
    await expect.poll(async () => (await readyz(metrics)).reasons.join('\n'), { timeout: 500, interval: 20 }).toContain(`the embedded nats-server (pid ${pid}) was killed by SIGKILL`);
    expect(Date.now() - killedAt).toBeLessThan(1000);
    expect((await readyz(metrics).catch(() => ({ status: 0, reasons: [] }))).status).not.toBe(200);

    // Restarted: a new pid on the same URL, ready again, and what was written is still there.
    await expect.poll(() => recordedNatsPid(dataDir), { timeout: 10_000, interval: 50 }).not.toBe(pid);
    await expect.poll(async () => (await readyz(metrics)).status, { timeout: 15_000, interval: 100 }).toBe(200);
    expect(readFileSync(join(dataDir, NATS_URL_FILE), 'utf8')).toBe(`${url}\n`);
    const listed = await runCli(['net', 'list', '--data-dir', dataDir]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('survives');
    await withApi(url, dataDir, (api) => api.networks.create({ name: 'after-restart' }));
    const out = run.output();
    expect(out).toMatch(new RegExp(`"level":50,.*"component":"nats","msg":"journal unavailable: the embedded nats-server \\(pid ${pid}\\) was killed by SIGKILL; restarting it in 250 ms`));
    expect(out).toMatch(/"level":40,.*"msg":"the embedded nats-server is back \(pid \d+\) on nats:\/\/127\.0\.0\.1:\d+ after restart 1/);
    expect(run.child.exitCode).toBeNull();
    run.child.kill('SIGTERM');
    expect(await run.exit(15_000)).toBe(0);
    expect(running(recordedNatsPid(dataDir) ?? -1)).toBe(false);
  });

  test('killed more often than the restart budget allows: it exits 1 within a bounded time, says why, and leaves no nats-server and no nats.url behind', { timeout: 90_000 }, async () => {
    const dataDir = tempDir();
    const run = await leasehold(['start', '--data-dir', dataDir]);
    const pids: number[] = [];
    // Five restarts are allowed within five minutes; the sixth exit is final.
    for (let kill = 1; kill <= 6; kill++) {
      const pid = recordedNatsPid(dataDir)!;
      pids.push(pid);
      process.kill(pid, 'SIGKILL');
      if (kill === 6) break;
      await expect.poll(() => recordedNatsPid(dataDir), { timeout: 15_000, interval: 50 }).not.toBe(pid);
    }
    const lastKill = Date.now();
    expect(await run.exit(20_000)).toBe(1);
    expect(Date.now() - lastKill).toBeLessThan(20_000);
    const out = run.output();
    expect(out).toContain(`the embedded nats-server (pid ${pids[5]}) was killed by SIGKILL; it exited 6 times within 300 s, so no more restarts: the journal is gone`);
    expect(out).toMatch(/journal lost: shutting down\n(.|\n)*stopped/);
    for (const pid of pids) expect(running(pid), `nats-server ${pid}`).toBe(false);
    expect(readdirSync(dataDir)).not.toContain(NATS_URL_FILE);
  });
});
