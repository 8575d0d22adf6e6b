/**
 * Docs that run (issue 21 point 7): every command of every ```sh block in
 * README.md and docs/*.md is run here, as a reader would type it, against a
 * spawned `leasehold start` in a temporary directory whose data directory
 * is `./.leasehold` (the docs' default), with what the docs assume already
 * there: networks `blue` and `demo`, a port `node-1-port`, a lease of
 * 52:54:00:12:34:56 at 198.18.0.150 on demo, an /etc/dnsmasq.conf. Each
 * block runs as one bash script (`set -e`: every command must succeed;
 * exports carry to the next line), with the few placeholders the docs use
 * put in place. A command that cannot run on a test machine is listed in
 * NOT_RUN_HERE with the test that covers it instead; any other command
 * that appears in the docs is run, so a stale one fails CI.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '@leasehold/api/client';
import { connectNats, Journal, localConnectOptions } from '@leasehold/journal';
import { leaseSubject, leaseTimes, toEnvelope } from '@leasehold/lease-actor';
import { parseIpv4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { shellBlocks } from './doc-commands.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'tools/bin/leasehold.mjs');

/** Commands the docs show that a test machine cannot run, each with why and what tests it instead. */
const NOT_RUN_HERE: readonly { readonly command: RegExp; readonly why: string }[] = [
  { command: /^npm start\b/, why: 'docs/quick-start.md is run by quick-start.test.ts, npm start included' },
  { command: /^npm test\b/, why: 'npm test is what CI runs' },
  { command: /^sudo /, why: 'installs into /usr/local and /etc/systemd as root; workspace/install-service.test.ts installs into a temporary prefix and verifies every unit' },
  { command: /^journalctl /, why: 'reads the systemd journal of an installed unit' },
  { command: /^nats /, why: 'the nats CLI is no Debian 12 package; the same requests are api/src/service.test.ts’s' },
  { command: /^export NATS_URL=.*NATS_NKEY=/, why: 'sets up the nats CLI lines above (README, "Using the API by hand")' },
  { command: /^leasehold (api|scheduler|dhcp-agent) +--nats-url nats:\/\/nats-1:/, why: 'a deployment across hosts (nats-1); harness/src/integration runs the three processes apart' },
];

/** Commands that run until stopped: given this long, then Ctrl-C (SIGINT); they must not fail before it. */
const LONG_RUNNING = [/^leasehold events tail\b/, /leasehold api\b/];
/**
 * Long-running commands that only read: their 8 s run in the background while
 * the next commands and blocks go on, and the test waits for their end and
 * checks how each ended last. (`leasehold api` stays in the foreground: a
 * second API would answer the next blocks' requests, from its own read model.)
 */
const IN_BACKGROUND = [/^leasehold events tail\b/];

/** Blocks run by their own test. */
const OWN_TEST_LABELS = new Set(['terminal-1', 'terminal-2']);

/** The documentation files, README last: its `network create net1` would make openstack.md's `--network net1` ambiguous. */
const DOC_FILES = [...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`), 'README.md'];

const DNSMASQ_CONF = `domain=office.example
interface=eth1
dhcp-range=198.18.70.100,198.18.70.200,255.255.255.0,12h
dhcp-option=option:router,198.18.70.1
dhcp-host=52:54:00:70:00:01,198.18.70.10,printer
`;

/** Polls `check` until it returns true, or throws naming `what` (expect.poll is for tests, not hooks). */
async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n${systemOut}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

let cwd: string;
let httpPort: number;
let natsUrl: string;
let demoId: string;
let agentId: string;
let system: ReturnType<typeof spawn>;
let systemOut = '';
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'lh-docs-'));
  httpPort = await freePort();
  // `leasehold` on PATH, as `sudo npm run install-service` puts it.
  const binDir = join(cwd, 'bin');
  mkdirSync(binDir);
  writeFileSync(join(binDir, 'leasehold'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`);
  chmodSync(join(binDir, 'leasehold'), 0o755);
  writeFileSync(join(cwd, 'dnsmasq.conf'), DNSMASQ_CONF);
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_') && !k.startsWith('NATS_') && !k.startsWith('LEASEHOLD_')));
  env = { ...clean, PATH: `${binDir}:${process.env.PATH ?? ''}`, LEASEHOLD_LOG_FORMAT: 'json' };

  system = spawn(process.execPath, [bin, 'start', '--http', `127.0.0.1:${httpPort}`, '--metrics-listen', '127.0.0.1:0'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  system.stdout!.setEncoding('utf8').on('data', (s: string) => (systemOut += s));
  system.stderr!.setEncoding('utf8').on('data', (s: string) => (systemOut += s));
  await until('leasehold start', 60_000, async () => /Press Ctrl-C to stop/.test(systemOut));
  natsUrl = readFileSync(join(cwd, '.leasehold/nats.url'), 'utf8').trim();

  // What the docs take for granted.
  const dataDir = join(cwd, '.leasehold');
  const nc = await connectNats(natsUrl, localConnectOptions(dataDir, 'admin'));
  try {
    const client = new ApiClient(nc);
    const blue = await client.networks.create({ name: 'blue' });
    await client.subnets.create({ network_id: blue.id, cidr: '198.18.60.0/24' });
    await client.ports.create({ network_id: blue.id, name: 'node-1-port' });
    const demo = await client.networks.create({ name: 'demo' });
    demoId = demo.id;
    await client.subnets.create({ network_id: demo.id, cidr: '198.18.0.0/24', allocation_pools: [{ start: '198.18.0.10', end: '198.18.0.99' }], dynamic_pools: [{ start: '198.18.0.100', end: '198.18.0.199' }] });
    const ip = parseIpv4('198.18.0.150');
    const now = Date.now();
    const journal = await Journal.open(nc);
    await journal.append(leaseSubject(demo.id, ip), [toEnvelope(demo.id, { type: 'LeaseBound', ip, mac: '52:54:00:12:34:56', hostname: 'vm-docs', at: now, ...leaseTimes(now, 3_600_000) }, { id: crypto.randomUUID() })], 0);
    await until('the agent', 30_000, async () => (await client.agents.list()).length === 1);
    agentId = (await client.agents.list())[0]!.id;
    // The scheduler binds demo to the agent (why binding demo explains that binding).
    await until('demo bound', 30_000, async () => (await client.bindings.agentsOnNetwork(demo.id)).length === 1);
    await until('the lease', 30_000, async () => (await client.leases.list({ network_id: demo.id })).length === 1);
  } finally {
    await nc.close();
  }
}, 120_000);

