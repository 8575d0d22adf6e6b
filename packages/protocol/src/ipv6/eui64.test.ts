import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { formatIpv6 } from './address.js';
import { eui64Address, eui64InterfaceId } from './eui64.js';
import { InvalidMacError } from './errors.js';
import { parseIpv6Prefix } from './prefix.js';

const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));
const bytesOf = (id: bigint) => Array.from({ length: 8 }, (_, i) => Number((id >> BigInt(56 - 8 * i)) & 0xffn));

describe('EUI-64 interface ids', () => {
  test.prop([mac])('the id is the MAC split around ff:fe with only the universal/local bit flipped', (m) => {
    const b = m.split(':').map((h) => parseInt(h, 16));
    const id = bytesOf(eui64InterfaceId(m));
    expect(id[0]! ^ b[0]!).toBe(0x02);
    expect(id.slice(1)).toStrictEqual([b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]]);
  });

  test.prop([mac, mac])('two MACs give the same id only when they are the same MAC', (a, b) => {
    expect(eui64InterfaceId(a) === eui64InterfaceId(b)).toBe(a === b);
  });

  test.prop([mac])('the address keeps the /64 prefix in its high half and the id in its low half', (m) => {
    const block = parseIpv6Prefix('2001:db8:1::/64');
    const address = eui64Address(block, m);
    expect(address >> 64n).toBe(block.address >> 64n);
    expect(address & ((1n << 64n) - 1n)).toBe(eui64InterfaceId(m));
  });

  test("a Neutron port's MAC gives Neutron's address (RFC 4291 appendix A's example form)", () => {
    expect(formatIpv6(eui64Address(parseIpv6Prefix('2001:db8:1::/64'), 'fa:16:3e:11:22:33'))).toBe('2001:db8:1:0:f816:3eff:fe11:2233');
    expect(formatIpv6(eui64Address(parseIpv6Prefix('fd00::/64'), 'FA:16:3E:00:00:01'))).toBe('fd00::f816:3eff:fe00:1');
  });

  test('a bad MAC or a prefix other than /64 is refused', () => {
    expect(() => eui64InterfaceId('fa:16:3e:11:22')).toThrow(InvalidMacError);
    expect(() => eui64InterfaceId('fa-16-3e-11-22-33')).toThrow(InvalidMacError);
    expect(() => eui64Address(parseIpv6Prefix('2001:db8::/56'), 'fa:16:3e:11:22:33')).toThrow(RangeError);
  });
});
