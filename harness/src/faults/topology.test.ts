import { describe, expect, test } from 'vitest';
import { usedThirdOctets } from './topology.js';

describe('fault topology addresses', () => {
  test('the /24s of 198.19.0.0/16 in use are read from `ip -j addr`, a /20 counting as sixteen of them', () => {
    const json = JSON.stringify([
      { ifname: 'lo', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
      {
        ifname: 'lh30253bh',
        addr_info: [
          { family: 'inet', local: '198.19.90.1', prefixlen: 24 },
          { family: 'inet', local: '198.19.128.2', prefixlen: 20 },
          { family: 'inet6', local: 'fe80::1', prefixlen: 64 },
        ],
      },
      { ifname: 'eth0', addr_info: [{ family: 'inet', local: '198.18.0.1', prefixlen: 15 }] },
      { ifname: 'x' },
    ]);
    expect([...usedThirdOctets(json)].sort((a, b) => a - b)).toStrictEqual([90, ...Array.from({ length: 16 }, (_, i) => 128 + i)]);
    expect(usedThirdOctets('').size).toBe(0);
  });
});
