import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, test } from 'vitest';
import { connectNats, credentialsFromFile } from '../connect.js';
import { CredentialsError } from '../errors.js';
import { Journal } from '../journal.js';
import { startNatsServer } from '../nats-server.js';
import { defaultLayout } from '../provision.js';
import { localConnectOptions, localUserOf, prepareLocalAccess, roleOfLocalUser } from './local-access.js';
import { rolePermissions } from './roles.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'lh-local-access-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const mode = (path: string) => statSync(path).mode & 0o777;

describe('the credentials of a single-node system', () => {
  test('the first start generates one nkey seed per role, private to its owner, and a server config holding only public keys', () => {
    const dataDir = tempDir();
    const access = prepareLocalAccess(dataDir, { users: ['agent-a1'] });
    expect([...access.created].sort()).toStrictEqual(['admin', 'agent-a1', 'api', 'api-journal', 'client', 'scheduler']);
    expect(readdirSync(access.dir).sort()).toStrictEqual(['admin.nk', 'agent-a1.nk', 'api-journal.nk', 'api.nk', 'client.nk', 'scheduler.nk']);
    expect(mode(access.dir)).toBe(0o700);
    for (const name of readdirSync(access.dir)) {
      expect(mode(join(access.dir, name)), name).toBe(0o600);
      expect(readFileSync(join(access.dir, name), 'utf8')).toMatch(/^SU[A-Z2-7]{56}\n$/);
    }
    expect(mode(access.configFile)).toBe(0o600);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, 'nats'))).toBe(0o700);
    const config = readFileSync(access.configFile, 'utf8');
    expect(config).toContain(`store_dir: ${JSON.stringify(join(dataDir, 'nats'))}`);
    for (const user of access.users) expect(config).toContain(`nkey: "${user.nkey}"`);
    // No secret in the config: not one seed, not a password.
    for (const name of readdirSync(access.dir)) expect(config).not.toContain(readFileSync(join(access.dir, name), 'utf8').trim());
    expect(config).not.toContain('password');
    expect(access.users.map((u) => [u.user, u.role.kind])).toStrictEqual([
      ['admin', 'admin'],
      ['agent-a1', 'agent'],
      ['api', 'api'],
      ['api-journal', 'api'],
      ['client', 'client'],
      ['scheduler', 'scheduler'],
    ]);
  });

  test('a restart reuses every seed, keeps a user it does not need now (an agent id used before), and adds a new agent', () => {
    const dataDir = tempDir();
    const first = prepareLocalAccess(dataDir, { users: ['agent-a1'] });
    const seeds = Object.fromEntries(readdirSync(first.dir).map((n) => [n, readFileSync(join(first.dir, n), 'utf8')]));
    const again = prepareLocalAccess(dataDir, { users: ['agent-a2'] });
    expect(again.created).toStrictEqual(['agent-a2']);
    for (const [name, seed] of Object.entries(seeds)) expect(readFileSync(join(again.dir, name), 'utf8')).toBe(seed);
    expect(again.users.map((u) => u.user)).toStrictEqual(['admin', 'agent-a1', 'agent-a2', 'api', 'api-journal', 'client', 'scheduler']);
    expect(again.users.find((u) => u.user === 'api')!.nkey).toBe(first.users.find((u) => u.user === 'api')!.nkey);
  });

  test('modes others could read through are tightened and reported; a link, a foreign name or a damaged seed is refused by name', () => {
    const dataDir = tempDir();
    const access = prepareLocalAccess(dataDir);
    chmodSync(access.dir, 0o755);
    chmodSync(join(access.dir, 'api.nk'), 0o644);
    const again = prepareLocalAccess(dataDir);
    expect(again.tightened).toStrictEqual([access.dir, join(access.dir, 'api.nk')]);
    expect(mode(access.dir)).toBe(0o700);
    expect(mode(join(access.dir, 'api.nk'))).toBe(0o600);
    // A file whose name is no role is not a user.
    writeFileSync(join(access.dir, 'notes.nk'), 'hello', { mode: 0o600 });
    expect(prepareLocalAccess(dataDir).users.map((u) => u.user)).not.toContain('notes');

    writeFileSync(join(access.dir, 'client.nk'), 'SUNOTASEED\n', { mode: 0o600 });
    expect(() => prepareLocalAccess(dataDir)).toThrow(new RegExp(`${join(access.dir, 'client.nk')} does not hold a user nkey seed.*delete it`));
    rmSync(join(access.dir, 'client.nk'));
    const elsewhere = join(tempDir(), 'seed');
    writeFileSync(elsewhere, readFileSync(join(access.dir, 'admin.nk')), { mode: 0o600 });
    symlinkSync(elsewhere, join(access.dir, 'client.nk'));
    expect(() => prepareLocalAccess(dataDir)).toThrow(CredentialsError);
    expect(() => prepareLocalAccess(dataDir)).toThrow(/client\.nk should be a file, not a symbolic link/);
    expect(() => prepareLocalAccess(dataDir, { users: ['root'] })).toThrow(/"root" is not a user of a local system/);
  });

  test('user names and roles map both ways', () => {
    for (const user of ['admin', 'client', 'api', 'api-journal', 'scheduler', 'agent-dhcp-vm', 'scheduler-s2']) expect(localUserOf(roleOfLocalUser(user)!)).toBe(user);
    expect(roleOfLocalUser('api-journal')).toStrictEqual({ kind: 'api', serves: false });
    expect(roleOfLocalUser('agent-a.b')).toBeUndefined();
    expect(roleOfLocalUser('operator')).toBeUndefined();
    expect(localUserOf({ kind: 'scheduler', name: 'scheduler' })).toBe('scheduler');
  });
});

