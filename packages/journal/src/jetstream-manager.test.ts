import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { connectNats } from './connect.js';
import { jetstreamManagerAfterReloads } from './jetstream-manager.js';
import { startNatsServer } from './nats-server.js';

describe('jetstreamManagerAfterReloads', () => {
  test('an account that has JetStream gets its manager at once', async () => {
    const storeDir = mkdtempSync(join(tmpdir(), 'lh-jsm-'));
    const server = await startNatsServer({ storeDir });
    try {
      const nc = await connectNats(server.url);
      const jsm = await jetstreamManagerAfterReloads(nc);
      expect((await jsm.getAccountInfo()).streams).toBe(0);
      await nc.close();
    } finally {
      await server.stop();
      rmSync(storeDir, { recursive: true, force: true });
    }
  });

  test('an account that has no JetStream still fails, once the wait is over, with the error that says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-jsm-'));
    const configFile = join(dir, 'nats.conf');
    // The server has JetStream; the account the client logs into does not.
    writeFileSync(configFile, `jetstream { store_dir: "${join(dir, 'store')}" }\naccounts { PLAIN: { users: [{ user: plain, password: plain }] } }\n`);
    const server = await startNatsServer({ storeDir: join(dir, 'store'), configFile });
    try {
      const nc = await connectNats(server.url, { user: 'plain', pass: 'plain' });
      await expect(jetstreamManagerAfterReloads(nc, 600)).rejects.toMatchObject({ name: 'JetStreamNotEnabled' });
      await nc.close();
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a request that meets the account without JetStream is asked again until a reload gives it JetStream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-jsm-'));
    const configFile = join(dir, 'nats.conf');
    const config = (account: string) => `jetstream { store_dir: "${join(dir, 'store')}" }\naccounts { PLAIN: { ${account} users: [{ user: plain, password: plain }] } }\n`;
    writeFileSync(configFile, config(''));
    const server = await startNatsServer({ storeDir: join(dir, 'store'), configFile });
    try {
      const nc = await connectNats(server.url, { user: 'plain', pass: 'plain' });
      const manager = jetstreamManagerAfterReloads(nc, 30_000);
      // It has been refused at least once before the reload (one ask takes a round trip).
      await new Promise((resolve) => setTimeout(resolve, 500));
      writeFileSync(configFile, config('jetstream: enabled,'));
      await server.reload();
      expect((await (await manager).getAccountInfo()).streams).toBe(0);
      await nc.close();
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
