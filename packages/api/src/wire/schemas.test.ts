import { describe, expect, test } from 'vitest';
import { schemas } from './schemas.js';

describe('subnet lease_duration', () => {
  test('is -1 (infinite) or a positive number of seconds; 0, which would expire every lease as it is granted, is refused', () => {
    const create = (lease_duration: number) => schemas.subnetCreate.safeParse({ network_id: 'n1', cidr: '198.18.0.0/24', lease_duration });
    expect([-1, 1, 86_400].map((n) => create(n).success)).toEqual([true, true, true]);
    expect(create(0).error?.issues[0]?.message).toBe('must be -1 (infinite) or at least 1 second, not 0');
    expect(create(-2).success).toBe(false);
  });
});

describe("Neutron's fields kept for clients", () => {
  test('networks, subnets and ports take a description of at most 255 characters and at most 50 tags of 1..255 characters; other shapes are refused', () => {
    for (const kind of ['networkCreate', 'networkUpdate', 'subnetUpdate', 'portUpdate'] as const) {
      const base = kind === 'networkCreate' ? {} : { id: 'x' };
      expect(schemas[kind].safeParse({ ...base, description: 'd'.repeat(255), tags: ['a', 'b'.repeat(255)] }).success, kind).toBe(true);
      expect(schemas[kind].safeParse({ ...base, description: 'd'.repeat(256) }).success, kind).toBe(false);
      expect(schemas[kind].safeParse({ ...base, tags: [''] }).success, kind).toBe(false);
      expect(schemas[kind].safeParse({ ...base, tags: ['b'.repeat(256)] }).success, kind).toBe(false);
      expect(schemas[kind].safeParse({ ...base, tags: 'a' }).success, kind).toBe(false);
      expect(schemas[kind].safeParse({ ...base, tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }).success, kind).toBe(false);
    }
    expect(schemas.subnetCreate.safeParse({ network_id: 'n', cidr: '198.18.0.0/24', description: 'x', tags: ['a'] }).success).toBe(true);
  });

  test('networks take shared and port_security_enabled; ports port_security_enabled, binding:host_id, binding:profile and allowed_address_pairs; subnets none of them', () => {
    expect(schemas.networkCreate.safeParse({ shared: true, port_security_enabled: false }).success).toBe(true);
    expect(schemas.networkCreate.safeParse({ shared: 'yes' }).success).toBe(false);
    for (const value of [true, false, null]) expect(schemas.networkUpdate.safeParse({ id: 'n', 'leasehold:isolated_metadata': value }).success).toBe(true);
    expect(schemas.networkCreate.safeParse({ 'leasehold:isolated_metadata': 'true' }).success).toBe(false);
    const port = { network_id: 'n', port_security_enabled: false, 'binding:host_id': 'compute-1', 'binding:profile': { pci_slot: '0000:05:00.1' }, allowed_address_pairs: [{ ip_address: '198.18.0.0/24', mac_address: 'fa:16:3e:00:00:01' }] };
    expect(schemas.portCreate.safeParse(port).success).toBe(true);
    expect(schemas.portCreate.safeParse({ network_id: 'n', allowed_address_pairs: [{ mac_address: 'fa:16:3e:00:00:01' }] }).success).toBe(false);
    expect(schemas.portCreate.safeParse({ network_id: 'n', allowed_address_pairs: [{ ip_address: '198.18.0.1', colour: 'red' }] }).success).toBe(false);
    expect(schemas.portCreate.safeParse({ network_id: 'n', 'binding:profile': 'x' }).success).toBe(false);
    expect(schemas.portCreate.safeParse({ network_id: 'n', 'binding:profile': { big: 'x'.repeat(5000) } }).success).toBe(false);
    expect(schemas.portCreate.safeParse({ network_id: 'n', shared: true }).success).toBe(false);
    expect(schemas.subnetCreate.safeParse({ network_id: 'n', cidr: '198.18.0.0/24', port_security_enabled: true }).success).toBe(false);
  });

  test('lists take the tag filters as comma-separated text', () => {
    for (const kind of ['networkList', 'subnetList', 'portList'] as const) {
      expect(schemas[kind].safeParse({ tags: 'a,b', 'tags-any': 'c', 'not-tags': 'd', 'not-tags-any': 'e' }).success, kind).toBe(true);
      expect(schemas[kind].safeParse({ tags: ['a'] }).success, kind).toBe(false);
    }
  });
});
