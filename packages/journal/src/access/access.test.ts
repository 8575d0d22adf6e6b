import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { nkeys, PermissionViolationError } from '@nats-io/nats-core';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectNats } from '../connect.js';
import { Journal } from '../journal.js';
import { startProjection } from '../projection.js';
import { defaultLayout } from '../provision.js';
import { ProjectionSnapshots } from '../snapshots/projection-snapshots.js';
import { testEvent } from '../testing/events.js';
import { startSecureNats, type SecureNats } from '../testing/secure-nats.js';
import type { AccessUser } from './server-config.js';

// One server for the file: TLS with client certificates, a user per role.
const agentKey = nkeys.createUser();
const pass = (name: string) => `pw-${name}-${randomUUID()}`;
const users = {
  admin: { name: 'admin', password: pass('admin'), role: { kind: 'admin' } },
  a1: { name: 'agent-a1', password: pass('a1'), role: { kind: 'agent', agentId: 'a1' } },
  scheduler: { name: 'scheduler', password: pass('scheduler'), role: { kind: 'scheduler' } },
  api: { name: 'api', password: pass('api'), role: { kind: 'api' } },
  client: { name: 'client', password: pass('client'), role: { kind: 'client' } },
} as const satisfies Record<string, AccessUser>;
const a2: AccessUser = { nkey: agentKey.getPublicKey(), role: { kind: 'agent', agentId: 'a2' } };

let nats: SecureNats;
let admin: NatsConnection;
let adminJournal: Journal;
let seedFile: string;

const login = (user: { name: string; password: string }) => nats.connect({ user: user.name, pass: user.password, name: user.name });
const lastSeq = async () => (await (await jetstreamManager(admin)).streams.info(defaultLayout.stream)).state.last_seq;

/** Resolves with the error `promise` rejects with (fails the test if it resolves). */
async function refusal(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  if (!outcome) throw new Error('expected the server to refuse, but it accepted');
  return outcome;
}

/** True when `error` (or its cause) is the server's permissions violation for `subject`. */
function isViolation(error: Error, subject: string): boolean {
  const cause = error instanceof PermissionViolationError ? error : (error.cause as Error | undefined);
  return cause instanceof PermissionViolationError && cause.subject === subject;
}

beforeAll(async () => {
  nats = await startSecureNats({ users: [...Object.values(users), a2], tls: true });
  seedFile = join(nats.dir, 'a2.nk');
  writeFileSync(seedFile, new TextDecoder().decode(agentKey.getSeed()), { mode: 0o600 });
  admin = await login(users.admin);
  // Only the admin may create the stream and buckets; every other role finds them provisioned.
  adminJournal = await Journal.open(admin);
}, 60_000);

afterAll(() => nats?.stop());

