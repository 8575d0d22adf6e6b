import { AckPolicy } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Journal } from '../journal.js';
import { defaultLayout } from '../provision.js';
import { startTestNats, type TestNats } from '../testing/index.js';
import { guardConsumers, isForbiddenConsumer } from './consumer-guard.js';

let nats: TestNats;
beforeAll(async () => {
  nats = await startTestNats();
});
afterAll(async () => {
  await nats.stop();
});

const names = async (journal: Journal) => {
  const out: string[] = [];
  for await (const info of journal.jsm.consumers.list(journal.layout.stream)) out.push(info.name);
  return out.sort();
};

describe('the events stream takes only short-lived consumers', () => {
  test('a new stream is created with the consumer limit, and the server refuses one consumer past it', async () => {
    const nc = await nats.connect();
    const journal = await Journal.open(nc, { layout: { stream: 'LIMITED', subjects: ['limited.>'], maxConsumers: 2 } });
    expect((await journal.jsm.streams.info('LIMITED')).config.max_consumers).toBe(2);
    const ephemeral = (name: string) => journal.jsm.consumers.add('LIMITED', { name, ack_policy: AckPolicy.None, inactive_threshold: 30_000_000_000 });
    await ephemeral('one');
    await ephemeral('two');
    await expect(ephemeral('three')).rejects.toThrow(/maximum consumers/);
    // Opening it again (every start provisions) keeps the limit and does not fail on it.
    await Journal.open(nc, { layout: { stream: 'LIMITED', subjects: ['limited.>'], maxConsumers: 2 } });
    expect((await journal.jsm.streams.info('LIMITED')).config.max_consumers).toBe(2);
  });

  test('the default stream has a limit', async () => {
    const journal = await Journal.open(await nats.connect());
    expect((await journal.jsm.streams.info(defaultLayout.stream)).config.max_consumers).toBe(defaultLayout.maxConsumers);
  });

  test('a pass removes durable consumers and leaves the readers\' ordered ones', async () => {
    const journal = await Journal.open(await nats.connect());
    const stream = journal.layout.stream;
    // What a role could do: a durable, through the same create subject ordered consumers use.
    await journal.jsm.consumers.add(stream, { durable_name: 'piled-up', ack_policy: AckPolicy.Explicit });
    const reader = await journal.js.consumers.get(stream, { filter_subjects: 'lh.evt.>' });
    const messages = await reader.consume();
    // The ordered consumer exists on the server once it has pulled.
    await expect.poll(async () => (await names(journal)).length, { timeout: 5000 }).toBe(2);
    const ordered = (await names(journal)).find((n) => n !== 'piled-up')!;

    const survey = await guardConsumers(journal);
    expect(survey.removed).toStrictEqual(['piled-up']);
    expect(survey.consumers).toBe(1);
    expect(survey.limit).toBe(defaultLayout.maxConsumers);
    expect(await names(journal)).toStrictEqual([ordered]);
    // Nothing left to remove: a second pass removes nothing.
    expect((await guardConsumers(journal)).removed).toStrictEqual([]);
    // Not awaited: close() settles only once the iterator is read to its end, which nothing here does.
    void messages.close();
  });

  test('the rule: durable names are what outlive their reader', () => {
    expect(isForbiddenConsumer({ config: { durable_name: 'x' } as never })).toBe(true);
    expect(isForbiddenConsumer({ config: { name: 'oc_1' } as never })).toBe(false);
    expect(isForbiddenConsumer({ config: { durable_name: '' } as never })).toBe(false);
  });
});
