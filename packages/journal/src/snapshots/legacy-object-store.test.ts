import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { pack } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { Journal } from '../journal.js';
import { startTestNats } from '../testing/index.js';
import type { LegacyCopy } from './legacy-object-store.js';
import { ProjectionSnapshots } from './projection-snapshots.js';

describe('snapshots of the older object store', () => {
  test('the journal that creates the KV bucket copies the object store\'s snapshots into it, keeping version, fingerprint, sequence and time, and changes nothing in the object store', async () => {
    await using nats = await startTestNats();
    const nc = await nats.connect();
    // What the object-store version of ProjectionSnapshots.save wrote.
    const legacy = await new Objm(nc).create('lh_projections', { storage: StorageType.File });
    const api = { leases: new Map([[1, 'x'.repeat(300_000)]]) };
    await legacy.putBlob({ name: 'api', metadata: { 'lh-v': '4', 'lh-fingerprint': '', 'lh-seq': '120', 'lh-at': '1796600000000' } }, pack(api));
    await legacy.putBlob({ name: 'agent-a1', metadata: { 'lh-v': '2', 'lh-fingerprint': 'offer=30000', 'lh-seq': '118', 'lh-at': '1796600001000' } }, pack({ agent: 'a1' }));
    await legacy.putBlob({ name: 'stray' }, pack({ not: 'a snapshot' }));
    const jsm = await jetstreamManager(nc);
    const before = (await jsm.streams.info('OBJ_lh_projections')).state;

    const told: LegacyCopy[] = [];
    const journal = await Journal.open(nc, { onLegacySnapshots: (copy) => void told.push(copy) });
    expect(told).toHaveLength(1);
    expect([...told[0]!.copied].sort()).toStrictEqual(['agent-a1', 'api']);
    expect(told[0]!.skipped).toStrictEqual([{ name: 'stray', why: 'its metadata has no lh-v, lh-seq and lh-at' }]);

    const snapshots = await ProjectionSnapshots.open(journal);
    const loaded = await snapshots.load('api', { v: 4 });
    expect(loaded.ok && loaded.snapshot.info).toMatchObject({ name: 'api', v: 4, seq: 120, at: 1796600000000 });
    expect(loaded.ok && loaded.snapshot.state).toStrictEqual(api);
    expect(await snapshots.info('agent-a1')).toMatchObject({ v: 2, fingerprint: 'offer=30000', seq: 118, at: 1796600001000 });
    const after = (await jsm.streams.info('OBJ_lh_projections')).state;
    expect([after.messages, after.first_seq, after.last_seq]).toStrictEqual([before.messages, before.first_seq, before.last_seq]);

    // The bucket exists from now on: a later open copies nothing.
    await Journal.open(nc, { onLegacySnapshots: (copy) => void told.push(copy) });
    expect(told).toHaveLength(1);
  });

  test('a server without the object store gets the KV bucket and no copy', async () => {
    await using nats = await startTestNats();
    const told: LegacyCopy[] = [];
    const journal = await Journal.open(await nats.connect(), { onLegacySnapshots: (copy) => void told.push(copy) });
    expect(told).toStrictEqual([]);
    expect(await (await ProjectionSnapshots.open(journal)).list()).toStrictEqual([]);
  });
});
