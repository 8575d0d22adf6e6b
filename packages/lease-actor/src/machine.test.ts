import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { LeaseRefusedError } from './errors.js';
import type { LeaseBound, LeaseEvent, LeaseOffered } from './events.js';
import { leaseMachine, refusal, statusOf, type LeaseSnapshot } from './machine.js';
import { step, type LeaseState } from './step.js';
import { leaseEventArb } from './testing/arbitraries.js';
import { parseIpv4 as ipToUint } from '@leasehold/protocol';

const v4 = ipToUint;
const IP = v4('198.18.0.5');
const A = { mac: 'aa:00:00:00:00:01' };
const B = { mac: 'aa:00:00:00:00:02', clientId: '01aa0000000002' };

const offered = (client: { mac: string; clientId?: string }, at: number, ttl = 10): LeaseOffered => ({
  type: 'LeaseOffered', ip: IP, ...client, at, offerExpiresAt: at + ttl,
});
const bound = (client: { mac: string; clientId?: string }, at: number, lease = 100): LeaseBound => ({
  type: 'LeaseBound', ip: IP, ...client, at, expiresAt: at + lease, renewAt: at + lease / 2, rebindAt: at + (lease * 7) / 8,
});

function run(...events: LeaseEvent[]): LeaseSnapshot {
  let [snapshot] = initialTransition(leaseMachine, { ip: IP });
  for (const event of events) [snapshot] = transition(leaseMachine, snapshot, event);
  return snapshot;
}

