import { describe, expect, test } from 'vitest';
import { splitServers } from './nats.js';

describe('NATS server lists', () => {
  test('a comma-separated list of URLs (a cluster) becomes one entry per server; one URL stays one', () => {
    expect(splitServers('nats://n1:4222, nats://n2:4222,nats://n3:4222')).toStrictEqual(['nats://n1:4222', 'nats://n2:4222', 'nats://n3:4222']);
    expect(splitServers('nats://127.0.0.1:4222')).toStrictEqual(['nats://127.0.0.1:4222']);
  });
});
