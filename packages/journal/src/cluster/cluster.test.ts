import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager, type JetStreamManager, type StreamInfo } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectNats } from '../connect.js';
import { Journal } from '../journal.js';
import { defaultLayout } from '../provision.js';
import { testEvent } from '../testing/events.js';
import { provisionCluster, startNatsCluster, waitForJetStream, type NatsCluster } from './cluster.js';
import { pollUntil } from '../testing/retry.js';

let dir: string;
let cluster: NatsCluster;
let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lh-cluster-'));
  cluster = await startNatsCluster({ dir });
  nc = await connectNats(cluster.urls, { name: 'cluster-test', env: {} });
  await waitForJetStream(nc);
  await provisionCluster(nc);
  jsm = await jetstreamManager(nc);
}, 60_000);

afterAll(async () => {
  await nc?.close();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});


const streamInfo = () => jsm.streams.info(defaultLayout.stream);

/** The stream info once it has a leader and every replica is current and online. */
const allCurrent = (timeoutMs: number) =>
  pollUntil('all three replicas current', timeoutMs, async () => {
    const info = await streamInfo();
    const replicas = info.cluster?.replicas ?? [];
    return info.cluster?.leader && replicas.length === 2 && replicas.every((r) => r.current && !r.offline) ? info : undefined;
  });

/**
 * Appends `n` events, retrying each (same id: stored once) while the cluster
 * fails over: publishes find no stream until a new leader is elected, and a
 * request sent on a connection to the dead node times out (5 s) first.
 */
async function appendThroughFault(journal: Journal, subject: string, n: number, expected: unknown[]): Promise<void> {
  for (let i = 0; i < n; i++) {
    const event = testEvent(subject, 'Added', { n: expected.length });
    await pollUntil(`append ${i}`, 20_000, async () => (await journal.append(subject, [event]), true));
    expected.push(event);
  }
}

/**
 * Reads the subject, retrying while the cluster recovers: a read creates a
 * consumer, which needs a metadata leader (nats-server 2.9 usually takes
 * about 6 s to elect a new one, but a clean-clone CI run once saw consumer
 * creation time out for over 40 s after the stream leader died, while
 * appends went on) and the stream leader.
 */
const readThroughFault = (journal: Journal, subject: string) =>
  pollUntil('read', 90_000, async () => (await journal.read(subject)).map((s) => s.event));

describe('a local three-node JetStream cluster', () => {
  test('each node has its own ports, store directory and config file naming every route', () => {
    expect(cluster.nodes.map((n) => n.name)).toStrictEqual(['lh-n1', 'lh-n2', 'lh-n3']);
    const ports = cluster.nodes.flatMap((n) => [n.clientPort, n.clusterPort]);
    expect(new Set(ports).size).toBe(6);
    expect(ports).not.toContain(4222);
    expect(new Set(cluster.nodes.map((n) => n.storeDir)).size).toBe(3);
    for (const node of cluster.nodes) {
      const text = readFileSync(node.configFile, 'utf8');
      expect(text).toContain(`server_name: "${node.name}"`);
      expect(text).toContain(`store_dir: ${JSON.stringify(node.storeDir)}`);
      for (const other of cluster.nodes) expect(text).toContain(`nats-route://127.0.0.1:${other.clusterPort}`);
    }
  });

  test('the stream and both buckets are provisioned with three replicas, and opening the journal at R1 does not scale them down', async () => {
    await Journal.open(nc);
    const infos: StreamInfo[] = await Promise.all(
      [defaultLayout.stream, `KV_${defaultLayout.snapshotBucket}`, `KV_${defaultLayout.checkpointBucket}`].map((s) => jsm.streams.info(s)),
    );
    for (const info of infos) {
      expect(info.config.num_replicas).toBe(3);
      expect(info.cluster?.leader).toMatch(/^lh-n[123]$/);
      expect((info.cluster?.replicas ?? []).map((r) => r.name).sort()).toStrictEqual(
        cluster.nodes.map((n) => n.name).filter((n) => n !== info.cluster?.leader),
      );
    }
  });

  test('appends and reads keep working when a follower and then the leader are killed, and each killed node rejoins on its store', { timeout: 240_000 }, async () => {
    const journal = await Journal.open(nc);
    const subject = `lh.evt.test.${randomUUID()}`;
    const expected: unknown[] = [];
    await appendThroughFault(journal, subject, 10, expected);

    // Step 1: a follower dies; the leader and the other follower are a quorum.
    const before = await allCurrent(20_000);
    const follower = before.cluster!.replicas![0]!.name;
    await cluster.kill(follower);
    await appendThroughFault(journal, subject, 10, expected);
    expect(await readThroughFault(journal, subject)).toStrictEqual(expected);
    await cluster.start(follower);
    const rejoined = await allCurrent(30_000);
    expect(rejoined.cluster!.replicas!.map((r) => r.name)).toContain(follower);

    // Step 2: the stream leader dies; the two others elect a new one.
    const leader = rejoined.cluster!.leader!;
    await cluster.kill(leader);
    await appendThroughFault(journal, subject, 10, expected);
    const after = await streamInfo();
    expect(after.cluster?.leader).not.toBe(leader);
    expect(await readThroughFault(journal, subject)).toStrictEqual(expected);
    await cluster.start(leader);
    const whole = await allCurrent(30_000);
    expect(whole.cluster!.replicas!.map((r) => r.name)).toContain(leader);

    // Rejoined means caught up: the replica reports no lag behind the leader.
    const replica = whole.cluster!.replicas!.find((r) => r.name === leader)!;
    expect(replica.lag ?? 0).toBe(0);
  });
});
