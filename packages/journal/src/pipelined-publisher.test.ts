import { randomUUID } from 'node:crypto';
import { JetStreamApiError } from '@nats-io/jetstream';
import { TimeoutError, type NatsConnection } from '@nats-io/transport-node';
import { aggregateSubject } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Journal } from './journal.js';
import { PipelinedPublisher } from './pipelined-publisher.js';
import { startTestNats, type TestNats } from './testing/index.js';

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
const data = new TextEncoder().encode('x');

describe('PipelinedPublisher on a real nats-server', () => {
  test('many publishes in flight at once each resolve with their own acknowledgement, in the order sent', async () => {
    const publisher = new PipelinedPublisher(nc);
    const subjects = Array.from({ length: 200 }, fresh);
    const acks = await Promise.all(subjects.map((subject) => publisher.publish(subject, data, { msgId: randomUUID(), lastSubjectSequence: 0 })));
    const seqs = acks.map((a) => a.seq);
    expect(seqs).toStrictEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(subjects.length);
    expect(acks.every((a) => a.stream === journal.layout.stream && !a.duplicate)).toBe(true);
    for (const [i, subject] of subjects.entries()) expect(await journal.version(subject)).toBe(seqs[i]);
    expect(publisher.pending).toBe(0);
  });

  test('the same message id again is acknowledged as a duplicate with the first sequence', async () => {
    const publisher = new PipelinedPublisher(nc);
    const subject = fresh();
    const msgId = randomUUID();
    const first = await publisher.publish(subject, data, { msgId });
    const again = await publisher.publish(subject, data, { msgId });
    expect(again).toMatchObject({ seq: first.seq, duplicate: true });
  });

  test("a wrong expected last subject sequence is JetStream's error 10071, and only one of two racing writers wins", async () => {
    const publisher = new PipelinedPublisher(nc);
    const subject = fresh();
    const results = await Promise.allSettled([0, 0].map(() => publisher.publish(subject, data, { msgId: randomUUID(), lastSubjectSequence: 0 })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected')!.reason as unknown;
    expect(lost).toBeInstanceOf(JetStreamApiError);
    expect((lost as JetStreamApiError).code).toBe(10071);
  });

  test('a subject no stream takes is said as nats.js says it (JetStreamNotEnabled), not left to time out', async () => {
    const publisher = new PipelinedPublisher(nc, 60_000);
    const error = await publisher.publish(`nostream.${randomUUID()}`, data, { msgId: randomUUID() }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('JetStreamNotEnabled');
  });

  test('a publish nobody acknowledges fails with a TimeoutError; the publisher goes on serving the next', async () => {
    // A plain subscriber on a subject no stream takes: the server sees a responder, which never answers.
    const subject = `silent.${randomUUID()}`;
    const silent = nc.subscribe(subject);
    const publisher = new PipelinedPublisher(nc, 200);
    const error = await publisher.publish(subject, data, { msgId: randomUUID() }).catch((e: unknown) => e);
    silent.unsubscribe();
    expect(error).toBeInstanceOf(TimeoutError);
    expect(publisher.pending).toBe(0);
    expect((await publisher.publish(fresh(), data, { msgId: randomUUID() })).seq).toBeGreaterThan(0);
  });

  test('publishes in flight when the connection closes fail instead of waiting for ever', async () => {
    const other = await nats.connect();
    const subject = `silent.${randomUUID()}`;
    const silent = nc.subscribe(subject);
    const publisher = new PipelinedPublisher(other, 60_000);
    const inFlight = publisher.publish(subject, data, { msgId: randomUUID() }).catch((e: unknown) => e);
    await other.flush();
    await other.close();
    silent.unsubscribe();
    expect(await inFlight).toBeInstanceOf(Error);
    expect(publisher.pending).toBe(0);
  });
});
