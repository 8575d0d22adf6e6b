import { randomUUID } from 'node:crypto';
import { encodeEvent } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Journal } from './journal.js';
import { startProjection } from './projection.js';
import { startTestNats, testEvent, type TestNats } from './testing/index.js';

let nats: TestNats;
let journal: Journal;

beforeAll(async () => {
  nats = await startTestNats();
  journal = await Journal.open(await nats.connect());
});
afterAll(() => nats.stop());

/** A projection summing `n` over one aggregate kind, keeping the sum beside its checkpoint. */
async function summing(name: string, filter: string) {
  const seen: number[] = [];
  let sum = 0;
  const projection = await startProjection(journal, {
    name,
    filter,
    apply: (s) => {
      seen.push(s.seq);
      sum += (s.event.data as { n: number }).n;
    },
    saveState: () => sum,
    restoreState: (state) => (sum = state as number),
    checkpointEvery: { events: 3 },
  });
  return { projection, seen, sum: () => sum };
}

describe('projections', () => {
  test('a projection folds every event in order and says when it has caught up', async () => {
    const kind = randomUUID();
    const subject = `lh.evt.test.${kind}.a`;
    await journal.append(subject, [1, 2, 3, 4].map((n) => testEvent(subject, 'Added', { n })), 0);
    const { projection, seen, sum } = await summing(`p-${kind}`, `lh.evt.test.${kind}.>`);
    await projection.caughtUp;
    expect(sum()).toBe(10);
    expect(seen).toStrictEqual([...seen].sort((a, b) => a - b));
    await projection.stop();
  });

  test('a restarted projection resumes from its checkpoint and replays only the tail', async () => {
    const kind = randomUUID();
    const subject = `lh.evt.test.${kind}.a`;
    const filter = `lh.evt.test.${kind}.>`;
    await journal.append(subject, [1, 2, 3, 4, 5].map((n) => testEvent(subject, 'Added', { n })), 0);
    const first = await summing(`p-${kind}`, filter);
    await first.projection.caughtUp;
    await first.projection.stop();
    const stoppedAt = first.projection.position();

    await journal.append(subject, [10, 20].map((n) => testEvent(subject, 'Added', { n })));
    const second = await summing(`p-${kind}`, filter);
    await second.projection.caughtUp;
    expect(second.seen).toHaveLength(2);
    expect(second.seen[0]).toBeGreaterThan(stoppedAt);
    expect(second.sum()).toBe(45);
    await second.projection.stop();
  });

  test('a projection keeps following events appended after it caught up', async () => {
    const kind = randomUUID();
    const subject = `lh.evt.test.${kind}.a`;
    const { projection, sum } = await summing(`p-${kind}`, `lh.evt.test.${kind}.>`);
    await projection.caughtUp;
    await journal.append(subject, [7, 8].map((n) => testEvent(subject, 'Added', { n })));
    await expect.poll(sum, { timeout: 5000 }).toBe(15);
    await projection.stop();
  });

  test('an undecodable event is skipped and reported, and the projection goes on', async () => {
    const kind = randomUUID();
    const subject = `lh.evt.test.${kind}.a`;
    await journal.append(subject, [testEvent(subject, 'Added', { n: 1 })]);
    await journal.js.publish(subject, new Uint8Array([0xc1, 0xff, 0x00]));
    await journal.js.publish(subject, encodeEvent({ ...testEvent(subject, 'Added', { n: 1 }), v: 0 }));
    await journal.append(subject, [testEvent(subject, 'Added', { n: 2 })]);
    const bad: number[] = [];
    let sum = 0;
    const projection = await startProjection(journal, {
      name: `p-${kind}`,
      filter: `lh.evt.test.${kind}.>`,
      apply: (s) => void (sum += (s.event.data as { n: number }).n),
      onBadEvent: (seq) => bad.push(seq),
    });
    await projection.caughtUp;
    expect(sum).toBe(3);
    expect(bad).toHaveLength(2);
    expect(projection.stats).toMatchObject({ applied: 2, skipped: 2 });
    await projection.stop();
  });

  test('an event the fold throws on is skipped and reported, and the projection goes on', async () => {
    const kind = randomUUID();
    const subject = `lh.evt.test.${kind}.a`;
    await journal.append(subject, [1, -1, 2].map((n) => testEvent(subject, 'Added', { n })));
    const bad: number[] = [];
    let sum = 0;
    const projection = await startProjection(journal, {
      name: `p-${kind}`,
      filter: `lh.evt.test.${kind}.>`,
      apply: (s) => {
        const n = (s.event.data as { n: number }).n;
        if (n < 0) throw new Error('negative');
        sum += n;
      },
      onBadEvent: (seq) => bad.push(seq),
    });
    await projection.caughtUp;
    expect(sum).toBe(3);
    expect(bad).toHaveLength(1);
    expect(projection.stats).toMatchObject({ applied: 2, skipped: 1 });
    await projection.stop();
  });
});
