/**
 * What makes projection snapshots safe to keep on a replicated journal: a
 * crash mid-save, a torn chunk, two writers of one name, and never a stream
 * purge (nats-server 2.9.10 replays a purge as "everything up to the stream's
 * last sequence" on a restarting clustered node, nats-io/nats-server#4196).
 */
import { fc } from '@fast-check/vitest';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SnapshotBusyError } from '../errors.js';
import { Journal } from '../journal.js';
import { startTestNats, type TestNats } from '../testing/index.js';
import { ProjectionSnapshots } from './projection-snapshots.js';
import { chunkKey, manifestKey } from './snapshot-keys.js';
import { decodeManifest, encodeManifest } from './snapshot-manifest.js';

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

/** A state of about `kib` KiB packed (several chunks past 256). */
const sized = (kib: number, tag: string) => ({ tag, blob: tag.repeat(Math.ceil((kib * 1024) / tag.length)) });

/** Records every JetStream API subject requested on the server's account while `run` runs (another connection listens). */
async function apiRequestsDuring(listener: NatsConnection, run: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const sub = listener.subscribe('$JS.API.>', { callback: (_error, msg) => void seen.push(msg.subject) });
  await listener.flush();
  await run();
  // Everything the run sent has reached the server before its answers came back; one round trip more delivers it here.
  await journal.nc.flush();
  await listener.flush();
  sub.unsubscribe();
  return seen;
}

