import { describe, expect, test } from 'vitest';
import { splitServers } from './nats.js';

describe('NATS server lists', () => {
  test('a comma-separated list of URLs (a cluster) becomes one entry per server; one URL stays one', () => {
    expect(splitServers('nats://n1:7422, nats://n2:7422,nats://n3:7422')).toStrictEqual(['nats://n1:7422', 'nats://n2:7422', 'nats://n3:7422']);
    expect(splitServers('nats://127.0.0.1:7422')).toStrictEqual(['nats://127.0.0.1:7422']);
  });
});
