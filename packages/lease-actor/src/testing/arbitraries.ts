/**
 * fast-check arbitraries of lease events for property tests (this package's
 * and those of packages that fold lease tables). Random events on a few
 * addresses, with a few clients and times that cross the deadlines: most are
 * refused, enough are accepted to reach every state of the machine.
 */
import fc from 'fast-check';
import type { Ipv4 } from '@leasehold/protocol';
import type { ClientRef, LeaseBound, LeaseEvent, LeaseOffered } from '../events.js';

export interface LeaseEventArbOptions {
  /** The addresses the events name. */
  readonly ips: readonly Ipv4[];
  readonly clients: readonly ClientRef[];
  /** An address no table or aggregate under test holds: one event binds it (a wrong address). */
  readonly stray?: Ipv4;
  /** Leave out LeaseOffered (a fold of the journal has no offers). Default false. */
  readonly journaledOnly?: boolean;
}

/** A LeaseOffered of `ip` to `client` at `at`, for `ttl` ms. Pure. */
export function offeredEvent(ip: Ipv4, client: ClientRef, at: number, ttl = 10): LeaseOffered {
  return { type: 'LeaseOffered', ip, ...client, at, offerExpiresAt: at + ttl };
}

/** A LeaseBound of `ip` to `client` at `at` for `lease` ms (T1 and T2 at 1/2 and 7/8, not rounded). Pure. */
export function boundEvent(ip: Ipv4, client: ClientRef, at: number, lease = 100): LeaseBound {
  return { type: 'LeaseBound', ip, ...client, at, expiresAt: at + lease, renewAt: at + lease / 2, rebindAt: at + (lease * 7) / 8 };
}

/**
 * Lease events (and clock ticks) on `ips`: times in 0..400, leases of 0..120
 * ms, offers of 0..30 ms, quarantines of 0..100 ms, expiries naming any time.
 */
export function leaseEventArb(options: LeaseEventArbOptions): fc.Arbitrary<LeaseEvent> {
  const ip = fc.constantFrom(...options.ips);
  const c = fc.constantFrom(...options.clients);
  const at = fc.nat(300);
  const arbitraries: fc.Arbitrary<LeaseEvent>[] = [
    fc.record({ ip, c, at, lease: fc.integer({ min: 0, max: 120 }) }).map(({ ip, c, at, lease }) => boundEvent(ip, c, at, lease)),
    fc.record({ ip, c, at, lease: fc.integer({ min: 8, max: 120 }) }).map(
      ({ ip, c, at, lease }) => ({ ...boundEvent(ip, c, at, lease), type: 'LeaseRenewed' }) as LeaseEvent,
    ),
    fc.record({ ip, c, at }).map(({ ip, c, at }) => ({ type: 'LeaseReleased', ip, ...c, at }) as LeaseEvent),
    fc.record({ ip, c, at, q: fc.nat(100) }).map(({ ip, c, at, q }) => ({ type: 'LeaseDeclined', ip, ...c, at, quarantineUntil: at + q }) as LeaseEvent),
    fc.record({ ip, at: fc.nat(400), e: fc.nat(400) }).map(({ ip, at, e }) => ({ type: 'LeaseExpired', ip, at, expiresAt: e }) as LeaseEvent),
    fc.nat(400).map((now) => ({ type: 'Tick', now }) as LeaseEvent),
  ];
  if (!options.journaledOnly) {
    arbitraries.unshift(fc.record({ ip, c, at, ttl: fc.integer({ min: 0, max: 30 }) }).map(({ ip, c, at, ttl }) => offeredEvent(ip, c, at, ttl)));
  }
  if (options.stray !== undefined) arbitraries.push(fc.constant(boundEvent(options.stray, options.clients[0]!, 0)));
  return fc.oneof(...arbitraries);
}
