import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { tokenId } from '../testing/index.js';
import { networkAggregate, networkIdOf, networkSubject } from './subjects.js';

describe('network subjects', () => {
  test.prop([tokenId])('the network id read back from a network subject is the one it was built with', (id) => {
    expect(networkIdOf(networkSubject(id))).toBe(id);
  });

  test('a network is one aggregate and one subject, subnets included; other subjects name no network', () => {
    expect(networkAggregate('n1')).toBe('network/n1');
    expect(networkSubject('n1')).toBe('lh.evt.network.n1');
    for (const subject of ['lh.evt.port.n1', 'lh.evt.binding.n1', 'lh.evt.lease.n1.198-18-0-1', 'lh.evt.network.n1.x']) expect(networkIdOf(subject)).toBeUndefined();
    fc.assert(fc.property(tokenId, (id) => networkIdOf(`lh.evt.binding.${id}`) === undefined));
  });
});
