import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { unpack } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Journal } from '../journal.js';
import { startTestNats, type TestNats } from '../testing/index.js';
import { ProjectionSnapshots } from './projection-snapshots.js';
import { chunkKey } from './snapshot-keys.js';

let nats: TestNats;
let journal: Journal;
let snapshots: ProjectionSnapshots;
let kv: KV;
beforeAll(async () => {
  nats = await startTestNats();
  journal = await Journal.open(await nats.connect());
  snapshots = await ProjectionSnapshots.open(journal);
  kv = await new Kvm(journal.nc).open(snapshots.bucket);
});
afterAll(() => nats.stop());

/** A state over the 1 MB message limit, with the types folds use (Map, Set, nested arrays). */
function bigState(n: number) {
  const leases = new Map<number, { mac: string; expiresAt: number }>();
  for (let i = 0; i < n; i++) leases.set(3_323_068_416 + i, { mac: `02:00:00:${(i >> 16) & 255}:${(i >> 8) & 255}:${i & 255}`, expiresAt: 1_700_000_000_000 + i });
  return { leases, agents: new Set(['a', 'b']), networks: [['net-1', { subnets: ['s1'] }]] };
}

/** The chunk keys of `name` that hold data (a deleted key keeps only its marker). */
async function liveChunks(name: string): Promise<string[]> {
  const live: string[] = [];
  for (const slot of ['a', 'b'] as const)
    for (let i = 0; i < 64; i++) if ((await kv.get(chunkKey(name, slot, i)))?.operation === 'PUT') live.push(`${slot}.${i}`);
  return live;
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

  test('saves alternate between two chunk sets; a smaller state deletes its set\'s chunks past its count and leaves the previous snapshot\'s set whole', async () => {
    const big = await snapshots.save('scheduler', { v: 1 }, 5, bigState(40_000));
    const bigChunks = Math.ceil(big.bytes / (256 * 1024));
    expect(bigChunks).toBeGreaterThan(2);
    expect(await liveChunks('scheduler')).toStrictEqual(Array.from({ length: bigChunks }, (_, i) => `a.${i}`));
    await snapshots.save('scheduler', { v: 1 }, 9, { small: true });
    // Slot b now; slot a still holds the previous snapshot for a reader that was on it.
    expect(await liveChunks('scheduler')).toStrictEqual([...Array.from({ length: bigChunks }, (_, i) => `a.${i}`), 'b.0']);
    await snapshots.save('scheduler', { v: 1 }, 11, { small: 'again' });
    expect(await liveChunks('scheduler')).toStrictEqual(['a.0', 'b.0']);
    const loaded = await snapshots.load('scheduler', { v: 1 });
    expect(loaded.ok && loaded.snapshot.info.seq).toBe(11);
    expect(loaded.ok && loaded.snapshot.state).toStrictEqual({ small: 'again' });
  });

  test('a deleted snapshot is gone from info, load and list, every chunk of it is deleted, and the name can be saved again', async () => {
    await snapshots.save('agent-gone', { v: 1 }, 3, bigState(20_000));
    await snapshots.save('agent-gone', { v: 1 }, 4, { second: true });
    await snapshots.delete('agent-gone');
    expect(await snapshots.info('agent-gone')).toBeUndefined();
    expect(await snapshots.load('agent-gone', { v: 1 })).toStrictEqual({ ok: false });
    expect((await snapshots.list()).map((s) => s.name)).not.toContain('agent-gone');
    expect(await liveChunks('agent-gone')).toStrictEqual([]);
    await snapshots.delete('agent-gone');
    await snapshots.save('agent-gone', { v: 1 }, 5, { back: true });
    const loaded = await snapshots.load('agent-gone', { v: 1 });
    expect(loaded.ok && loaded.snapshot.state).toStrictEqual({ back: true });
  });

  test('names that are not KV key tokens (":", ".", "=", "/", non-ASCII) are stored under their own keys and listed by their names', async () => {
    const names = ['agent-a:1', 'agent-a.1', 'agent-a=3A1', 'sched/uler', 'api-ünï'];
    for (const [i, name] of names.entries()) await snapshots.save(name, { v: 1 }, 100 + i, { name });
    const listed = new Map((await snapshots.list()).map((s) => [s.name, s.seq]));
    for (const [i, name] of names.entries()) {
      expect(listed.get(name)).toBe(100 + i);
      const loaded = await snapshots.load(name, { v: 1 });
      expect(loaded.ok && loaded.snapshot.state).toStrictEqual({ name });
    }
    await expect(snapshots.save('', { v: 1 }, 1, {})).rejects.toThrow(RangeError);
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
