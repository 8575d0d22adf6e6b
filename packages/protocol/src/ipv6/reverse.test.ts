import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { IPV6_MAX, parseIpv6 } from './address.js';
import { ip6ArpaName, parseIp6ArpaName } from './reverse.js';

const ipv6 = fc.bigInt({ min: 0n, max: IPV6_MAX });

describe('ip6.arpa names', () => {
  test.prop([ipv6])("the name's 32 labels are the address's 32 nibbles in reverse", (a) => {
    const labels = ip6ArpaName(a).split('.');
    expect(labels.slice(32)).toStrictEqual(['ip6', 'arpa']);
    const nibbles = a.toString(16).padStart(32, '0').split('');
    expect(labels.slice(0, 32)).toStrictEqual(nibbles.reverse());
  });

  test.prop([ipv6, fc.boolean(), fc.boolean()])('reading a name back gives the address, in any case, with or without the final dot', (a, upper, dot) => {
    const name = ip6ArpaName(a);
    expect(parseIp6ArpaName(`${upper ? name.toUpperCase() : name}${dot ? '.' : ''}`)).toBe(a);
  });

  test('RFC 3596 2.5 example, and names that are no single address', () => {
    expect(ip6ArpaName(parseIpv6('4321:0:1:2:3:4:567:89ab'))).toBe('b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa');
    expect(parseIp6ArpaName('8.b.d.0.1.0.0.2.ip6.arpa')).toBeUndefined();
    expect(parseIp6ArpaName('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.in-addr.arp')).toBeUndefined();
    expect(parseIp6ArpaName('g.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa')).toBeUndefined();
    expect(parseIp6ArpaName('10.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa')).toBeUndefined();
  });
});
