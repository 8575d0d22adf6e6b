import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectNats } from '../connect.js';
import { CredentialsError } from '../errors.js';
import { Journal } from '../journal.js';
import { startNatsServer, type NatsServer } from '../nats-server.js';
import { defaultLayout } from '../provision.js';
import { testEvent } from '../testing/events.js';
import { createOperator } from './jwt.js';

let dir: string;
let server: NatsServer;
const creds: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lh-operator-'));
  const operator = createOperator();
  const storeDir = join(dir, 'store');
  writeFileSync(join(dir, 'nats-server.conf'), `${operator.serverConfig}\njetstream { store_dir: ${JSON.stringify(storeDir)} }\n`);
  server = await startNatsServer({ storeDir, configFile: join(dir, 'nats-server.conf') });
  for (const [name, role] of [['admin', { kind: 'admin' }], ['agent-a1', { kind: 'agent', agentId: 'a1' }]] as const) {
    creds[name] = join(dir, `${name}.creds`);
    writeFileSync(creds[name], operator.userCreds(name, role), { mode: 0o600 });
  }
  await Journal.open(await connectNats(server.url, { env: {}, credsFile: creds.admin!, maxReconnectAttempts: 0 }));
}, 30_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('.creds files (a server in operator mode, permissions from the role table in each user JWT)', () => {
  test('an agent logging in with NATS_CREDS appends its own heartbeat and is refused a binding, which is not stored', async () => {
    const nc = await connectNats(server.url, { env: { NATS_CREDS: creds['agent-a1'] }, maxReconnectAttempts: 0 });
    try {
      const journal = await Journal.open(nc);
      const { version } = await journal.append('lh.evt.agent.a1', [testEvent('a1', 'AgentHeartbeat', {})]);
      await expect(journal.append('lh.evt.binding.net1', [testEvent('b', 'NetworkScheduled', {})])).rejects.toThrow(/Permissions Violation for Publish to "lh.evt.binding.net1"/);
      const info = await (await jetstreamManager(nc)).streams.info(defaultLayout.stream);
      expect(info.state.last_seq).toBe(version);
    } finally {
      await nc.close();
    }
  });

  test('a file that is not a creds file is a CredentialsError naming it', async () => {
    const bogus = join(dir, 'bogus.creds');
    writeFileSync(bogus, 'not a creds file\n');
    await expect(connectNats(server.url, { env: {}, credsFile: bogus })).rejects.toThrow(CredentialsError);
    await expect(connectNats(server.url, { env: {}, credsFile: join(dir, 'missing.creds') })).rejects.toThrow(/missing\.creds/);
  });
});
