import { fc, test } from '@fast-check/vitest';
import { formatIpv4 } from '@leasehold/protocol';
import { describe, expect } from 'vitest';
import { eventLine, formatEventData } from './format.js';

describe('demo event lines', () => {
  test.prop([fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 4_102_444_800_000 })])(
    'show a lease address dotted and its instants as UTC clock times',
    (ip, expiresAt) => {
      const text = formatEventData({ ip, expiresAt }, 1000);
      expect(text).toBe(`ip=${formatIpv4(ip)} expiresAt=${new Date(expiresAt).toISOString().slice(11, 19)}`);
    },
  );

  test.prop([fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue(), { maxKeys: 8 }), fc.integer({ min: 1, max: 200 })])(
    'never exceed the width they are given',
    (data, width) => {
      expect(formatEventData(data, width).length).toBeLessThanOrEqual(width);
    },
  );

  test('quote text with spaces so key=value pairs stay apart', () => {
    expect(formatEventData({ name: 'dhcp port of a', mac: 'fa:16:3e:00:00:01' })).toBe('name="dhcp port of a" mac=fa:16:3e:00:00:01');
  });

  test.prop([fc.integer({ min: 1, max: 1e9 }), fc.constantFrom('LeaseBound', 'NetworkCreated', 'AgentHeartbeat')])(
    'name the sequence number, the type and the subject on the first line',
    (seq, type) => {
      const [first] = eventLine({ seq, subject: 'lh.evt.x.y', event: { type, data: {} } }).split('\n');
      expect(first).toMatch(new RegExp(`^#${seq}\\s+${type}\\s+lh\\.evt\\.x\\.y$`));
    },
  );
});
