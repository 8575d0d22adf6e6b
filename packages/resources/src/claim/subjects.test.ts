import { fc, test } from '@fast-check/vitest';
import { formatIpv4, formatIpv6 } from '@leasehold/protocol';
import { describe, expect } from 'vitest';
import { tokenId } from '../testing/index.js';
import { claimOf, ip6ClaimSubject, ipClaimSubject, macClaimSubject } from './subjects.js';

const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));

describe('claim subjects', () => {
  test.prop([tokenId, fc.nat({ max: 0xffffffff })])('an address claim subject gives back its network and the address as its token', (networkId, ip) => {
    expect(claimOf(ipClaimSubject(networkId, ip))).toStrictEqual({ kind: 'ipam', networkId, token: formatIpv4(ip).replaceAll('.', '-') });
  });

  test.prop([tokenId, fc.bigInt({ min: 0n, max: (1n << 128n) - 1n })])('an IPv6 address claim subject gives back its network and the RFC 5952 text as its token, one token whatever the address', (networkId, ip) => {
    const subject = ip6ClaimSubject(networkId, formatIpv6(ip));
    expect(subject.split('.')).toHaveLength(5);
    expect(claimOf(subject)).toStrictEqual({ kind: 'ipam', networkId, token: formatIpv6(ip) });
  });

  test.prop([tokenId, mac])('a MAC claim subject gives back its network and the MAC', (networkId, m) => {
    expect(claimOf(macClaimSubject(networkId, m))).toStrictEqual({ kind: 'mac', networkId, token: m });
  });

  test('other subjects are no claims', () => {
    expect(ipClaimSubject('n1', 0xc6120005)).toBe('lh.evt.ipam.n1.198-18-0-5');
    expect(ip6ClaimSubject('n1', '2001:db8:1::5')).toBe('lh.evt.ipam.n1.2001:db8:1::5');
    for (const subject of ['lh.evt.lease.n1.198-18-0-5', 'lh.evt.ipam.n1', 'lh.evt.mac.n1.aa.bb']) expect(claimOf(subject)).toBeUndefined();
  });
});
