import { describe, expect, test } from 'vitest';
import { OwnAddresses6 } from './own-addresses6.js';

describe("the agent's own IPv6 addresses", () => {
  test('only the addresses this agent added are taken back, and one already gone is forgotten; another failure is reported and tried again', async () => {
    const calls: string[] = [];
    let failWith: string | undefined;
    const own = new OwnAddresses6({
      add: async (ifname, address) => (calls.push(`add ${address} ${ifname}`), address.endsWith('::9') ? 'present' : 'added'),
      remove: async (ifname, address) => {
        calls.push(`remove ${address} ${ifname}`);
        if (failWith) throw Object.assign(new Error('failed'), { stderr: failWith });
      },
    });
    await own.ensure('eth1', '2001:db8:1::2', 64);
    await own.ensure('eth1', '2001:db8:1::9', 64);
    expect(await own.releaseExcept([['eth1', '2001:db8:1::2']])).toStrictEqual([]);
    expect(calls.filter((c) => c.startsWith('remove'))).toStrictEqual([]);
    failWith = 'RTNETLINK answers: Operation not permitted';
    expect(await own.releaseExcept([])).toStrictEqual(['cannot remove 2001:db8:1::2/64 from eth1: RTNETLINK answers: Operation not permitted']);
    failWith = 'Error: ipv6: address not found. Cannot assign requested address';
    expect(await own.releaseExcept([])).toStrictEqual([]);
    failWith = undefined;
    expect(await own.releaseExcept([])).toStrictEqual([]);
    expect(calls.filter((c) => c.startsWith('remove'))).toStrictEqual(['remove 2001:db8:1::2 eth1', 'remove 2001:db8:1::2 eth1']);
  });
});
