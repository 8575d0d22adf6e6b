import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { connectNats } from './connect.js';
import { lockDataDir } from './data-dir-lock.js';
import { DataDirInUseError, NatsServerMissingError, NatsServerReloadError } from './errors.js';
import { findNatsServer, startNatsServer } from './nats-server.js';
import { processRunning as running } from './testing/process.js';

describe('spawning nats-server', () => {
  test('a missing binary is an error that says how to install it', () => {
    expect(() => findNatsServer('nats-server-that-does-not-exist')).toThrow(NatsServerMissingError);
    expect(() => findNatsServer('nats-server-that-does-not-exist')).toThrow(/apt-get install -y nats-server/);
  });

  test('the server starts on a free loopback port (never 4222), serves JetStream, and stops with no process left', async () => {
    const storeDir = mkdtempSync(join(tmpdir(), 'lh-nats-spawn-'));
    try {
      const server = await startNatsServer({ storeDir });
      expect(server.port).not.toBe(4222);
      expect(server.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
      const nc = await connectNats(server.url);
      expect(nc.info?.jetstream).toBe(true);
      await nc.close();
      await server.stop();
      expect(() => process.kill(server.pid, 0)).toThrow();
    } finally {
      rmSync(storeDir, { recursive: true, force: true });
    }
  });

  test('two servers started at once get different ports', async () => {
    const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'lh-nats-spawn-')));
    try {
      const servers = await Promise.all(dirs.map((storeDir) => startNatsServer({ storeDir })));
      expect(servers[0]!.port).not.toBe(servers[1]!.port);
      await Promise.all(servers.map((s) => s.stop()));
    } finally {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a server started with the data directory lock records its URL and pid there and holds the directory until it has exited', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-nats-spawn-'));
    try {
      const lock = lockDataDir(dir);
      const server = await startNatsServer({ storeDir: join(dir, 'nats'), lock });
      expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid, natsUrl: server.url, natsPid: server.pid });
      lock.release();
      // Our descriptor is closed, the server's copy still holds the lock.
      expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
      await server.stop();
      lockDataDir(dir).release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a server never outlives the process that spawned it, even one killed by SIGKILL', async () => {
    const storeDir = mkdtempSync(join(tmpdir(), 'lh-nats-spawn-'));
    const module = fileURLToPath(new URL('./nats-server.ts', import.meta.url));
    const script = `const { startNatsServer } = await import(${JSON.stringify(module)}); const s = await startNatsServer({ storeDir: process.argv[1] }); console.log(s.pid); setInterval(() => {}, 60_000);`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, storeDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      parent.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
      await expect.poll(() => out, { timeout: 15_000, interval: 50 }).toMatch(/^\d+\n/);
      const serverPid = Number(out.trim());
      expect(running(serverPid)).toBe(true);
      parent.kill('SIGKILL');
      await expect.poll(() => running(serverPid), { timeout: 5000, interval: 50 }).toBe(false);
    } finally {
      parent.kill('SIGKILL');
      rmSync(storeDir, { recursive: true, force: true });
    }
  });

  test('reload resolves once the server says it read its config file again, and rejects with its reason when it refuses the file (still running on the old one)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-nats-spawn-'));
    try {
      const storeDir = join(dir, 'store');
      const configFile = join(dir, 'nats-server.conf');
      const config = (extra: string) => writeFileSync(configFile, `jetstream { store_dir: ${JSON.stringify(storeDir)} }\n${extra}\n`);
      config('');
      const server = await startNatsServer({ storeDir, configFile });
      config('max_payload: 65536');
      await server.reload();
      // Three reloads at once are each paired with their own outcome.
      await Promise.all([server.reload(), server.reload(), server.reload()]);
      // JetStream's store directory cannot change on a reload (nats-server 2.9).
      writeFileSync(configFile, `jetstream { store_dir: ${JSON.stringify(join(dir, 'elsewhere'))} }\n`);
      await expect(server.reload()).rejects.toThrow(NatsServerReloadError);
      await expect(server.reload()).rejects.toThrow(/did not reload its configuration: config reload not supported for jetstream storage directory/);
      config('');
      await server.reload();
      const nc = await connectNats(server.url);
      expect(nc.info?.jetstream).toBe(true);
      await nc.close();
      await server.stop();
      await expect(server.reload()).rejects.toThrow(/exited/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