describe('each role can do its job', () => {
  test('an agent opens the journal, appends its heartbeat and a lease, folds the stream and stores its checkpoint', async () => {
    const journal = await Journal.open(await login(users.a1));
    const heartbeat = await journal.append('lh.evt.agent.a1', [testEvent('a1', 'AgentHeartbeat', { load: 1 })]);
    const lease = await journal.append('lh.evt.lease.net1.198-18-0-10', [testEvent('lease', 'LeaseBound', { ip: '198.18.0.10' })], 0);
    const seen: string[] = [];
    // These test events are not valid heartbeats or leases, so the fold quarantines them: reading them is what counts here.
    const projection = await startProjection(journal, {
      name: 'agent-a1',
      filter: 'lh.evt.>',
      fromStart: true,
      apply: (s) => void seen.push(s.subject),
      onQuarantine: (q) => void seen.push(q.subject),
    });
    await projection.caughtUp;
    await projection.stop();
    expect(seen).toContain('lh.evt.agent.a1');
    expect(seen).toContain('lh.evt.lease.net1.198-18-0-10');
    expect(await adminJournal.version('lh.evt.agent.a1')).toBe(heartbeat.version);
    expect(await adminJournal.version('lh.evt.lease.net1.198-18-0-10')).toBe(lease.version);
    expect(await journal.version('lh.evt.lease.net1.198-18-0-10')).toBe(lease.version);
    expect((await adminJournal.checkpoints.get('agent-a1'))?.operation).toBe('PUT');
  });

  test('each role stores and reads back its own projection snapshot, and cannot overwrite another role\'s', async () => {
    for (const [user, name] of [[users.a1, 'agent-a1'], [users.scheduler, 'scheduler'], [users.api, 'api']] as const) {
      const snapshots = await ProjectionSnapshots.open(await Journal.open(await login(user)));
      // Two saves: the second purges the first one's chunks.
      await snapshots.save(name, { v: 1 }, 1, { big: 'x'.repeat(300_000) });
      await snapshots.save(name, { v: 1 }, 2, { role: name });
      const loaded = await snapshots.load(name, { v: 1 });
      expect(loaded.ok && loaded.snapshot.state).toStrictEqual({ role: name });
    }
    const agent = await ProjectionSnapshots.open(await Journal.open(await login(users.a1)));
    const error = await refusal(agent.save('api', { v: 1 }, 3, { forged: true }));
    expect(error.message).toMatch(/permission|timeout/i);
    const api = await ProjectionSnapshots.open(adminJournal);
    const kept = await api.load('api', { v: 1 });
    expect(kept.ok && kept.snapshot.state).toStrictEqual({ role: 'api' });
  });

  test('an agent with an nkey seed file (no password) appends its own heartbeat', async () => {
    const nc = await nats.connect({ nkeySeedFile: seedFile, name: 'agent-a2' });
    const journal = await Journal.open(nc);
    const result = await journal.append('lh.evt.agent.a2', [testEvent('a2', 'AgentHeartbeat', {})]);
    expect(await adminJournal.version('lh.evt.agent.a2')).toBe(result.version);
  });

  test('credentials and TLS files can come from the environment alone (NATS_USER, NATS_PASSWORD, NATS_CA, NATS_CERT, NATS_KEY)', async () => {
    const c = nats.certificates!;
    const env = { NATS_USER: users.a1.name, NATS_PASSWORD: users.a1.password, NATS_CA: c.caFile, NATS_CERT: c.clientCertFile, NATS_KEY: c.clientKeyFile };
    const nc = await connectNats(nats.url, { env, maxReconnectAttempts: 0 });
    try {
      const journal = await Journal.open(nc);
      expect((await journal.append('lh.evt.agent.a1', [testEvent('a1', 'AgentHeartbeat', {})])).sequences).toHaveLength(1);
    } finally {
      await nc.close();
    }
  });

  test('the scheduler appends a binding', async () => {
    const journal = await Journal.open(await login(users.scheduler));
    const result = await journal.append(`lh.evt.binding.${randomUUID()}`, [testEvent('b', 'NetworkScheduled', { agentId: 'a1' })], 0);
    expect(result.sequences).toHaveLength(1);
  });

  test('a client calls the API through a request, which the API role answers', async () => {
    const api = await login(users.api);
    const sub = api.subscribe('lh.api.v1.networks.list', { queue: 'lh-api', callback: (_e, msg) => void msg.respond(JSON.stringify({ networks: [] })) });
    await api.flush();
    const client = await login(users.client);
    const reply = await client.request('lh.api.v1.networks.list', '{}', { timeout: 2_000 });
    expect(reply.json()).toStrictEqual({ networks: [] });
    sub.unsubscribe();
  });
});

