import { test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { tokenId } from '../testing/index.js';
import { portAggregate, portIdOf, portSubject } from './subjects.js';

describe('port subjects', () => {
  test.prop([tokenId])('the port id read back from a port subject is the one it was built with', (id) => {
    expect(portIdOf(portSubject(id))).toBe(id);
  });

  test('a port is one aggregate and one subject; other subjects name no port', () => {
    expect(portAggregate('p1')).toBe('port/p1');
    expect(portSubject('p1')).toBe('lh.evt.port.p1');
    for (const subject of ['lh.evt.network.p1', 'lh.evt.port', 'lh.evt.port.p1.x']) expect(portIdOf(subject)).toBeUndefined();
  });
});
