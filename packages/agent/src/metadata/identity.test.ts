import { parseIpv4 as v4, type PortState } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { callerOf, novaHeaders, signInstanceId, sourceAddress } from './identity.js';

const port = (id: string, ip: string, over: Partial<PortState> = {}): PortState => ({
  id,
  networkId: 'n1',
  name: id,
  macAddress: 'fa:16:3e:00:00:01',
  fixedIps: [{ subnetId: 's1', ipAddress: v4(ip) }],
  dnsName: '',
  extraDhcpOpts: [],
  deviceOwner: 'compute:nova',
  deviceId: `vm-${id}`,
  adminStateUp: true,
  projectId: 'project-a',
  ...over,
});

describe("the caller's identity and Nova's headers", () => {
  test("the signature is Neutron's: hex HMAC-SHA256 of the instance id keyed with the shared secret (the value Python's hmac gives)", () => {
    // python3 -c "import hmac,hashlib;print(hmac.new(b'leasehold-secret', b'9f0c7a3e-1b2d-4c5e-8f70-112233445566', hashlib.sha256).hexdigest())"
    expect(signInstanceId('9f0c7a3e-1b2d-4c5e-8f70-112233445566', 'leasehold-secret')).toBe('ba0a7632cbff9e57c638490380d985d85e2223df682fe1475150c00ad262a887');
    expect(signInstanceId('9f0c7a3e-1b2d-4c5e-8f70-112233445566', 'another-secret')).not.toBe('ba0a7632cbff9e57c638490380d985d85e2223df682fe1475150c00ad262a887');
  });

  test('the caller is the one port whose fixed IP is the source address: its device_id and project', () => {
    const ports = [port('p1', '198.18.60.11'), port('p2', '198.18.60.12', { projectId: 'project-b' })];
    expect(callerOf(v4('198.18.60.12'), ports, { projectId: 'project-net' })).toStrictEqual({ instanceId: 'vm-p2', tenantId: 'project-b', portId: 'p2' });
  });

  test('a port of events written before quotas (no project) speaks for its network\'s project', () => {
    const { projectId: _, ...old } = port('p1', '198.18.60.11');
    expect(callerOf(v4('198.18.60.11'), [old], { projectId: 'project-net' })?.tenantId).toBe('project-net');
  });

  test('an address of no port, of two ports, or of a port bound to no device is no caller (404)', () => {
    const ports = [port('p1', '198.18.60.11'), port('p2', '198.18.60.13'), port('p3', '198.18.60.13'), port('p4', '198.18.60.14', { deviceId: '' })];
    expect(callerOf(v4('198.18.60.99'), ports, undefined)).toBeUndefined();
    expect(callerOf(v4('198.18.60.13'), ports, undefined)).toBeUndefined();
    expect(callerOf(v4('198.18.60.14'), ports, undefined)).toBeUndefined();
  });

  test("an IPv6 caller is the port with that fixed IPv6 address; a link-local one, the port whose MAC its EUI-64 id carries (Neutron's get_mac_addr_by_ipv6)", () => {
    const ports = [
      port('p1', '198.18.60.11', { macAddress: 'fa:16:3e:12:34:56', fixedIps6: [{ subnetId: 's6', ipAddress: '2001:db8:60::11' }] }),
      port('p2', '198.18.60.12', { macAddress: 'fa:16:3e:ab:cd:ef' }),
    ];
    expect(callerOf(sourceAddress('2001:db8:60::11')!, ports, undefined)?.portId).toBe('p1');
    expect(callerOf(sourceAddress('2001:db8:60:0::11')!, ports, undefined)?.portId).toBe('p1');
    // fe80:: + f816:3eff:feab:cdef is fa:16:3e:ab:cd:ef's interface id (the universal/local bit flipped).
    expect(callerOf(sourceAddress('fe80::f816:3eff:feab:cdef%eth0')!, ports, undefined)?.portId).toBe('p2');
    expect(callerOf(sourceAddress('fe80::1')!, ports, undefined)).toBeUndefined();
    expect(callerOf(sourceAddress('2001:db8:60::99')!, ports, undefined)).toBeUndefined();
  });

  test('a source address is IPv4, IPv6 (zone dropped) or an IPv4-mapped IPv6 address read as IPv4; anything else is none', () => {
    expect(sourceAddress('198.18.60.11')).toBe(v4('198.18.60.11'));
    expect(sourceAddress('::ffff:198.18.60.11')).toBe(v4('198.18.60.11'));
    expect(sourceAddress('fe80::a9fe:a9fe%eth1')).toBe(0xfe80_0000_0000_0000_0000_0000_a9fe_a9fen);
    expect(sourceAddress('')).toBeUndefined();
    expect(sourceAddress('not-an-address')).toBeUndefined();
  });

  test("Nova gets exactly Neutron's four headers", () => {
    const headers = novaHeaders({ instanceId: 'vm-1', tenantId: 'project-a', portId: 'p1' }, '198.18.60.11', 's3cret');
    expect(headers).toStrictEqual({
      'X-Forwarded-For': '198.18.60.11',
      'X-Instance-ID': 'vm-1',
      'X-Tenant-ID': 'project-a',
      'X-Instance-ID-Signature': signInstanceId('vm-1', 's3cret'),
    });
  });
});
