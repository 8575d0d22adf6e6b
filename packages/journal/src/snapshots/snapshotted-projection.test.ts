import { randomUUID } from 'node:crypto';
import { fc } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Journal } from '../journal.js';
import { startTestNats, testEvent, type TestNats } from '../testing/index.js';
import { ProjectionSnapshots } from './projection-snapshots.js';
import { startSnapshottedProjection, type SnapshotNotice } from './snapshotted-projection.js';

let nats: TestNats;
let journal: Journal;
let snapshots: ProjectionSnapshots;
beforeAll(async () => {
  nats = await startTestNats();
  journal = await Journal.open(await nats.connect());
  snapshots = await ProjectionSnapshots.open(journal);
});
afterAll(() => nats.stop());

/** An order-sensitive fold: per key, the list of values in journal order (a wrong or repeated event changes it). */
function listFold() {
  let lists = new Map<string, number[]>();
  return {
    apply: (subject: string, n: number) => {
      const list = lists.get(subject) ?? [];
      lists.set(subject, [...list, n]);
    },
    fold: {
      v: 1,
      take: () => lists,
      restore: (state: unknown) => {
        if (!(state instanceof Map)) throw new TypeError('not a map');
        lists = state as Map<string, number[]>;
      },
    },
    view: () => lists,
  };
}

async function run(name: string, filter: string, options: { every?: number; ignoreSnapshot?: boolean; v?: number } = {}) {
  const f = listFold();
  const notices: SnapshotNotice[] = [];
  const projection = await startSnapshottedProjection(journal, {
    name,
    filter,
    snapshots,
    fold: { ...f.fold, v: options.v ?? 1 },
    every: { events: options.every ?? 1_000_000 },
    ...(options.ignoreSnapshot ? { ignoreSnapshot: true } : {}),
    onSnapshot: (n) => notices.push(n),
    apply: (s) => f.apply(s.subject, (s.event.data as { n: number }).n),
  });
  await projection.caughtUp;
  return { projection, view: f.view, notices };
}

async function write(kind: string, values: readonly { key: number; n: number }[]) {
  for (const { key, n } of values) await journal.append(`lh.evt.test.${kind}.k${key}`, [testEvent(kind, 'Put', { n })]);
}

// Short histories: each run appends them one request at a time and starts three projections, and
// CI runs this on two cores shared with every other package's tests (15 runs of up to 50 appends
// once took over 30 s there).
const events = fc.array(fc.record({ key: fc.integer({ min: 0, max: 4 }), n: fc.integer() }), { minLength: 1, maxLength: 12 });

describe('snapshotted projections', () => {
  test('a process started from a snapshot plus the tail reaches exactly the state a full fold reaches', { timeout: 180_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(events, events, fc.integer({ min: 1, max: 10 }), async (before, after, every) => {
        const kind = randomUUID();
        const filter = `lh.evt.test.${kind}.>`;
        await write(kind, before);
        // A first process folds, snapshots every `every` events and at its stop.
        const first = await run(`p-${kind}`, filter, { every });
        await first.projection.stop();
        await write(kind, after);
        const restarted = await run(`p-${kind}`, filter);
        expect(restarted.projection.start.restoredFrom?.seq).toBeGreaterThan(0);
        expect(restarted.projection.start.replayedAtStart).toBe(after.length);
        const full = await run(`full-${kind}`, filter, { ignoreSnapshot: true });
        expect(restarted.view()).toStrictEqual(full.view());
        await Promise.all([restarted.projection.stop(), full.projection.stop()]);
      }),
      { numRuns: 15 },
    );
  });

  test('a snapshot taken mid-stream covers exactly the events up to its sequence', async () => {
    const kind = randomUUID();
    const filter = `lh.evt.test.${kind}.>`;
    await write(kind, Array.from({ length: 10 }, (_, i) => ({ key: i % 3, n: i })));
    const first = await run(`p-${kind}`, filter, { every: 4 });
    const info = await first.projection.snapshotNow();
    expect(info?.seq).toBe(first.projection.position());
    // Stopped without its final snapshot being newer than what it folded: a restart replays nothing.
    await first.projection.stop();
    const again = await run(`p-${kind}`, filter);
    expect(again.projection.start.replayedAtStart).toBe(0);
    expect(again.view()).toStrictEqual(first.view());
    await again.projection.stop();
  });

  test('a snapshot of an older schema version is ignored: the projection folds everything retained', async () => {
    const kind = randomUUID();
    const filter = `lh.evt.test.${kind}.>`;
    await write(kind, [{ key: 1, n: 1 }, { key: 2, n: 2 }, { key: 1, n: 3 }]);
    const old = await run(`p-${kind}`, filter, { v: 1 });
    await old.projection.stop();
    const upgraded = await run(`p-${kind}`, filter, { v: 2 });
    expect(upgraded.notices[0]).toMatchObject({ kind: 'loading' });
    expect(upgraded.notices).toContainEqual(expect.objectContaining({ kind: 'refused', refusal: expect.objectContaining({ reason: 'version' }) }));
    expect(upgraded.projection.start.restoredFrom).toBeUndefined();
    expect(upgraded.projection.start.replayedAtStart).toBe(3);
    expect(upgraded.view()).toStrictEqual(old.view());
    await upgraded.projection.stop();
  });

  test('a snapshot the fold cannot take is reported and the projection folds everything instead', async () => {
    const kind = randomUUID();
    const filter = `lh.evt.test.${kind}.>`;
    await write(kind, [{ key: 1, n: 5 }]);
    await snapshots.save(`p-${kind}`, { v: 1 }, 999_999, 'not a map');
    const started = await run(`p-${kind}`, filter);
    expect(started.notices).toContainEqual(expect.objectContaining({ kind: 'restore-failed' }));
    expect(started.view()).toStrictEqual(new Map([[`lh.evt.test.${kind}.k1`, [5]]]));
    await started.projection.stop();
  });
});
