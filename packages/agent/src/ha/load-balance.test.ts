import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { loadBalanceHash, servesClient } from './load-balance.js';

describe('RFC 3074 load balancing', () => {
  test('the mixing table is a permutation, so the hash of a one-byte key is spread over all 256 values', () => {
    const seen = new Set(Array.from({ length: 256 }, (_, b) => loadBalanceHash(new Uint8Array([b]))));
    expect(seen.size).toBe(256);
  });

  test.prop([fc.uint8Array({ minLength: 1, maxLength: 20 }), fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 })])(
    'exactly one of the agents serves each client, whatever order each agent lists its peers in',
    (key, agents) => {
      const servers = agents.filter((a) => servesClient([...agents].reverse(), a, key));
      expect(servers).toHaveLength(1);
      expect(servers).toStrictEqual(agents.filter((a) => servesClient(agents, a, key)));
    },
  );

  test('two agents split a few thousand MACs roughly in half', () => {
    let first = 0;
    for (let i = 0; i < 4096; i++) {
      const mac = new Uint8Array([0x52, 0x54, 0, (i >> 16) & 255, (i >> 8) & 255, i & 255]);
      if (servesClient(['a', 'b'], 'a', mac)) first++;
    }
    expect(first).toBeGreaterThan(4096 * 0.4);
    expect(first).toBeLessThan(4096 * 0.6);
  });
});