describe('a role stepping outside its permissions is refused and nothing is stored', () => {
  const cases: { who: keyof typeof users; subject: string; why: string }[] = [
    { who: 'a1', subject: 'lh.evt.binding.net1', why: 'an agent writing a binding' },
    { who: 'a1', subject: 'lh.evt.agent.a2', why: "an agent writing another agent's heartbeat" },
    { who: 'a1', subject: 'lh.evt.network.net1', why: 'an agent writing a network' },
    { who: 'scheduler', subject: 'lh.evt.lease.net1.198-18-0-11', why: 'the scheduler writing a lease' },
    { who: 'scheduler', subject: 'lh.evt.agent.a1', why: 'the scheduler forging a heartbeat' },
    { who: 'client', subject: 'lh.evt.network.net1', why: 'an API client writing an event directly' },
  ];
  for (const { who, subject, why } of cases) {
    test(`${why} (${subject}) gets a permissions violation and the stream's last sequence does not move`, async () => {
      const before = await lastSeq();
      const nc = await login(users[who]);
      // A publish with a reply subject, as a JetStream append is (a client could not even open a journal).
      const error = await refusal(nc.request(subject, 'forged', { timeout: 2_000 }));
      expect(isViolation(error, subject)).toBe(true);
      expect(await lastSeq()).toBe(before);
    });
  }

  test("an agent cannot overhear another user's replies, impersonate the API, or delete the stream", async () => {
    const nc = await login(users.a1);
    const violations: string[] = [];
    void (async () => {
      for await (const status of nc.status()) if (status.type === 'error' && status.error instanceof PermissionViolationError) violations.push(status.error.subject);
    })();
    nc.subscribe('_INBOX.client.>');
    nc.subscribe('lh.api.v1.>');
    await nc.flush();
    const error = await refusal(nc.request(`$JS.API.STREAM.DELETE.${defaultLayout.stream}`, '', { timeout: 2_000 }));
    expect(isViolation(error, `$JS.API.STREAM.DELETE.${defaultLayout.stream}`)).toBe(true);
    await expect.poll(() => violations.sort(), { timeout: 2_000 }).toStrictEqual([`$JS.API.STREAM.DELETE.${defaultLayout.stream}`, '_INBOX.client.>', 'lh.api.v1.>']);
    expect((await (await jetstreamManager(admin)).streams.info(defaultLayout.stream)).config.name).toBe(defaultLayout.stream);
  });

  test('an API client cannot read the journal: creating a consumer is refused', async () => {
    const nc = await login(users.client);
    const subject = `$JS.API.CONSUMER.CREATE.${defaultLayout.stream}.x.lh.evt.>`;
    expect(isViolation(await refusal(nc.request(subject, '{}', { timeout: 2_000 })), subject)).toBe(true);
  });

  test('a wrong password is refused at connect', async () => {
    await expect(nats.connect({ user: 'api', pass: 'not-the-password' })).rejects.toThrow(/Authorization Violation/i);
  });

  test('TLS is required: without the test CA the connection fails', async () => {
    await expect(connect({ servers: nats.url, user: users.admin.name, pass: users.admin.password, reconnect: false, timeout: 2_000 })).rejects.toThrow();
  });
});

describe('a forged event from a wrong role is never folded into state', () => {
  test('a projection of the whole stream sees the API role\'s network event but never the networks and bindings an agent tried to forge', async () => {
    const forgedNetwork = `lh.evt.network.${randomUUID()}`;
    const forgedBinding = `lh.evt.binding.${randomUUID()}`;
    const state = new Map<string, string>();
    const projection = await startProjection(adminJournal, {
      name: `forgery-${randomUUID()}`,
      filter: 'lh.evt.>',
      fromStart: true,
      apply: (stored) => void state.set(stored.subject, stored.event.type),
      // The test events are not valid networks: what the projection read is what counts here.
      onQuarantine: (q) => void state.set(q.subject, q.type ?? 'unknown'),
    });
    await projection.caughtUp;

    const agent = await Journal.open(await login(users.a1));
    const forgeries = [
      agent.append(forgedNetwork, [testEvent(forgedNetwork, 'NetworkCreated', { name: 'evil' })], 0),
      agent.append(forgedBinding, [testEvent(forgedBinding, 'NetworkScheduled', { agentId: 'a1' })], 0),
    ];
    for (const forgery of forgeries) expect((await refusal(forgery)).message).toMatch(/Permissions Violation/);

    // The legitimate write comes after the forgeries: once the projection has it, it has seen everything before it.
    const legit = `lh.evt.network.${randomUUID()}`;
    const api = await Journal.open(await login(users.api));
    const { version } = await api.append(legit, [testEvent(legit, 'NetworkCreated', { name: 'net' })], 0);
    await expect.poll(() => projection.position(), { timeout: 5_000 }).toBeGreaterThanOrEqual(version);
    await sleep(50);
    await projection.stop();

    expect(state.get(legit)).toBe('NetworkCreated');
    expect(state.has(forgedNetwork)).toBe(false);
    expect(state.has(forgedBinding)).toBe(false);
    expect(await adminJournal.version(forgedNetwork)).toBe(0);
    expect(await adminJournal.version(forgedBinding)).toBe(0);
  });
});
