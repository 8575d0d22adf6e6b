import { test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { tokenId } from '../testing/index.js';
import { bindingAggregate, bindingNetworkIdOf, bindingSubject } from './subjects.js';

describe('binding subjects', () => {
  test.prop([tokenId])('the network id read back from a binding subject is the one it was built with', (id) => {
    expect(bindingNetworkIdOf(bindingSubject(id))).toBe(id);
  });

  test("a network's bindings are one aggregate and one subject; other subjects name no binding", () => {
    expect(bindingAggregate('n1')).toBe('binding/n1');
    expect(bindingSubject('n1')).toBe('lh.evt.binding.n1');
    for (const subject of ['lh.evt.network.n1', 'lh.evt.binding', 'lh.evt.binding.n1.x']) expect(bindingNetworkIdOf(subject)).toBeUndefined();
  });
});
