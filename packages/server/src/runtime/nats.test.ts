import type { NatsConnection } from '@nats-io/transport-node';
import { describe, expect, test } from 'vitest';
import { connectedRuntime, splitServers } from './nats.js';

describe('NATS server lists', () => {
  test('a comma-separated list of URLs (a cluster) becomes one entry per server; one URL stays one', () => {
    expect(splitServers('nats://n1:7422, nats://n2:7422,nats://n3:7422')).toStrictEqual(['nats://n1:7422', 'nats://n2:7422', 'nats://n3:7422']);
    expect(splitServers('nats://127.0.0.1:7422')).toStrictEqual(['nats://127.0.0.1:7422']);
  });
});

describe('a runtime on connections opened elsewhere', () => {
  // Stand-ins that fail the test if the runtime closes what it does not own.
  const connection = (name: string) => ({ name, close: () => expect.fail(`${name} closed`), drain: () => expect.fail(`${name} drained`) }) as unknown as NatsConnection;

  test('every part runs on the one connection, the API\'s journal on its own when given one, and closing it closes neither', async () => {
    const nc = connection('parts');
    const journalNc = connection('api-journal');
    const shared = connectedRuntime('nats://a:7422,nats://b:7422', nc);
    expect([shared.connectionOf('api'), shared.connectionOf('api-journal'), shared.connectionOf('scheduler'), shared.connectionOf('agent')]).toStrictEqual([nc, nc, nc, nc]);
    expect(shared.connections).toStrictEqual([nc]);
    expect(shared.embedded).toBeUndefined();
    const split = connectedRuntime('nats://a:7422', nc, journalNc);
    expect([split.connectionOf('api'), split.connectionOf('api-journal')]).toStrictEqual([nc, journalNc]);
    expect(split.connections).toStrictEqual([nc, journalNc]);
    await shared.abandon();
    await split.close();
  });
});
