/**
 * The lease machine's transitions on plain data. The lease table folds
 * thousands of events through this (an xstate `transition()` costs about 15 µs;
 * this costs well under one); a property test checks it agrees with the machine
 * event for event, so machine.ts stays the specification.
 */
import type { LeaseRefusalReason } from './errors.js';
import type { LeaseEvent } from './events.js';
import {
  afterEvent,
  isHolder,
  isOfferee,
  isThisAddress,
  leaseLive,
  offerLapsed,
  quarantineOver,
  rebindDue,
  renewDue,
  validOffer,
  validTimes,
  withoutDecline,
  withoutOffer,
  type LeaseContext,
  type LeaseStatus,
} from './rules.js';

/** True while a lease is held (T1 and T2 do not change what it accepts). Pure. */
export function isHeld(status: LeaseStatus): boolean {
  return status === 'bound' || status === 'renewing' || status === 'rebinding';
}

/**
 * Why the machine refuses `event` in this status and context, or undefined if it
 * accepts it (exactly when `snapshot.can(event)` is true). Pure.
 */
export function refusalReason(status: LeaseStatus, context: LeaseContext, event: LeaseEvent): LeaseRefusalReason | undefined {
  if (!isThisAddress(context, event)) return 'wrong-address';
  const holding = isHeld(status);
  switch (event.type) {
    case 'Tick': {
      const due =
        (status === 'offered' && offerLapsed(context, event)) ||
        (status === 'bound' && (renewDue(context, event) || rebindDue(context, event))) ||
        (status === 'renewing' && rebindDue(context, event)) ||
        (status === 'declined' && quarantineOver(context, event));
      return due ? undefined : 'nothing-due';
    }
    case 'LeaseOffered':
    case 'LeaseBound': {
      if (event.type === 'LeaseOffered' ? !validOffer(context, event) : !validTimes(context, event)) return 'invalid-times';
      if (holding) {
        if (!isHolder(context, event)) return 'held-by-another-client';
        return event.type === 'LeaseOffered' ? 'already-held' : undefined;
      }
      if (status === 'offered') return isOfferee(context, event) || offerLapsed(context, event) ? undefined : 'offered-to-another-client';
      if (status === 'declined') return quarantineOver(context, event) ? undefined : 'quarantined';
      return undefined;
    }
    case 'LeaseRenewed':
      if (!holding) return 'not-bound';
      if (!isHolder(context, event)) return 'held-by-another-client';
      if (!leaseLive(context, event)) return 'lease-over';
      return validTimes(context, event) ? undefined : 'invalid-times';
    case 'LeaseReleased':
    case 'LeaseDeclined':
      if (!holding) return 'not-bound';
      return isHolder(context, event) ? undefined : 'held-by-another-client';
    case 'LeaseExpired':
      if (!holding) return 'not-bound';
      if (context.expiresAt !== event.expiresAt) return 'stale-expiry';
      return event.at >= event.expiresAt ? undefined : 'not-yet-expired';
  }
}

export interface LeaseState {
  readonly status: LeaseStatus;
  readonly context: LeaseContext;
}

/**
 * The machine's transition on plain data: the next state, or the refusal
 * reason (the state is then unchanged, as xstate drops a refused event). Pure.
 */
export function step(state: LeaseState, event: LeaseEvent): LeaseState | LeaseRefusalReason {
  const { status, context } = state;
  const refused = refusalReason(status, context, event);
  if (refused !== undefined) return refused;
  switch (event.type) {
    case 'LeaseOffered':
      return { status: 'offered', context: afterEvent(status === 'declined' ? withoutDecline(context) : context, event) };
    case 'LeaseBound':
    case 'LeaseRenewed':
      return { status: 'bound', context: afterEvent(context, event) };
    case 'LeaseReleased':
      return { status: 'released', context: afterEvent(context, event) };
    case 'LeaseDeclined':
      return { status: 'declined', context: afterEvent(context, event) };
    case 'LeaseExpired':
      return { status: 'expired', context: afterEvent(context, event) };
    case 'Tick':
      if (status === 'offered') {
        return { status: context.ended ?? 'free', context: withoutOffer(context) };
      }
      if (status === 'declined') return { status: 'free', context: withoutDecline(context) };
      return { status: rebindDue(context, event) ? 'rebinding' : 'renewing', context };
  }
}
