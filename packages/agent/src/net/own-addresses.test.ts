import { parseIpv4 as v4, type Ipv4 } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { createTestLink } from '../testing/netns.js';
import { interfaceAddresses } from './interfaces.js';
import { OwnAddresses, type AddressCommands } from './own-addresses.js';

/** Commands over an in-memory host: `present` addresses are there already (the operator's). */
function fakeHost(present: string[] = []) {
  const on = new Set(present);
  const removed: string[] = [];
  const failing = new Set<string>();
  const commands: AddressCommands = {
    add: async (ifname, address) => {
      const k = `${ifname}/${address}`;
      if (on.has(k)) return 'present';
      on.add(k);
      return 'added';
    },
    remove: async (ifname, address) => {
      const k = `${ifname}/${address}`;
      if (failing.has(k)) throw Object.assign(new Error('failed'), { stderr: 'RTNETLINK answers: Operation not permitted' });
      if (!on.delete(k)) throw Object.assign(new Error('failed'), { stderr: 'RTNETLINK answers: Cannot assign requested address' });
      removed.push(k);
    },
  };
  return { commands, on, removed, failing };
}

const a = v4('198.18.60.2');
const b = v4('198.18.61.2');
const k = (ifname: string, ip: Ipv4) => `${ifname}/${ip}`;

describe("the addresses the agent put on interfaces", () => {
  test('those of networks no longer served are taken back; kept ones and an operator’s never', async () => {
    const host = fakeHost([k('eth1', b)]);
    const own = new OwnAddresses(host.commands);
    await own.ensure('eth1', a, 24);
    await own.ensure('eth1', b, 24); // the operator's: present, not ours
    expect(await own.releaseExcept([['eth1', a]])).toStrictEqual([]);
    expect(host.removed).toStrictEqual([]);
    expect(await own.releaseExcept([])).toStrictEqual([]);
    expect(host.removed).toStrictEqual([k('eth1', a)]);
    expect(host.on.has(k('eth1', b))).toBe(true);
    expect(own.held()).toStrictEqual([]);
  });

  test('a removal that fails is reported and tried again; an address already gone is forgotten', async () => {
    const host = fakeHost();
    const own = new OwnAddresses(host.commands);
    await own.ensure('eth1', a, 24);
    await own.ensure('eth2', b, 24);
    host.failing.add(k('eth1', a));
    host.on.delete(k('eth2', b)); // someone took it off already
    expect(await own.releaseExcept([])).toStrictEqual(['cannot remove 198.18.60.2/24 from eth1: RTNETLINK answers: Operation not permitted']);
    expect(own.held()).toStrictEqual(['eth1/198.18.60.2']);
    host.failing.clear();
    expect(await own.releaseExcept([])).toStrictEqual([]);
    expect(own.held()).toStrictEqual([]);
  });

  test('on a real interface: the address it added is removed, the one that was there stays', async () => {
    await using link = await createTestLink({ hostAddress: '198.18.62.1/24' });
    const own = new OwnAddresses();
    await own.ensure(link.hostIf, v4('198.18.62.1'), 24);
    await own.ensure(link.hostIf, v4('198.18.63.2'), 24);
    expect(interfaceAddresses(link.hostIf).map((x) => x.address)).toContain(v4('198.18.63.2'));
    expect(await own.releaseExcept([])).toStrictEqual([]);
    expect(interfaceAddresses(link.hostIf).map((x) => x.address)).toStrictEqual([v4('198.18.62.1')]);
  });
});