describe('a nats-server started with the generated config', () => {
  test('refuses a connection without credentials and lets each role in with its own seed, with its own permissions', async () => {
    const dataDir = tempDir();
    const access = prepareLocalAccess(dataDir, { users: ['agent-a1'] });
    const server = await startNatsServer({ storeDir: join(dataDir, 'nats'), configFile: access.configFile });
    const connections = [];
    try {
      await expect(connectNats(server.url, { env: {}, maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization Violation/i);
      // A seed the server does not list is refused too.
      const stranger = prepareLocalAccess(tempDir());
      await expect(connectNats(server.url, { ...stranger.connectOptions('admin'), maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization Violation/i);

      const admin = await connectNats(server.url, { ...localConnectOptions(dataDir, 'admin'), maxReconnectAttempts: 0 });
      connections.push(admin);
      await Journal.open(admin);
      const agentNc = await connectNats(server.url, { ...access.connectOptions('agent-a1'), maxReconnectAttempts: 0 });
      connections.push(agentNc);
      const agent = await Journal.open(agentNc);
      const event = { v: 1, id: randomUUID(), type: 'AgentHeartbeat', aggregate: 'agent/a1', at: Date.now(), data: {} };
      await agent.append('lh.evt.agent.a1', [event]);
      await expect(agent.append('lh.evt.network.n1', [{ ...event, id: randomUUID(), aggregate: 'network/n1' }])).rejects.toThrow(/Permissions Violation/);
      await expect(agent.jsm.streams.purge(agent.layout.stream)).rejects.toThrow(/Permissions Violation|timeout/i);
    } finally {
      for (const nc of connections) await nc.close();
      await server.stop();
    }
  });
});

describe('replaying the journal as a local user', () => {
  test('takes seconds, not minutes, for every user that replays: admin and api-journal may not answer requests (regression: nats-server 2.9 walks the reply table of an allow_responses user at every delivery; 100,000 events took 140 s as admin)', { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    const access = prepareLocalAccess(dataDir);
    for (const user of ['admin', 'api-journal', 'scheduler']) expect(rolePermissions(access.users.find((u) => u.user === user)!.role, 'u').allowResponses, user).toBe(false);
    const server = await startNatsServer({ storeDir: join(dataDir, 'nats'), configFile: access.configFile });
    try {
      const admin = await connectNats(server.url, { ...localConnectOptions(dataDir, 'admin'), maxReconnectAttempts: 0 });
      const journal = await Journal.open(admin);
      const total = 40_000;
      for (let i = 0; i < total; i += 2_000) {
        await Promise.all(Array.from({ length: 2_000 }, (_, j) => journal.js.publish(`lh.evt.agent.a${(i + j) % 50}`, new Uint8Array(16))));
      }
      await admin.close();
      for (const user of ['admin', 'api-journal']) {
        const nc = await connectNats(server.url, { ...localConnectOptions(dataDir, user), maxReconnectAttempts: 0 });
        const started = performance.now();
        const consumer = await (await Journal.open(nc)).js.consumers.get(defaultLayout.stream);
        let seen = 0;
        for await (const m of await consumer.consume()) if (++seen === total || m.info.pending === 0) break;
        const seconds = (performance.now() - started) / 1000;
        await nc.close();
        expect(seen, user).toBe(total);
        // About 0.5 s here; the slow path took over 20 s for this many.
        expect(seconds, user).toBeLessThan(8);
      }
    } finally {
      await server.stop();
    }
  });
});

describe('a credentials file of any kind', () => {
  test('an nkey seed, a .creds file and NATS_USER/NATS_PASSWORD lines each become their options; anything else is refused', () => {
    const dir = tempDir();
    const access = prepareLocalAccess(dir);
    const seed = join(access.dir, 'client.nk');
    expect(credentialsFromFile(seed)).toStrictEqual({ nkeySeedFile: seed, env: {} });
    const creds = join(dir, 'u.creds');
    writeFileSync(creds, '-----BEGIN NATS USER JWT-----\neyJ\n------END NATS USER JWT------\n');
    expect(credentialsFromFile(creds)).toStrictEqual({ credsFile: creds, env: {} });
    const envFile = join(dir, 'client.env');
    writeFileSync(envFile, '# cluster credentials\nNATS_USER=client\nexport NATS_PASSWORD="s3cret"\n');
    expect(credentialsFromFile(envFile)).toStrictEqual({ user: 'client', pass: 's3cret', env: {} });
    writeFileSync(join(dir, 'junk'), 'hello\n');
    expect(() => credentialsFromFile(join(dir, 'junk'))).toThrow(/holds no credential/);
    expect(() => credentialsFromFile(join(dir, 'missing'))).toThrow(/cannot read the credentials file/);
  });
});
