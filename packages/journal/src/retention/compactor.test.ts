import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fc, test as prop } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { VersionConflictError } from '../errors.js';
import { Journal } from '../journal.js';
import { ProjectionSnapshots, type SnapshotInfo } from '../snapshots/projection-snapshots.js';
import { startSnapshottedProjection } from '../snapshots/snapshotted-projection.js';
import { startProjection } from '../projection.js';
import { startTestNats, testEvent, type TestNats } from '../testing/index.js';
import { compactJournal, compactionFloor, planCompaction, snapshotKind } from './compactor.js';

const info = (name: string, seq: number, at: number): SnapshotInfo => ({ name, v: 1, fingerprint: '', seq, at, bytes: 1 });

describe('the compaction floor', () => {
  const snapshotArb = fc.record({ name: fc.constantFrom('agent-a', 'agent-b', 'api', 'scheduler', 'scheduler-2'), seq: fc.nat(1000), at: fc.nat(1000) });
  prop.prop([fc.nat(1200), fc.array(snapshotArb, { maxLength: 8 }), fc.nat(1000)])(
    'is the highest sequence below the window start, the event after every snapshot taken in the window, and the event after the newest snapshot of each kind',
    (windowStart, raw, windowFrom) => {
      const snapshots = raw.map((s) => info(s.name, s.seq, s.at));
      const { floor, pinnedBy } = compactionFloor(windowStart, snapshots, windowFrom);
      const bounds = [windowStart, ...snapshots.filter((s) => s.at >= windowFrom).map((s) => s.seq + 1)];
      for (const kind of new Set(snapshots.map((s) => snapshotKind(s.name)))) {
        bounds.push(Math.max(...snapshots.filter((s) => snapshotKind(s.name) === kind).map((s) => s.seq)) + 1);
      }
      expect(floor).toBe(Math.min(...bounds));
      if (pinnedBy) expect(pinnedBy.seq + 1).toBe(floor);
      else expect(floor).toBe(windowStart);
    },
  );

  test('while a required kind has no snapshot at all, nothing is purged (its processes would have nothing to start from)', () => {
    const snapshots = [info('agent-a', 50, 0), info('scheduler', 60, 0)];
    expect(compactionFloor(100, snapshots, 0, ['api', 'scheduler', 'agent'])).toStrictEqual({ floor: 0, pinnedBy: undefined, missing: ['api'] });
    expect(compactionFloor(100, [...snapshots, info('api', 70, 0)], 0, ['api', 'scheduler', 'agent'])).toMatchObject({ floor: 51, missing: [] });
  });

  test('every agent is one kind; schedulers and APIs by their name prefix', () => {
    expect(['agent-h1', 'agent-x', 'scheduler', 'scheduler-b', 'api', 'mine'].map(snapshotKind)).toStrictEqual(['agent', 'agent', 'scheduler', 'scheduler', 'api', 'mine']);
  });
});

