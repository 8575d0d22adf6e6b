import { fc, test } from '@fast-check/vitest';
import { DecodeError, decodeEvent, encodeEvent, UnsupportedEventVersionError } from '@leasehold/protocol';
import { describe, expect } from 'vitest';
import { LeaseEventShapeError } from './errors.js';
import {
  clientKey,
  fromEnvelope,
  leaseAggregate,
  leaseEventRegistry,
  leaseNetworkIdOf,
  leaseSubject,
  leaseTimes,
  toEnvelope,
  type JournaledLeaseEvent,
} from './events.js';
import { aggregateSubject, formatIpv4 as formatIp, parseIpv4 as ipToUint } from '@leasehold/protocol';

const v4 = ipToUint;
const ip = fc.nat({ max: 0xffffffff });
const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));
const client = fc.record({ mac, clientId: fc.option(fc.uint8Array({ minLength: 1, maxLength: 10 }).map((b) => Buffer.from(b).toString('hex')), { nil: undefined }) });
const time = fc.integer({ min: 0, max: 2 ** 45 });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const journaled: fc.Arbitrary<JournaledLeaseEvent> = fc.oneof(
  fc.record({ c: client, ip, at: time, hostname: opt(fc.string()), lease: fc.nat(10 ** 9) }).map(
    ({ c, ip, at, hostname, lease }) => ({ type: 'LeaseBound' as const, ip, ...c, hostname, at, ...leaseTimes(at, lease) }),
  ),
  fc.record({ c: client, ip, at: time, lease: fc.nat(10 ** 9) }).map(
    ({ c, ip, at, lease }) => ({ type: 'LeaseRenewed' as const, ip, ...c, at, ...leaseTimes(at, lease) }),
  ),
  fc.record({ c: client, ip, at: time }).map(({ c, ip, at }) => ({ type: 'LeaseReleased' as const, ip, ...c, at })),
  fc.record({ c: client, ip, at: time, q: fc.nat(10 ** 9), message: opt(fc.string()) }).map(
    ({ c, ip, at, q, message }) => ({ type: 'LeaseDeclined' as const, ip, ...c, at, quarantineUntil: at + q, message }),
  ),
  fc.record({ ip, at: time, expiresAt: time }).map((e) => ({ type: 'LeaseExpired' as const, ...e })),
);

const withoutUndefined = (o: object) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

describe('lease events on the journal', () => {
  test.prop([journaled, fc.uuid()])('an event survives envelope, encoding, decoding and back unchanged', (event, id) => {
    const bytes = encodeEvent(toEnvelope('net-1', event, { id }));
    const decoded = decodeEvent(bytes, leaseEventRegistry);
    expect(decoded).toMatchObject({ type: event.type, v: 1, id, aggregate: `lease/net-1/${formatIp(event.ip)}`, at: event.at });
    expect(fromEnvelope(decoded)).toEqual(withoutUndefined(event));
  });

  test('optional fields left undefined are not written into the data', () => {
    const event = { type: 'LeaseReleased', ip: v4('198.18.0.1'), mac: 'aa:bb:cc:dd:ee:ff', clientId: undefined, at: 1 } as const;
    expect(Object.keys(toEnvelope('n', event, { id: 'x' }).data)).toEqual(['ip', 'mac']);
  });

  test('an envelope of an unknown schema version is refused by the registry', () => {
    const envelope = { ...toEnvelope('n', { type: 'LeaseExpired', ip: v4('198.18.0.1'), at: 5, expiresAt: 5 }, { id: 'x' }), v: 2 };
    expect(() => decodeEvent(encodeEvent(envelope), leaseEventRegistry)).toThrow(UnsupportedEventVersionError);
  });

  test('data missing a field its type needs is a decode error naming the field', () => {
    const envelope = { type: 'LeaseBound', v: 1, id: 'x', aggregate: 'lease/n/198.18.0.1', at: 1, data: { ip: v4('198.18.0.1'), mac: 'aa' } };
    expect(() => fromEnvelope(envelope)).toThrow(LeaseEventShapeError);
    expect(() => fromEnvelope(envelope)).toThrow(/expiresAt/);
    expect(() => fromEnvelope({ ...envelope, data: 7 })).toThrow(DecodeError);
    expect(() => fromEnvelope({ ...envelope, type: 'NetworkCreated' })).toThrow(/not a lease event/);
  });

  test.prop([time, fc.nat(2 ** 32)])('default lease times are ordered: at <= T1 <= T2 <= expiry', (at, lease) => {
    const t = leaseTimes(at, lease);
    expect(at <= t.renewAt && t.renewAt <= t.rebindAt && t.rebindAt <= t.expiresAt).toBe(true);
    expect(t.expiresAt).toBe(at + lease);
  });

  test('a lease is one aggregate and one subject per network and address', () => {
    expect(leaseAggregate('net-1', v4('198.18.0.5'))).toBe('lease/net-1/198.18.0.5');
    expect(leaseSubject('net-1', v4('198.18.0.5'))).toBe('lh.evt.lease.net-1.198-18-0-5');
  });

  test.prop([fc.stringMatching(/^[A-Za-z0-9_\-:]{1,40}$/), ip])('the network id read back from a lease subject is the one it was built with', (networkId, address) => {
    expect(leaseNetworkIdOf(leaseSubject(networkId, address))).toBe(networkId);
  });

  test.prop([fc.oneof(fc.stringMatching(/^[A-Za-z0-9_\-:.]{1,40}$/), fc.string({ maxLength: 12 })), ip])(
    "a lease subject is the generic aggregate subject, built faster (network ids checked once): equal, or refused alike",
    (networkId, address) => {
      const generic = (() => {
        try {
          return aggregateSubject('lease', networkId, formatIp(address));
        } catch (error) {
          return error instanceof RangeError ? 'refused' : error;
        }
      })();
      const fast = (() => {
        try {
          return leaseSubject(networkId, address);
        } catch (error) {
          return error instanceof RangeError ? 'refused' : error;
        }
      })();
      expect(fast).toBe(generic);
      // Asked again (the checked network id is remembered), the same.
      if (fast !== 'refused') expect(leaseSubject(networkId, address)).toBe(fast);
    },
  );

  test('a subject that is not a lease subject has no lease network', () => {
    for (const subject of ['lh.evt.network.n1', 'lh.evt.lease.n1', 'lh.evt.lease.n1.198-18-0-1.x', 'lh.evt.lease..198-18-0-1', 'lh.evt.leases.n1.198-18-0-1']) {
      expect(leaseNetworkIdOf(subject)).toBeUndefined();
    }
  });

  test('a client is named by its client identifier when it sends one, else by its MAC', () => {
    expect(clientKey({ mac: 'aa', clientId: '01aa' })).toBe('id:01aa');
    expect(clientKey({ mac: 'aa' })).toBe('mac:aa');
  });
});
