/**
 * Projection snapshots on an R3 bucket through a SIGKILL and restart of every
 * node right after they were saved, replaced and deleted: each node must then
 * hold exactly the last save of each name. A restart is when nats-server
 * 2.9.10 gets a stream purge wrong (a node replaying one from its raft log
 * removes everything up to the stream's last sequence at the time,
 * nats-io/nats-server#4196): a control stream in the same cluster, purged by
 * subject and written after, shows the restart does reproduce that. Each node
 * is read through a connection to it alone (nats-server hands a request to a
 * queue subscriber on the same server first, so that node's replica answers
 * the direct gets).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { provisionCluster, startNatsCluster, waitForJetStream, type NatsCluster } from '../cluster/cluster.js';
import { connectNats } from '../connect.js';
import { Journal } from '../journal.js';
import { ProjectionSnapshots } from './projection-snapshots.js';
import { pollUntil } from '../testing/retry.js';

let dir: string;
let cluster: NatsCluster;
let nc: NatsConnection;
let jsm: JetStreamManager;
let journal: Journal;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lh-snapshots-r3-'));
  cluster = await startNatsCluster({ dir });
  nc = await connectNats(cluster.urls, { name: 'snapshots-r3', env: {} });
  await waitForJetStream(nc);
  await provisionCluster(nc);
  jsm = await jetstreamManager(nc);
  journal = await Journal.open(nc);
}, 60_000);

afterAll(async () => {
  await nc?.close();
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});


/** SIGKILLs every node, starts them again on their stores, and waits until `stream` has a leader and two current replicas. */
async function restartEveryNode(streams: readonly string[]): Promise<void> {
  for (const node of cluster.nodes) await cluster.kill(node.name);
  await Promise.all(cluster.nodes.map((node) => cluster.start(node.name)));
  for (const stream of streams)
    await pollUntil(`${stream} led and current`, 60_000, async () => {
      const info = await jsm.streams.info(stream);
      const replicas = info.cluster?.replicas ?? [];
      return info.cluster?.leader && replicas.length === 2 && replicas.every((r) => r.current && !r.offline) ? true : undefined;
    });
}

/** Runs `read` on a connection to each node alone (its direct gets go to that node's replica first). */
async function onEachNode<T>(read: (nc: NatsConnection) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (const node of cluster.nodes) {
    const own = await connectNats(node.url, { name: `read-${node.name}`, env: {} });
    try {
      out.push(await read(own));
    } finally {
      await own.close();
    }
  }
  return out;
}

const sized = (kib: number, tag: string) => ({ tag, blob: tag.repeat(Math.ceil((kib * 1024) / tag.length)) });

describe('projection snapshots on a three-node cluster (R3, nats-server 2.9.10)', () => {
  test('snapshots saved, replaced and deleted just before every node restarts are all there afterwards, on every node', { timeout: 180_000 }, async () => {
    // The control: messages a filtered purge never matched, on a stream written after the purge.
    await jsm.streams.add({ name: 'CONTROL', subjects: ['control.>'], num_replicas: 3, storage: StorageType.File, allow_direct: true });
    const js = jetstream(nc);
    for (let i = 0; i < 5; i++) await js.publish('control.keep', `k${i}`);
    await js.publish('control.drop', 'd');
    await jsm.streams.purge('CONTROL', { filter: 'control.drop' });
    for (let i = 0; i < 3; i++) await js.publish('control.after', `a${i}`);

    const snapshots = await ProjectionSnapshots.open(journal);
    const last = new Map<string, unknown>();
    for (const [round, kib] of [600, 100, 900].entries()) {
      for (const name of ['api', 'scheduler', 'agent-a1', 'agent-a2']) {
        const state = sized(kib, `${name}-${round}`);
        await snapshots.save(name, { v: 1 }, 100 * round + name.length, state);
        last.set(name, state);
      }
    }
    await snapshots.delete('agent-a2');
    last.delete('agent-a2');

    await restartEveryNode(['CONTROL', `KV_${journal.layout.projectionBucket}`]);

    const control = await onEachNode(async (own) =>
      (await jetstreamManager(own)).direct.getMessage('CONTROL', { last_by_subj: 'control.keep' }).then(
        (m) => m?.string() ?? 'gone',
        () => 'gone',
      ),
    );
    // On nats-server 2.9.18 or later this no longer happens: then drop the control.
    expect(control, 'the restart replayed the control\'s purge as nats-server 2.9.10 does').toContain('gone');

    const seen = await onEachNode(async (own) => {
      const reader = (await ProjectionSnapshots.openReadOnly(own))!;
      const states = new Map<string, unknown>();
      for (const info of await reader.list()) {
        const loaded = await reader.load(info.name, { v: 1 });
        states.set(info.name, loaded.ok ? loaded.snapshot.state : loaded);
      }
      return states;
    });
    for (const states of seen) expect(states).toStrictEqual(last);
  });
});