describe('compacting a journal', () => {
  let nats: TestNats;
  let journal: Journal;
  let snapshots: ProjectionSnapshots;
  beforeAll(async () => {
    nats = await startTestNats();
    journal = await Journal.open(await nats.connect());
    snapshots = await ProjectionSnapshots.open(journal);
  });
  afterAll(() => nats.stop());

  /** A fold keeping, per subject, the values in order: restored from a snapshot it must equal the full fold. */
  async function fold(name: string) {
    let lists = new Map<string, number[]>();
    const projection = await startSnapshottedProjection(journal, {
      name,
      filter: 'lh.evt.test.>',
      snapshots,
      every: { events: Number.MAX_SAFE_INTEGER },
      fold: { v: 1, take: () => lists, restore: (state) => (lists = state as Map<string, number[]>) },
      apply: (s) => void lists.set(s.subject, [...(lists.get(s.subject) ?? []), (s.event.data as { n: number }).n]),
    });
    await projection.caughtUp;
    return { projection, lists: () => lists };
  }

  test('history outside the window and behind every snapshot is purged; a process restarts exactly from its snapshot; writers of an aggregate whose last event was purged still write, exactly one winning', async () => {
    const kind = randomUUID().slice(0, 8);
    const subject = (k: number) => `lh.evt.test.${kind}.k${k}`;
    // Old history: 200 events over 4 aggregates, k0 written only at the very start.
    let k0 = 0;
    for (let i = 0; i < 200; i++) {
      const r = await journal.append(subject(i === 0 ? 0 : 1 + (i % 3)), [testEvent(kind, 'Put', { n: i })]);
      if (i === 0) k0 = r.version;
    }
    const full = await fold(`agent-${kind}`);
    const expected = new Map(full.lists());
    await full.projection.stop(); // a snapshot at the last event
    await sleep(30);
    const cut = Date.now();
    await sleep(30);
    await journal.append(subject(2), [testEvent(kind, 'Put', { n: 1000 })]);

    const before = await planCompaction(journal, snapshots, { windowMs: 10, now: cut + 10, requiredKinds: ['agent'] });
    expect(before.windowStart).toBe(before.lastSeq); // only the newest event is inside the window
    const result = await compactJournal(journal, snapshots, { windowMs: 10, now: cut + 10, requiredKinds: ['agent'] });
    expect(result.purged).toBeGreaterThanOrEqual(200);
    expect(result.bytesAfter).toBeLessThan(result.bytesBefore);
    expect(await journal.firstRetained()).toBe(result.floor);

    // Restart from the snapshot: what was purged is in it, and the retained tail is folded on top.
    const restarted = await fold(`agent-${kind}`);
    expected.set(subject(2), [...(expected.get(subject(2)) ?? []), 1000]);
    expect(restarted.lists()).toStrictEqual(expected);
    expect(restarted.projection.start.replayedAtStart).toBe(1);
    await restarted.projection.stop();
    // A new process of the same kind, with no snapshot of its own, starts from that one exactly.
    const newcomer = await fold(`agent-new-${kind}`);
    expect(newcomer.projection.start.restoredFrom?.name).toBe(`agent-${kind}`);
    expect(newcomer.lists()).toStrictEqual(expected);
    await newcomer.projection.stop();

    // k0's last event was purged: two writers who know version k0 race; exactly one wins, and the
    // loser's conflict names the winner's event, as before compaction.
    expect(await journal.version(subject(0))).toBe(0);
    const racing = await Promise.allSettled([0, 1].map((n) => journal.append(subject(0), [testEvent(kind, 'Put', { n })], k0)));
    expect(racing.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = racing.find((r) => r.status === 'rejected');
    expect(lost?.status === 'rejected' && lost.reason instanceof VersionConflictError && lost.reason.actualVersion).toBe(await journal.version(subject(0)));
    expect(await journal.read(subject(0))).toHaveLength(1);
  });

  test('a live projection folds every event while the stream is purged just behind it', async () => {
    const kind = randomUUID().slice(0, 8);
    const seen: number[] = [];
    const live = await startProjection(journal, { name: `live-${kind}`, filter: `lh.evt.test.${kind}.>`, fromStart: true, apply: (s) => void seen.push(s.seq) });
    await live.caughtUp;
    const written: number[] = [];
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 30; i++) written.push((await journal.append(`lh.evt.test.${kind}.k${i % 5}`, [testEvent(kind, 'Put', { n: i })])).version);
      // Just behind the writer, but never past what the projection has folded: the compactor's floor never
      // passes a running process's snapshot, so neither does this (a projection slowed by a busy machine lagged 3 once).
      await journal.jsm.streams.purge(journal.layout.stream, { seq: Math.min(written.at(-1)! - 3, live.position() + 1) });
    }
    await expect.poll(() => seen.length, { timeout: 5_000 }).toBe(written.length);
    expect(seen).toStrictEqual(written);
    await live.stop();
  });

  test('the newest snapshot of each kind holds the floor back, and so does any snapshot taken inside the window', async () => {
    const kind = randomUUID().slice(0, 8);
    for (const old of await snapshots.list()) await snapshots.delete(old.name);
    for (let i = 0; i < 20; i++) await journal.append(`lh.evt.test.${kind}.a`, [testEvent(kind, 'Put', { n: i })]);
    const { state } = await journal.jsm.streams.info(journal.layout.stream);
    await snapshots.save(`scheduler-${kind}`, { v: 1 }, state.last_seq - 5, new Map());
    const plan = await planCompaction(journal, snapshots, { windowMs: 0, now: Date.now() + 60_000, requiredKinds: [] });
    expect(plan.floor).toBe(state.last_seq - 4);
    expect(plan.pinnedBy?.name).toBe(`scheduler-${kind}`);
    // A newer scheduler snapshot frees it; an older agent snapshot taken inside the window holds it again.
    await snapshots.save(`scheduler-b-${kind}`, { v: 1 }, state.last_seq, new Map());
    expect((await planCompaction(journal, snapshots, { windowMs: 0, now: Date.now() + 60_000, requiredKinds: [] })).floor).toBe(state.last_seq + 1);
    await sleep(20);
    const cut = Date.now();
    await sleep(5);
    await snapshots.save(`agent-${kind}`, { v: 1 }, state.last_seq - 10, new Map());
    await snapshots.save(`agent-z-${kind}`, { v: 1 }, state.last_seq, new Map());
    const pinned = await planCompaction(journal, snapshots, { windowMs: 10, now: cut + 10, requiredKinds: ['agent'] });
    expect(pinned.windowStart).toBe(state.last_seq + 1);
    expect(pinned.floor).toBe(state.last_seq - 9);
    expect(pinned.pinnedBy?.name).toBe(`agent-${kind}`);
  });
});
