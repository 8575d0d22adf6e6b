import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { connectNats } from './connect.js';
import { NatsServerMissingError } from './errors.js';
import { findNatsServer, startNatsServer } from './nats-server.js';

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
});
