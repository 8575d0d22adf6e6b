/**
 * Compaction of a replicated (R3) journal survives every node being killed
 * and started again right after it. nats-server 2.9.10 replays a purge still
 * in a restarting node's raft log as "remove everything up to the stream's
 * last sequence at the time of the purge" (nats-io/nats-server#4196), which
 * lost the retained window in the fault test; on a replicated stream the
 * compactor therefore deletes events one by one, which a replay cannot widen.
 * With `method: 'purge'` this test fails on 2.9.10 (checked 2026-12-07): the
 * stream came back with first 301 and 10 messages, the 150 events between the
 * floor and the purge's moment gone on every node.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { provisionCluster, startNatsCluster, waitForJetStream, type NatsCluster } from '../cluster/cluster.js';
import { connectNats } from '../connect.js';
import { Journal } from '../journal.js';
import { defaultLayout, type JournalLayout } from '../provision.js';
import { ProjectionSnapshots } from '../snapshots/projection-snapshots.js';
import { testEvent } from '../testing/events.js';
import { retrying } from '../testing/retry.js';
import { compactJournal } from './compactor.js';

let dir: string;
let cluster: NatsCluster;
let nc: NatsConnection;

const layout: JournalLayout = { ...defaultLayout, replicas: 3 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lh-r3-compaction-'));
  cluster = await startNatsCluster({ dir });
  nc = await connectNats(cluster.urls, { name: 'r3-compaction-test', env: {} });
  await waitForJetStream(nc);
  await provisionCluster(nc, layout);
}, 90_000);

afterAll(async () => {
  await nc?.close();
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('compacting a replicated journal', () => {
  test('events above the floor are all still there after every node is SIGKILLed and started again right after the compaction', async () => {
    const journal = await Journal.open(nc, { layout });
    const snapshots = await ProjectionSnapshots.open(journal);
    const subject = (i: number) => `lh.evt.test.r3.k${i % 5}`;
    const sequences: number[] = [];
    for (let i = 0; i < 300; i++) sequences.push((await journal.append(subject(i), [testEvent('r3', 'Put', { n: i })])).version);
    // A fold has everything up to the 150th event in its snapshot: the floor is the event after it.
    const pin = sequences[149]!;
    await snapshots.save('agent-r3', { v: 1 }, pin, { upTo: pin });
    const result = await compactJournal(journal, snapshots, { windowMs: 0, requiredKinds: ['agent'] });
    expect(result).toMatchObject({ method: 'delete', floor: pin + 1 });
    expect(result.purged).toBe(pin + 1 - result.firstRetained);
    // More history after the compaction, then a crash of every node before any takes a raft snapshot (every 2 min).
    for (let i = 300; i < 310; i++) sequences.push((await journal.append(subject(i), [testEvent('r3', 'Put', { n: i })])).version);
    await Promise.all(cluster.nodes.map((n) => cluster.kill(n.name)));
    await Promise.all(cluster.nodes.map((n) => cluster.start(n.name)));
    await waitForJetStream(nc, 60_000);

    const retained = sequences.slice(150);
    const state = await retrying(async () => {
      const info = await journal.jsm.streams.info(layout.stream);
      if (!info.cluster?.leader) throw new Error('no stream leader yet');
      return info.state;
    });
    expect({ first: state.first_seq, last: state.last_seq, messages: state.messages }).toStrictEqual({ first: retained[0], last: retained.at(-1), messages: retained.length });
    const read = await retrying(() => journal.read('lh.evt.test.r3.>'));
    expect(read.map((s) => (s.event.data as { n: number }).n)).toStrictEqual(Array.from({ length: 160 }, (_, i) => 150 + i));
  }, 180_000);
});
