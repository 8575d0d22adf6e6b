import { decodeStoredEvent, encodeEvent, formatIpv6, parseIpv6 } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { LeaseEventShapeError } from './errors.js';
import { lease6FromEnvelope, lease6NetworkIdOf, lease6Subject, lease6ToEnvelope, type JournaledLease6Event } from './lease6-events.js';
import { Lease6Table, lease6Identity } from './lease6-table.js';

const at = 1_700_000_000_000;
const duid = '000300010800271a2b3c';
const bound = (ip: string, iaid = 1, expiresAt = at + 3_600_000, who = duid): JournaledLease6Event => ({ type: 'Lease6Bound', at, ip, duid: who, iaid, expiresAt });

describe('IPv6 lease events', () => {
  test('live on lh.evt.lease6.<network>.<RFC 5952 text>, apart from the IPv4 leases', () => {
    expect(lease6Subject('net-1', '2001:db8:1::10')).toBe('lh.evt.lease6.net-1.2001:db8:1::10');
    expect(lease6NetworkIdOf('lh.evt.lease6.net-1.2001:db8:1::10')).toBe('net-1');
    expect(lease6NetworkIdOf('lh.evt.lease.net-1.198-18-0-1')).toBeUndefined();
    expect(lease6NetworkIdOf('lh.evt.lease6.net-1')).toBeUndefined();
  });

  test('an event goes through its envelope and bytes, on its subject, unchanged', () => {
    const event = { ...bound('2001:db8:1::10'), mac: '08:00:27:1a:2b:3c' };
    const envelope = lease6ToEnvelope('net-1', event, { id: 'e-1' });
    expect(envelope.aggregate).toBe('lease6/net-1/2001:db8:1::10');
    const stored = decodeStoredEvent(lease6Subject('net-1', '2001:db8:1::10'), encodeEvent(envelope));
    expect(lease6FromEnvelope(stored)).toStrictEqual(event);
  });

  test('an IPv4 lease event or bad data is refused with a named problem', () => {
    expect(() => lease6FromEnvelope({ type: 'LeaseBound', v: 1, id: 'x', aggregate: 'a', at, data: {} })).toThrow(LeaseEventShapeError);
    expect(() => lease6FromEnvelope({ type: 'Lease6Bound', v: 1, id: 'x', aggregate: 'a', at, data: { ip: '2001:DB8::1', duid, iaid: 1, expiresAt: at } })).toThrow(/data.ip/);
  });
});

describe('Lease6Table', () => {
  const a = parseIpv6('2001:db8:1::10');
  const b = parseIpv6('2001:db8:1::11');
  const id = lease6Identity(duid, 1);

  test('a bind gives the IA its address; a later bind moves it and frees the old address', () => {
    const table = new Lease6Table('net-1', 60_000);
    table.apply(bound('2001:db8:1::10'));
    expect(table.binding(id)?.address).toBe(a);
    expect(table.holderAt(a, at)).toBe(id);
    table.apply(bound('2001:db8:1::11'));
    expect(table.binding(id)?.address).toBe(b);
    expect(table.holderAt(a, at)).toBeUndefined();
    expect(table.size).toBe(1);
  });

  test("another IA's bind of a held address takes it: one holder per address", () => {
    const table = new Lease6Table('net-1', 60_000);
    table.apply(bound('2001:db8:1::10'));
    table.apply(bound('2001:db8:1::10', 7, at + 1000, '0003000108002700ffff'));
    expect(table.binding(id)).toBeUndefined();
    expect(table.holderAt(a, at)).toBe(lease6Identity('0003000108002700ffff', 7));
  });

  test('an expired lease holds its address no more but stays its IA\'s binding until Lease6Expired', () => {
    const table = new Lease6Table('net-1', 60_000);
    table.apply(bound('2001:db8:1::10', 1, at + 1000));
    expect(table.holderAt(a, at + 1000)).toBeUndefined();
    expect(table.binding(id)?.address).toBe(a);
    expect(table.expired(at + 1000, 10).map((l) => l.identity)).toStrictEqual([id]);
    expect(table.expired(at + 999, 10)).toStrictEqual([]);
    // An expiry naming an older lease than the one now held leaves it.
    table.apply({ type: 'Lease6Renewed', at, ip: '2001:db8:1::10', duid, iaid: 1, expiresAt: at + 5000 });
    table.apply({ type: 'Lease6Expired', at, ip: '2001:db8:1::10', expiresAt: at + 1000 });
    expect(table.binding(id)?.validUntil).toBe(at + 5000);
    table.apply({ type: 'Lease6Expired', at, ip: '2001:db8:1::10', expiresAt: at + 5000 });
    expect(table.binding(id)).toBeUndefined();
  });

  test('a release by the holder frees the address, by anyone else changes nothing; a decline quarantines it', () => {
    const table = new Lease6Table('net-1', 60_000);
    table.apply(bound('2001:db8:1::10'));
    table.apply({ type: 'Lease6Released', at, ip: '2001:db8:1::10', duid, iaid: 2 });
    expect(table.holderAt(a, at)).toBe(id);
    table.apply({ type: 'Lease6Released', at, ip: '2001:db8:1::10', duid, iaid: 1 });
    expect(table.holderAt(a, at)).toBeUndefined();
    table.apply(bound('2001:db8:1::11'));
    table.apply({ type: 'Lease6Declined', at, ip: '2001:db8:1::11', duid, iaid: 1 });
    expect(table.binding(id)).toBeUndefined();
    expect(table.holderAt(b, at + 59_999)).toBe('declined');
    expect(table.holderAt(b, at + 60_000)).toBeUndefined();
  });

  test('a snapshot restores the same bindings, holders and quarantines', () => {
    const table = new Lease6Table('net-1', 60_000);
    table.apply({ ...bound('2001:db8:1::10'), mac: '08:00:27:1a:2b:3c' } as JournaledLease6Event);
    table.apply(bound('2001:db8:1::11', 2));
    table.apply({ type: 'Lease6Declined', at, ip: '2001:db8:1::11', duid, iaid: 2 });
    const restored = Lease6Table.restore(structuredClone(table.snapshot(formatIpv6)), 60_000);
    expect([...restored.leases()]).toStrictEqual([...table.leases()]);
    expect(restored.holderAt(b, at)).toBe('declined');
    expect(() => Lease6Table.restore({ networkId: 'n', leases: [['nonsense', duid, 1, null, at]], declined: [] }, 1)).toThrow();
  });

  test("a client's host name is kept across a renewal that sends none, dropped with a new bind, and kept by a snapshot (an older one without names restores too)", () => {
    const table = new Lease6Table('net-1', 60_000);
    table.apply({ ...bound('2001:db8:1::10'), hostname: 'vm-6', source: 'pool', message: 'request' } as JournaledLease6Event);
    table.apply({ type: 'Lease6Renewed', at, ip: '2001:db8:1::10', duid, iaid: 1, expiresAt: at + 5000, message: 'renew' });
    expect(table.binding(id)?.hostname).toBe('vm-6');
    const restored = Lease6Table.restore(structuredClone(table.snapshot(formatIpv6)), 60_000);
    expect(restored.binding(id)?.hostname).toBe('vm-6');
    expect(Lease6Table.restore({ networkId: 'n', leases: [['2001:db8:1::10', duid, 1, null, at]], declined: [] }, 1).binding(id)?.hostname).toBeUndefined();
    table.apply(bound('2001:db8:1::10'));
    expect(table.binding(id)?.hostname).toBeUndefined();
  });
});