describe('lease machine transitions', () => {
  test('a new address is free with no holder', () => {
    const s = run();
    expect(statusOf(s)).toBe('free');
    expect(s.context.client).toBeNull();
  });

  test('an offer moves a free address to offered, holding the client and the deadline', () => {
    const s = run(offered(A, 0, 10));
    expect(statusOf(s)).toBe('offered');
    expect(s.context.offer).toEqual({ client: A, until: 10 });
  });

  test('the offered client binds the address and the offer is forgotten', () => {
    const s = run(offered(A, 0), bound(A, 1));
    expect(statusOf(s)).toBe('bound');
    expect(s.context).toMatchObject({ client: A, boundAt: 1, expiresAt: 101, renewAt: 51, offer: null });
  });

  test('another client cannot bind an address offered to someone else until the offer lapses', () => {
    const s = run(offered(A, 0, 10));
    expect(refusal(s, bound(B, 5))?.reason).toBe('offered-to-another-client');
    expect(s.can(bound(B, 10))).toBe(true);
  });

  test('an offer that lapses returns the address to the state it came from', () => {
    expect(statusOf(run(offered(A, 0, 10), { type: 'Tick', now: 10 }))).toBe('free');
    const released = run(bound(A, 0), { type: 'LeaseReleased', ip: IP, ...A, at: 5 }, offered(B, 6, 10), { type: 'Tick', now: 20 });
    expect(statusOf(released)).toBe('released');
    expect(released.context.client).toEqual(A);
  });

  test('the clock moves a bound lease to renewing at T1 and rebinding at T2', () => {
    const s = run(bound(A, 0, 100), { type: 'Tick', now: 50 });
    expect(statusOf(s)).toBe('renewing');
    expect(statusOf(run(bound(A, 0, 100), { type: 'Tick', now: 50 }, { type: 'Tick', now: 88 }))).toBe('rebinding');
    expect(statusOf(run(bound(A, 0, 100), { type: 'Tick', now: 90 }))).toBe('rebinding');
  });

  test('a renewal by the holder returns the lease to bound with new times', () => {
    const renewed = { type: 'LeaseRenewed', ip: IP, ...A, at: 60, expiresAt: 160, renewAt: 110, rebindAt: 147 } as const;
    for (const now of [10, 50, 90]) {
      const s = run(bound(A, 0, 100), { type: 'Tick', now }, renewed);
      expect(statusOf(s)).toBe('bound');
      expect(s.context).toMatchObject({ boundAt: 0, expiresAt: 160, renewAt: 110 });
    }
  });

  test('a renewal is refused for another client, after expiry, or when nothing is bound', () => {
    const renew = (client: typeof A | typeof B, at: number) =>
      ({ type: 'LeaseRenewed', ip: IP, ...client, at, expiresAt: at + 100, renewAt: at + 50, rebindAt: at + 87 }) as const;
    expect(refusal(run(bound(A, 0)), renew(B, 10))?.reason).toBe('held-by-another-client');
    expect(refusal(run(bound(A, 0)), renew(A, 100))?.reason).toBe('lease-over');
    expect(refusal(run(), renew(A, 10))?.reason).toBe('not-bound');
  });

  test('a release by the holder leaves the address released and remembers who had it', () => {
    const s = run(bound(A, 0), { type: 'LeaseReleased', ip: IP, ...A, at: 3 });
    expect(statusOf(s)).toBe('released');
    expect(s.context).toMatchObject({ client: A, expiresAt: null, ended: 'released' });
    expect(refusal(run(bound(A, 0)), { type: 'LeaseReleased', ip: IP, ...B, at: 3 })?.reason).toBe('held-by-another-client');
  });

  test('an expiry applies only to the lease it names, at or after its end', () => {
    const expire = (at: number, expiresAt: number) => ({ type: 'LeaseExpired', ip: IP, at, expiresAt }) as const;
    const s = run(bound(A, 0, 100));
    expect(refusal(s, expire(99, 100))?.reason).toBe('not-yet-expired');
    expect(refusal(s, expire(150, 90))?.reason).toBe('stale-expiry');
    const ended = run(bound(A, 0, 100), expire(100, 100));
    expect(statusOf(ended)).toBe('expired');
    expect(ended.context).toMatchObject({ client: A, ended: 'expired' });
  });

  test('a declined address is quarantined, refuses offers and binds until the quarantine ends, then is free again', () => {
    const declined = run(bound(A, 0), { type: 'LeaseDeclined', ip: IP, ...A, at: 1, quarantineUntil: 1000 });
    expect(statusOf(declined)).toBe('declined');
    expect(refusal(declined, offered(B, 500))?.reason).toBe('quarantined');
    expect(refusal(declined, bound(B, 999))?.reason).toBe('quarantined');
    expect(declined.can(offered(B, 1000))).toBe(true);
    const after = transition(leaseMachine, declined, { type: 'Tick', now: 1000 })[0];
    expect(statusOf(after)).toBe('free');
    expect(after.context.client).toBeNull();
  });

  test('another client cannot take a bound address, even past its end, until the expiry is journaled', () => {
    const s = run(bound(A, 0, 100));
    expect(refusal(s, bound(B, 200))?.reason).toBe('held-by-another-client');
    expect(refusal(s, offered(B, 200))?.reason).toBe('held-by-another-client');
    expect(s.can(bound(A, 200))).toBe(true);
  });

  test('a released or expired address may be bound by any client, and the holder may bind its own address afresh', () => {
    const released = run(bound(A, 0), { type: 'LeaseReleased', ip: IP, ...A, at: 3 });
    expect(statusOf(transition(leaseMachine, released, bound(B, 4))[0])).toBe('bound');
    const again = run(bound(A, 0, 100), bound(A, 40, 100));
    expect(again.context).toMatchObject({ client: A, boundAt: 40, expiresAt: 140 });
  });

  test('an offer to the client that holds the address is refused as already held: the server answers with the lease', () => {
    expect(refusal(run(bound(A, 0)), offered(A, 5))?.reason).toBe('already-held');
  });

  test('events for another address and times out of order are refused with a typed error', () => {
    const error = refusal(run(), { ...bound(A, 0), ip: v4('198.18.0.6') });
    expect(error).toBeInstanceOf(LeaseRefusedError);
    expect(error?.reason).toBe('wrong-address');
    expect(refusal(run(), { ...bound(A, 10), renewAt: 5 })?.reason).toBe('invalid-times');
    expect(refusal(run(), { type: 'Tick', now: 5 })?.reason).toBe('nothing-due');
  });
});

// Random events on one address, with a few clients and times that cross the deadlines.
const eventArb = leaseEventArb({ ips: [IP], clients: [A, B, { mac: 'aa:00:00:00:00:03' }], stray: v4('198.18.0.9') });

describe('the plain-data step agrees with the machine', () => {
  test.prop([fc.array(eventArb, { maxLength: 40 })], { numRuns: 300 })(
    'for any event sequence, step accepts exactly what snapshot.can accepts and reaches the same state',
    (events) => {
      let [snapshot] = initialTransition(leaseMachine, { ip: IP });
      let state: LeaseState = { status: 'free', context: snapshot.context };
      for (const event of events) {
        const accepted = snapshot.can(event);
        const next = step(state, event);
        expect(typeof next !== 'string').toBe(accepted);
        [snapshot] = transition(leaseMachine, snapshot, event);
        if (typeof next !== 'string') state = next;
        expect({ status: state.status, context: state.context }).toEqual({ status: statusOf(snapshot), context: snapshot.context });
      }
    },
  );
});