afterAll(async () => {
  if (system && system.exitCode === null) {
    const exited = new Promise((resolve) => system.once('exit', resolve));
    system.kill('SIGINT');
    await exited;
  }
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

/** A command as this machine runs it: the docs' placeholders and fixed addresses put in place. Pure but for the fixture's ids. */
function localized(command: string): string {
  return command
    .replaceAll('127.0.0.1:9696', `127.0.0.1:${httpPort}`)
    .replaceAll('<network-id>', demoId)
    .replaceAll('<agent-id>', agentId)
    .replaceAll('/etc/dnsmasq.conf', 'dnsmasq.conf')
    .replace(/nats:\/\/host:\d+/g, natsUrl)
    .replaceAll('./client.nk', '.leasehold/credentials/client.nk')
    .replaceAll('./admin.nk', '.leasehold/credentials/admin.nk');
}

/** A command run in the background: its output, and the file its exit status goes to when it ends. */
interface BackgroundRun {
  readonly where: string;
  readonly command: string;
  readonly out: string;
  readonly status: string;
}
const background: BackgroundRun[] = [];
/** Exit statuses of a long-running command stopped by `timeout -s INT` (124), or ended on its own or by SIGINT. */
const STOPPED_OK = [0, 124, 130];

/**
 * The block's commands as one bash script: `set -e`, long-running ones given 8 s and then SIGINT (exit 124 from
 * timeout is theirs); those IN_BACKGROUND are started with their output and status going to files (`where` names them).
 */
function script(commands: readonly string[], where: string): string {
  const lines = commands.map((c) => {
    if (!LONG_RUNNING.some((r) => r.test(c))) return c;
    const timed = `timeout -s INT 8 env ${c}`;
    if (!IN_BACKGROUND.some((r) => r.test(c))) return `{ status=0; ${timed} || status=$?; [ $status -eq 124 ] || [ $status -eq 0 ] || [ $status -eq 130 ] || exit $status; }`;
    const n = background.length;
    const run = { where, command: c, out: join(cwd, `background-${n}.out`), status: join(cwd, `background-${n}.status`) };
    background.push(run);
    return `{ status=0; ${timed} >'${run.out}' 2>&1 || status=$?; echo $status >'${run.status}'; } </dev/null >/dev/null 2>&1 &`;
  });
  return ['set -eo pipefail', ...lines].join('\n');
}

const bash = (text: string) =>
  new Promise<{ code: number; out: string }>((resolve) => {
    execFile('bash', ['-c', text], { cwd, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });

describe('the commands the docs show', () => {
  test('every ```sh command in README.md and docs/ runs against a spawned system, or is named as run elsewhere', { timeout: 600_000 }, async () => {
    let ran = 0;
    const skipped = new Set<string>();
    for (const file of DOC_FILES) {
      for (const block of shellBlocks(readFileSync(join(root, file), 'utf8'))) {
        if (OWN_TEST_LABELS.has(block.label)) continue;
        const commands = block.commands.filter((c) => {
          const elsewhere = NOT_RUN_HERE.find((n) => n.command.test(c));
          if (elsewhere) skipped.add(c);
          return !elsewhere;
        });
        if (commands.length === 0) continue;
        const run = await bash(script(commands.map(localized), `${file}:${block.line}`));
        if (run.code !== 0) throw new Error(`${file}:${block.line}: a command of this block failed (exit ${run.code}):\n${commands.join('\n')}\n--- output:\n${run.out}`);
        ran += commands.length;
      }
    }
    // The commands run in the background ended as the foreground ones must.
    for (const b of background) {
      await until(`${b.where}: ${b.command} ending`, 60_000, async () => existsSync(b.status) && readFileSync(b.status, 'utf8').trim() !== '');
      const status = Number(readFileSync(b.status, 'utf8').trim());
      if (!STOPPED_OK.includes(status)) throw new Error(`${b.where}: a command of this block failed (exit ${status}):\n${b.command}\n--- output:\n${readFileSync(b.out, 'utf8')}`);
    }
    expect(ran).toBeGreaterThanOrEqual(25);
    // Each NOT_RUN_HERE entry still names a command the docs show (a stale exemption goes).
    for (const n of NOT_RUN_HERE) expect([...skipped].some((c) => n.command.test(c)), `${n.command} matches no command in the docs`).toBe(true);
    // The system served every command and is still up.
    expect(system.exitCode).toBe(null);
  });
});
