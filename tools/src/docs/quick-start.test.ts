/**
 * docs/quick-start.md, run as a reader would: the `terminal-1` block started
 * in the background (its own process group, as a terminal runs it) until it
 * prints "Press Ctrl-C to stop.", every line of the `terminal-2` block run in
 * a shell from the repository root and required to succeed, then Ctrl-C
 * (SIGINT to the group). The data directory is a temporary one
 * (LEASEHOLD_DATA_DIR) and the metrics port a free one, put in place of 9464.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { shellBlocks } from './doc-commands.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The commands of the ```sh <label> blocks. Pure. */
const shellBlock = (markdown: string, label: string): string[] => shellBlocks(markdown).filter((b) => b.label === label).flatMap((b) => b.commands);

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const sh = (command: string, env: NodeJS.ProcessEnv) =>
  new Promise<{ code: number; out: string }>((resolve) => {
    execFile('bash', ['-c', command], { cwd: root, env, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });

describe('docs/quick-start.md', () => {
  // npm start checks the whole install first, then starts: on a loaded CI machine that alone has taken over 30 s.
  test('every command it shows works: start in one terminal, the CLI and curl in another, then Ctrl-C stops everything', { timeout: 240_000 }, async () => {
    const doc = readFileSync(join(root, 'docs/quick-start.md'), 'utf8');
    const [startLine, ...rest] = shellBlock(doc, 'terminal-1');
    const commands = shellBlock(doc, 'terminal-2');
    expect(startLine).toBe('npm start');
    expect(rest).toEqual([]);
    expect(commands.length).toBeGreaterThanOrEqual(5);

    const dataDir = mkdtempSync(join(tmpdir(), 'lh-quickstart-'));
    const port = await freePort();
    const env = {
      ...process.env,
      PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
      NATS_URL: '',
      LEASEHOLD_DATA_DIR: dataDir,
      LEASEHOLD_METRICS_LISTEN: `127.0.0.1:${port}`,
      LEASEHOLD_LOG_FORMAT: 'json',
    };
    const start = spawn('bash', ['-c', startLine!], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    start.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    start.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    const closed = new Promise<void>((resolve) => start.once('close', () => resolve()));
    try {
      await expect.poll(() => out, { timeout: 120_000, interval: 100 }).toMatch(/Press Ctrl-C to stop\./);
      const outputs: string[] = [];
      for (const command of commands) {
        const run = await sh(command.replaceAll('127.0.0.1:9464', `127.0.0.1:${port}`), env);
        if (run.code !== 0) throw new Error(`quick start command failed (exit ${run.code}): ${command}\n${run.out}\n--- leasehold start:\n${out}`);
        outputs.push(run.out);
      }
      const all = outputs.join('\n');
      expect(all).toContain('"status":"ready"');
      expect(all).toMatch(/vm1/);
      expect(all).toMatch(/NetworkCreated/);
      expect(all).toMatch(/leasehold_api_requests_total\{operation="ports.create"\} [1-9]/);
      // The agent asked for its DHCP port on its own subject (its NATS user may not publish ports.create).
      // Asked once the scheduler's binding and the subnet reach it: polled, not read from the commands' run.
      await expect
        .poll(async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), { timeout: 15_000, interval: 200 })
        .toMatch(/leasehold_api_requests_total\{operation="agents.dhcp-port"\} [1-9]/);
    } finally {
      // Ctrl-C in a terminal: SIGINT to the foreground process group (npm and leasehold; the
      // nats-server has a session of its own and is stopped by leasehold once its clients drain).
      try {
        process.kill(-start.pid!, 'SIGINT');
      } catch {
        // Already gone (npm start failed): the error that failed the test is the one to see, with its output.
      }
      await closed;
      rmSync(dataDir, { recursive: true, force: true });
    }
    // leasehold shut down in order, and its embedded nats-server is gone.
    expect(out).toMatch(/SIGINT: shutting down\n(.|\n)*stopped/);
    const natsPid = Number(/pid (\d+)/.exec(out)?.[1]);
    expect(natsPid).toBeGreaterThan(0);
    await expect.poll(() => { try { process.kill(natsPid, 0); return true; } catch { return false; } }, { timeout: 5000 }).toBe(false);
  });
});
