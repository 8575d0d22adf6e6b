import { describe, expect, test } from 'vitest';
import { portAttributes, portAttributesView, tagsMatch, timesView } from './attributes.js';
import type { PortState } from '@leasehold/protocol';

describe("Neutron's fields kept for clients", () => {
  test('tag filters: tags wants all, tags-any one, not-tags not all, not-tags-any none; no filter keeps everything', () => {
    const redBlue = ['red', 'blue'];
    expect(tagsMatch(redBlue, {})).toBe(true);
    expect(tagsMatch(redBlue, { tags: 'red,blue' })).toBe(true);
    expect(tagsMatch(['red'], { tags: 'red,blue' })).toBe(false);
    expect(tagsMatch(['red'], { 'tags-any': 'blue,red' })).toBe(true);
    expect(tagsMatch([], { 'tags-any': 'blue,red' })).toBe(false);
    expect(tagsMatch(redBlue, { 'not-tags': 'red,blue' })).toBe(false);
    expect(tagsMatch(['red'], { 'not-tags': 'red,blue' })).toBe(true);
    expect(tagsMatch(['red'], { 'not-tags-any': 'blue,red' })).toBe(false);
    expect(tagsMatch([], { 'not-tags-any': 'blue,red' })).toBe(true);
  });

  test('an allowed address pair takes an IPv4 or IPv6 address or CIDR and an optional MAC (lower-cased); anything else is refused naming the pair', () => {
    const pairs = ['198.18.0.5', '198.18.0.0/24', '2001:db8::5', '2001:db8::/64', '0.0.0.0/0'].map((ip_address) => ({ ip_address }));
    expect(portAttributes({ allowed_address_pairs: [...pairs, { ip_address: '198.18.0.6', mac_address: 'FA:16:3E:00:00:0A' }] }).allowedAddressPairs).toEqual([
      ...pairs.map((p) => ({ ipAddress: p.ip_address })),
      { ipAddress: '198.18.0.6', macAddress: 'fa:16:3e:00:00:0a' },
    ]);
    for (const ip_address of ['198.18.0.256', '198.18.0.0/33', '2001:db8::/129', 'host', '198.18.0.0/', '198.18.0.0/2x']) {
      expect(() => portAttributes({ allowed_address_pairs: [{ ip_address }] }), ip_address).toThrow(/allowed|valid IP/);
    }
    expect(() => portAttributes({ allowed_address_pairs: [{ ip_address: '198.18.0.5' }, { ip_address: '198.18.0.6', mac_address: 'fa:16' }] })).toThrow(/'fa:16' is not a valid MAC address/);
  });

  test('a port shows what it keeps, a pair without a MAC with the port\'s own, and Neutron\'s defaults for what it never had; times in Neutron\'s format', () => {
    const port = { macAddress: 'fa:16:3e:00:00:01', allowedAddressPairs: [{ ipAddress: '198.18.0.0/28' }], tags: ['a'] } as unknown as PortState;
    expect(portAttributesView(port)).toEqual({
      description: '',
      tags: ['a'],
      port_security_enabled: true,
      'binding:host_id': '',
      'binding:profile': {},
      allowed_address_pairs: [{ ip_address: '198.18.0.0/28', mac_address: 'fa:16:3e:00:00:01' }],
    });
    expect(timesView({ createdAt: Date.UTC(2026, 11, 7, 5, 58, 22, 999), updatedAt: Date.UTC(2026, 11, 7, 6, 0, 0) })).toEqual({ created_at: '2026-12-07T05:58:22Z', updated_at: '2026-12-07T06:00:00Z' });
    expect(timesView(undefined)).toEqual({ created_at: null, updated_at: null });
  });
});
