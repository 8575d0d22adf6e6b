import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { unpack } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Journal } from '../journal.js';
import { startTestNats, type TestNats } from '../testing/index.js';
import { ProjectionSnapshots } from './projection-snapshots.js';

let nats: TestNats;
let journal: Journal;
let snapshots: ProjectionSnapshots;
beforeAll(async () => {
  nats = await startTestNats();
  journal = await Journal.open(await nats.connect());
  snapshots = await ProjectionSnapshots.open(journal);
});
afterAll(() => nats.stop());

/** A state over the 1 MB message limit, with the types folds use (Map, Set, nested arrays). */
function bigState(n: number) {
  const leases = new Map<number, { mac: string; expiresAt: number }>();
  for (let i = 0; i < n; i++) leases.set(3_323_068_416 + i, { mac: `02:00:00:${(i >> 16) & 255}:${(i >> 8) & 255}:${i & 255}`, expiresAt: 1_700_000_000_000 + i });
  return { leases, agents: new Set(['a', 'b']), networks: [['net-1', { subnets: ['s1'] }]] };
}

describe('projection snapshots', () => {
  test('a state larger than one NATS message is stored and read back equal, with its sequence and schema version', async () => {
    const state = bigState(60_000);
    const saved = await snapshots.save('agent-a', { v: 3, fingerprint: 'ttl=60000' }, 1234, state);
    expect(saved.bytes).toBeGreaterThan(1_048_576);
    const loaded = await snapshots.load<typeof state>('agent-a', { v: 3, fingerprint: 'ttl=60000' });
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.snapshot.info).toMatchObject({ name: 'agent-a', v: 3, seq: 1234, fingerprint: 'ttl=60000', bytes: saved.bytes });
    expect(loaded.snapshot.state).toStrictEqual(state);
  });

  test('a snapshot of another schema version or taken under other settings is refused without being read, never misread', async () => {
    await snapshots.save('api', { v: 1 }, 10, { shape: 'old' });
    const newer = await snapshots.load('api', { v: 2 });
    expect(newer).toMatchObject({ ok: false, refusal: { reason: 'version', info: { v: 1, seq: 10 } } });
    const other = await snapshots.load('api', { v: 1, fingerprint: 'agentDownTime=1000' });
    expect(other).toMatchObject({ ok: false, refusal: { reason: 'fingerprint' } });
    expect(await snapshots.load('nobody', { v: 1 })).toStrictEqual({ ok: false });
  });

  test('a newer snapshot replaces the older one, and the older chunks are gone', async () => {
    await snapshots.save('scheduler', { v: 1 }, 5, bigState(40_000));
    await snapshots.save('scheduler', { v: 1 }, 9, { small: true });
    const loaded = await snapshots.load('scheduler', { v: 1 });
    expect(loaded.ok && loaded.snapshot.info.seq).toBe(9);
    expect(loaded.ok && loaded.snapshot.state).toStrictEqual({ small: true });
    expect(await snapshots.sweepOrphans(0)).toBe(0);
  });

  test('a crash in the middle of writing a snapshot leaves the previous one usable, and its orphan chunks are swept', async () => {
    await snapshots.save('agent-b', { v: 1 }, 100, bigState(30_000));
    // What a writer that died after some chunks and before the metadata leaves behind.
    const js = jetstream(journal.nc);
    const orphan = `$O.${snapshots.bucket}.C.DIEDMIDWAYx0000000000`;
    for (let i = 0; i < 3; i++) await js.publish(orphan, new Uint8Array(128 * 1024).fill(i));
    const loaded = await snapshots.load('agent-b', { v: 1 });
    expect(loaded.ok && loaded.snapshot.info.seq).toBe(100);
    expect(loaded.ok && loaded.snapshot.state).toStrictEqual(bigState(30_000));
    // Young chunks may be a put in progress: left alone; old ones are purged.
    expect(await snapshots.sweepOrphans(60_000)).toBe(0);
    expect(await snapshots.sweepOrphans(0)).toBe(1);
    const after = await journal.jsm.streams.info(`OBJ_${snapshots.bucket}`, { subjects_filter: orphan });
    expect(after.state.subjects?.[orphan]).toBeUndefined();
    expect((await snapshots.load('agent-b', { v: 1 })).ok).toBe(true);
  });

  test('a snapshot whose content does not match its digest is reported unreadable, not returned', async () => {
    await snapshots.save('agent-c', { v: 1 }, 7, bigState(1_000));
    const meta = await (await new Objm(journal.nc).open(snapshots.bucket)).info('agent-c');
    expect(meta?.nuid).toBeTruthy();
    // Overwrite the content: another chunk on the same chunk subject (a torn or tampered write).
    await jetstream(journal.nc).publish(`$O.${snapshots.bucket}.C.${meta!.nuid}`, new Uint8Array([1, 2, 3]));
    const loaded = await snapshots.load('agent-c', { v: 1 });
    expect(loaded).toMatchObject({ ok: false, refusal: { reason: 'unreadable' } });
  });

  test('a reader opens the bucket without provisioning it and gets a snapshot as stored, whatever its version; a server with no bucket gives none', async () => {
    const state = bigState(2_000);
    await snapshots.save('api-read', { v: 9 }, 77, state);
    const reader = await ProjectionSnapshots.openReadOnly(journal.nc);
    const stored = await reader!.read('api-read');
    expect(stored?.info).toMatchObject({ name: 'api-read', v: 9, seq: 77 });
    expect(unpack(stored!.bytes)).toStrictEqual(state);
    expect(await reader!.read('nobody')).toBeUndefined();

    await using bare = await startTestNats();
    const nc = await bare.connect();
    expect(await ProjectionSnapshots.openReadOnly(nc)).toBeUndefined();
    expect(await jetstreamManager(nc).then((jsm) => jsm.streams.list().next())).toHaveLength(0);
  });
});
