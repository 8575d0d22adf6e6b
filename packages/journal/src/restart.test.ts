import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Journal } from './journal.js';
import { startProjection } from './projection.js';
import { startTestNats, testEvent, type TestNats } from './testing/index.js';

let nats: TestNats;

beforeAll(async () => {
  nats = await startTestNats();
});
afterAll(() => nats.stop());

describe('durability across server restarts', () => {
  test('every acknowledged event is still there after the server stops and starts on the same store', async () => {
    const journal = await Journal.open(await nats.connect());
    const subject = `lh.evt.test.${randomUUID()}`;
    const events = Array.from({ length: 200 }, (_, n) => testEvent(subject, 'Added', { n }));
    const acked = await Promise.all(events.map((e) => journal.publish(subject, e)));
    await nats.restart();
    const reopened = await Journal.open(await nats.connect());
    const stored = await reopened.read(subject);
    expect(stored.map((s) => s.seq)).toStrictEqual(acked.map((a) => a.seq));
    expect(stored.map((s) => s.event)).toStrictEqual(events);
  });

  test('every acknowledged event survives a SIGKILL of the server', async () => {
    const journal = await Journal.open(await nats.connect());
    const subject = `lh.evt.test.${randomUUID()}`;
    const events = Array.from({ length: 100 }, (_, n) => testEvent(subject, 'Added', { n }));
    await Promise.all(events.map((e) => journal.publish(subject, e)));
    await nats.crashAndRestart();
    const reopened = await Journal.open(await nats.connect());
    expect((await reopened.read(subject)).map((s) => s.event)).toStrictEqual(events);
  });

  test('a projection resumes from its checkpoint after the server restarts', async () => {
    const journal = await Journal.open(await nats.connect());
    const kind = randomUUID();
    const subject = `lh.evt.test.${kind}`;
    await journal.append(subject, [1, 2, 3].map((n) => testEvent(subject, 'Added', { n })));
    const before: number[] = [];
    const first = await startProjection(journal, { name: `p-${kind}`, filter: subject, apply: (s) => void before.push(s.seq) });
    await first.caughtUp;
    await first.stop();

    await nats.restart();
    const reopened = await Journal.open(await nats.connect());
    await reopened.append(subject, [4].map((n) => testEvent(subject, 'Added', { n })));
    const after: number[] = [];
    const second = await startProjection(reopened, { name: `p-${kind}`, filter: subject, apply: (s) => void after.push(s.seq) });
    await second.caughtUp;
    expect(before).toHaveLength(3);
    expect(after).toHaveLength(1);
    expect(after[0]).toBeGreaterThan(before.at(-1)!);
    await second.stop();
  });
});