describe('projection snapshots on a journal that must never be purged', () => {
  test('a writer that dies after writing some chunks of a new save leaves the previous snapshot loadable; the next save completes and drops the dead one\'s extra chunks', async () => {
    const first = sized(600, 'first');
    await snapshots.save('agent-crash', { v: 1 }, 100, first);
    // What a save that died mid-way leaves: the manifest still names slot a (with the dead
    // writer's claim on b), and four chunks of b, more than the next save will write.
    const manifest = await kv.get(manifestKey('agent-crash'));
    const current = decodeManifest(manifest!.value);
    expect(current.snapshot?.slot).toBe('a');
    await kv.update(manifestKey('agent-crash'), encodeManifest({ ...current, writing: { slot: 'b', by: 'dead-writer', at: Date.now() } }), manifest!.revision);
    for (let i = 0; i < 4; i++) await kv.put(chunkKey('agent-crash', 'b', i), new Uint8Array(256 * 1024).fill(i));

    const loaded = await snapshots.load('agent-crash', { v: 1 });
    expect(loaded.ok && loaded.snapshot.info.seq).toBe(100);
    expect(loaded.ok && loaded.snapshot.state).toStrictEqual(first);
    // The claim is fresh: another writer may not write over it yet...
    await expect(snapshots.save('agent-crash', { v: 1 }, 150, { too: 'soon' })).rejects.toBeInstanceOf(SnapshotBusyError);
    // ...and once it is stale (a writer that died), the next save takes the slot.
    const later = await ProjectionSnapshots.open(journal, { claimTimeoutMs: 0 });
    await later.save('agent-crash', { v: 1 }, 200, { after: 'crash' });
    const reloaded = await snapshots.load('agent-crash', { v: 1 });
    expect(reloaded.ok && reloaded.snapshot.state).toStrictEqual({ after: 'crash' });
    expect((await kv.get(chunkKey('agent-crash', 'b', 0)))?.operation).toBe('PUT');
    for (let i = 1; i < 4; i++) expect((await kv.get(chunkKey('agent-crash', 'b', i)))?.operation).toBe('DEL');
    // The previous snapshot's slot is untouched.
    expect((await kv.get(chunkKey('agent-crash', 'a', 2)))?.operation).toBe('PUT');
  });

  test('a snapshot whose content does not match its SHA-256 is reported unreadable, not returned', async () => {
    await snapshots.save('agent-torn', { v: 1 }, 7, sized(300, 'torn'));
    const slot = decodeManifest((await kv.get(manifestKey('agent-torn')))!.value).snapshot!.slot;
    // Same length, other bytes: only the digest can tell.
    const chunk = (await kv.get(chunkKey('agent-torn', slot, 1)))!.value;
    await kv.put(chunkKey('agent-torn', slot, 1), chunk.map((b) => b ^ 0xff));
    const loaded = await snapshots.load('agent-torn', { v: 1 });
    expect(loaded).toMatchObject({ ok: false, refusal: { reason: 'unreadable' } });
    expect(String((loaded as { refusal: { error: Error } }).refusal.error.message)).toMatch(/SHA-256/);
    await expect(snapshots.read('agent-torn')).rejects.toThrow(/SHA-256/);
    // A missing chunk is unreadable too.
    await kv.delete(chunkKey('agent-torn', slot, 0));
    expect(await snapshots.load('agent-torn', { v: 1 })).toMatchObject({ ok: false, refusal: { reason: 'unreadable' } });
  });

  test('two writers of one name saving at once never mix their chunks: each save succeeds or is refused busy, and what is stored is one of them, whole', async () => {
    const writers = await Promise.all([ProjectionSnapshots.open(journal), ProjectionSnapshots.open(journal)]);
    for (let round = 0; round < 5; round++) {
      // Sizes differ (and swap each round), so chunks of one save written over another's would show.
      const states = writers.map((_, w) => sized((w + round) % 2 === 0 ? 1200 : 300, `r${round}w${w}`));
      const outcomes = await Promise.allSettled(writers.map((writer, w) => writer.save('scheduler', { v: 1 }, round * 10 + w, states[w])));
      for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(SnapshotBusyError);
      const saved = outcomes.flatMap((o, w) => (o.status === 'fulfilled' ? [w] : []));
      expect(saved.length).toBeGreaterThan(0);
      const loaded = await snapshots.load('scheduler', { v: 1 });
      expect(loaded.ok).toBe(true);
      if (!loaded.ok) return;
      const w = loaded.snapshot.info.seq - round * 10;
      expect(saved).toContain(w);
      expect(loaded.snapshot.state).toStrictEqual(states[w]);
    }
  });

  test('saving, replacing and deleting snapshots never sends a stream purge (or any stream-changing request) to JetStream', async () => {
    const listener = await nats.connect('listener');
    // The probe sees what it must catch: a purge request from the journal's connection.
    await journal.jsm.streams.add({ name: 'PROBE', subjects: ['probe.>'] });
    const control = await apiRequestsDuring(listener, () => journal.jsm.streams.purge('PROBE', { filter: 'probe.x' }));
    expect(control).toContain('$JS.API.STREAM.PURGE.PROBE');

    const seen = await apiRequestsDuring(listener, async () => {
      await snapshots.save('agent-nopurge', { v: 1 }, 1, sized(900, 'one'));
      await snapshots.save('agent-nopurge', { v: 1 }, 2, sized(300, 'two'));
      await snapshots.save('agent-nopurge', { v: 1 }, 3, sized(100, 'three'));
      await snapshots.list();
      await snapshots.load('agent-nopurge', { v: 1 });
      await snapshots.delete('agent-nopurge');
    });
    expect(seen.length).toBeGreaterThan(0);
    const kinds = new Set(seen.map((s) => s.split('.').slice(2, 4).join('.')));
    // Reads (stream info with its subject list, direct gets) only; KV puts and deletes are plain publishes.
    expect([...kinds].sort()).toStrictEqual(['DIRECT.GET', 'STREAM.INFO']);
    expect(seen.filter((s) => /PURGE|MSG\.DELETE/.test(s))).toStrictEqual([]);
  });

  test('after any sequence of saves and deletes, list and load show exactly the last save of each name not deleted since', async () => {
    const names = ['agent-p1', 'agent-p:2', 'scheduler.x', 'api'];
    const op = fc.oneof(
      fc.record({ kind: fc.constant('save' as const), name: fc.constantFrom(...names), kib: fc.constantFrom(0, 1, 300, 600) }),
      fc.record({ kind: fc.constant('delete' as const), name: fc.constantFrom(...names) }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 8 }), async (ops) => {
        const prefix = `run${run++}-`;
        const model = new Map<string, { seq: number; state: unknown }>();
        for (const [seq, o] of ops.entries()) {
          const name = prefix + o.name;
          if (o.kind === 'delete') {
            await snapshots.delete(name);
            model.delete(name);
          } else {
            const state = o.kib === 0 ? { seq } : sized(o.kib, `s${seq}`);
            await snapshots.save(name, { v: 1 }, seq, state);
            model.set(name, { seq, state });
          }
        }
        const listed = (await snapshots.list()).filter((s) => s.name.startsWith(prefix));
        expect(listed.map((s) => [s.name, s.seq])).toStrictEqual([...model].map(([n, m]) => [n, m.seq]).sort(([a], [b]) => String(a).localeCompare(String(b))));
        for (const n of names) {
          const loaded = await snapshots.load(prefix + n, { v: 1 });
          const want = model.get(prefix + n);
          expect(loaded.ok ? loaded.snapshot.state : undefined).toStrictEqual(want?.state);
        }
      }),
      { numRuns: 12 },
    );
  });
});
