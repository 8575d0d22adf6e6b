import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectNats } from '@leasehold/journal';
import { startTestNats } from '@leasehold/journal/testing';
import { describe, expect, test } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/leasehold.mjs', import.meta.url));

/** Runs `leasehold start` until it prints that it is running; returns its output so far and the process. */
async function runStart(env: NodeJS.ProcessEnv, dataDir: string) {
  const child = spawn(process.execPath, [bin, 'start', '--data-dir', dataDir], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await expect.poll(() => out, { timeout: 20_000, interval: 100 }).toMatch(/Press Ctrl-C to stop/);
  return { child, exited, output: () => out };
}

describe('leasehold start', () => {
  test('with no NATS_URL it spawns nats-server under the data dir, prints where it listens, and leaves nothing behind on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lh-start-'));
    try {
      const { child, exited, output } = await runStart({ NATS_URL: '' }, dataDir);
      const url = /nats\s+(nats:\/\/127\.0\.0\.1:\d+)/.exec(output())?.[1];
      const pid = Number(/pid (\d+)/.exec(output())?.[1]);
      expect(url).toBeDefined();
      expect(output()).toContain(join(dataDir, 'nats'));
      // The embedded default runs every part: API, scheduler and an agent.
      expect(output()).toMatch(/api\s+\d+ operations on lh\.api\.v1\.\*/);
      expect(output()).toMatch(/scheduler\s+strategy weight/);
      expect(output()).toMatch(/agent\s+dhcp-/);
      const nc = await connectNats(url!);
      expect(nc.info?.jetstream).toBe(true);
      await nc.close();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(() => process.kill(pid, 0)).toThrow();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('with NATS_URL set it uses that server and spawns none', async () => {
    await using nats = await startTestNats();
    const dataDir = mkdtempSync(join(tmpdir(), 'lh-start-'));
    try {
      const { child, exited, output } = await runStart({ NATS_URL: nats.url }, dataDir);
      expect(output()).toContain(`${nats.url}  (nats-server`);
      expect(output()).toContain('from NATS_URL');
      expect(output()).not.toContain('embedded');
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
