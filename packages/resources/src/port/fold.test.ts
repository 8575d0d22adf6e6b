import type { PortState } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { applyPortEvent } from './fold.js';

const port: PortState = {
  id: 'p1',
  networkId: 'n1',
  name: 'vm',
  macAddress: 'fa:16:3e:00:00:01',
  fixedIps: [{ subnetId: 's1', ipAddress: 0xc6120005 }],
  dnsName: 'vm',
  extraDhcpOpts: [],
  deviceOwner: 'compute:nova',
  deviceId: 'd1',
  adminStateUp: true,
};

describe('a port as a fold of its events', () => {
  test('created, updated field by field, deleted', () => {
    const created = applyPortEvent(undefined, { type: 'PortCreated', at: 1, port });
    expect(created).toBe(port);
    const updated = applyPortEvent(created, { type: 'PortUpdated', at: 2, changes: { name: 'web', dnsName: 'web' } });
    expect(updated).toStrictEqual({ ...port, name: 'web', dnsName: 'web' });
    expect(applyPortEvent(updated, { type: 'PortDeleted', at: 3, networkId: 'n1' })).toBeUndefined();
  });

  test('an update of a port not held changes nothing; a second PortCreated replaces the port', () => {
    expect(applyPortEvent(undefined, { type: 'PortUpdated', at: 2, changes: { name: 'x' } })).toBeUndefined();
    const moved = { ...port, networkId: 'n2' };
    expect(applyPortEvent(port, { type: 'PortCreated', at: 3, port: moved })).toBe(moved);
  });
});
