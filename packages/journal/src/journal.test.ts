import { randomUUID } from 'node:crypto';
import { fc, test } from '@fast-check/vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { aggregateSubject } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { VersionConflictError } from './errors.js';
import { Journal, type Fold } from './journal.js';
import { startTestNats, testEvent, type TestNats } from './testing/index.js';

let nats: TestNats;
let nc: NatsConnection;
let journal: Journal;

beforeAll(async () => {
  nats = await startTestNats();
  nc = await nats.connect();
  journal = await Journal.open(nc);
});
afterAll(() => nats.stop());

const fresh = () => aggregateSubject('test', randomUUID());

describe('append', () => {
  test('the first append to a new aggregate expects version 0 and returns its sequence as the version', async () => {
    const subject = fresh();
    const result = await journal.append(subject, [testEvent(subject, 'Created', { n: 1 })], 0);
    expect(result.sequences).toHaveLength(1);
    expect(result.version).toBe(result.sequences[0]);
    expect(await journal.version(subject)).toBe(result.version);
  });

  test('an append with a stale version is a VersionConflictError that names the actual version', async () => {
    const subject = fresh();
    const first = await journal.append(subject, [testEvent(subject, 'Created', {})], 0);
    const conflict = await journal.append(subject, [testEvent(subject, 'Created', {})], 0).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(VersionConflictError);
    expect((conflict as VersionConflictError).expectedVersion).toBe(0);
    expect((conflict as VersionConflictError).actualVersion).toBe(first.version);
  });

  test('several events in one append are stored in order and chained to each other', async () => {
    const subject = fresh();
    const events = [1, 2, 3].map((n) => testEvent(subject, 'Step', { n }));
    const result = await journal.append(subject, events, 0);
    const stored = await journal.read(subject);
    expect(stored.map((s) => s.event)).toStrictEqual(events);
    expect(stored.map((s) => s.seq)).toStrictEqual(result.sequences);
  });

  test('a retried append with the same event id is stored once, even with the old expected version', async () => {
    const subject = fresh();
    const event = testEvent(subject, 'Created', { n: 1 });
    const first = await journal.append(subject, [event], 0);
    const retry = await journal.append(subject, [event], 0);
    expect(retry.duplicates).toBe(1);
    expect(retry.version).toBe(first.version);
    expect(await journal.read(subject)).toHaveLength(1);
  });

  test('opening the journal again on provisioned streams and buckets changes nothing', async () => {
    const before = await journal.jsm.streams.info(journal.layout.stream);
    const again = await Journal.open(nc);
    const after = await again.jsm.streams.info(again.layout.stream);
    expect(after.created).toBe(before.created);
    expect(after.state.messages).toBe(before.state.messages);
  });
});

describe('concurrent writers', () => {
  // Each writer loads the version, waits a generated moment, and appends an
  // event carrying the version it expected; a conflict sends it back to load.
  const plan = fc.record({
    writers: fc.integer({ min: 2, max: 5 }),
    attempts: fc.integer({ min: 1, max: 4 }),
    delays: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 40, maxLength: 40 }),
  });

  test.prop([plan], { numRuns: 15 })(
    'exactly one writer wins each version and the stored history is gap-free and equals what the winners wrote',
    async ({ writers, attempts, delays }) => {
      const subject = fresh();
      const won: { seq: number; id: string }[] = [];
      let tick = 0;
      const writer = async (w: number) => {
        for (let attempt = 0; attempt < attempts; attempt++) {
          const expected = await journal.version(subject);
          await new Promise((r) => setTimeout(r, delays[tick++ % delays.length]));
          const event = testEvent(subject, 'Wrote', { writer: w, attempt, expected });
          try {
            const result = await journal.append(subject, [event], expected);
            won.push({ seq: result.version, id: event.id });
          } catch (error) {
            if (!(error instanceof VersionConflictError)) throw error;
          }
        }
      };
      await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));

      const stored = await journal.read(subject);
      expect(stored.map((s) => ({ seq: s.seq, id: s.event.id }))).toStrictEqual(won.sort((a, b) => a.seq - b.seq));
      // Gap-free: every stored event expected exactly the event before it.
      stored.forEach((s, i) => {
        expect((s.event.data as { expected: number }).expected).toBe(i === 0 ? 0 : stored[i - 1]!.seq);
      });
    },
  );
});

describe('load, snapshots and replay', () => {
  interface Counter {
    count: number;
    log: number[];
  }
  const fold: Fold<Counter> = {
    v: 1,
    initial: () => ({ count: 0, log: [] }),
    apply: (s, e) => ({ count: s.count + (e.data as { n: number }).n, log: [...s.log, (e.data as { n: number }).n] }),
  };

  test.prop([fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 30 }), fc.nat()], { numRuns: 10 })(
    'loading equals folding the events, and snapshot plus tail equals a full replay',
    async (ns, cut) => {
      const subject = fresh();
      await journal.append(subject, ns.map((n) => testEvent(subject, 'Added', { n })), 0);
      const stored = await journal.read(subject);
      const folded = stored.reduce((s, e) => fold.apply(s, e.event, e.seq), fold.initial());
      expect((await journal.load(subject, fold)).state).toStrictEqual(folded);

      const at = cut % stored.length;
      const head = stored.slice(0, at + 1).reduce((s, e) => fold.apply(s, e.event, e.seq), fold.initial());
      await journal.saveSnapshot(subject, { v: fold.v, seq: stored[at]!.seq, state: head });
      const loaded = await journal.load(subject, fold);
      expect(loaded.state).toStrictEqual(folded);
      expect(loaded.version).toBe(stored.at(-1)!.seq);
    },
  );

  test('a snapshot of another schema version is ignored and the aggregate is replayed in full', async () => {
    const subject = fresh();
    await journal.append(subject, [testEvent(subject, 'Added', { n: 2 }), testEvent(subject, 'Added', { n: 3 })], 0);
    await journal.saveSnapshot(subject, { v: 99, seq: await journal.version(subject), state: { count: 1000, log: [] } });
    expect((await journal.load(subject, fold)).state.count).toBe(5);
  });
});
