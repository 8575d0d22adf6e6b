/**
 * The lease machine: one per address (aggregate `lease/<networkId>/<ip>`).
 * Pure: no clock, no I/O; time arrives on events (`at`, or `now` on Tick).
 * Replay is a fold: `initialTransition(leaseMachine, { ip })` then `transition()`
 * per journaled event. Guards that refuse drop the event silently in xstate, so a
 * command is checked first with `snapshot.can(event)`; `refusal()` says why.
 */
import { and, assign, setup, type SnapshotFrom } from 'xstate';
import { LeaseRefusedError } from './errors.js';
import { refusalReason } from './step.js';
import type { LeaseEvent } from './events.js';
import type { Ipv4 } from '@leasehold/protocol';
import {
  afterEvent,
  endedExpired,
  endedReleased,
  expiryDue,
  freeContext,
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

/**
 * Transitions shared by bound, renewing and rebinding (a lease is held). No
 * offers: a holder that DISCOVERs again is answered with its lease, which needs
 * no offer (and xstate's `can` counts a transition that does nothing as refused).
 */
const held = {
  LeaseBound: { guard: and(['isThisAddress', 'isHolder', 'validTimes']), target: 'bound', actions: 'record' },
  LeaseRenewed: { guard: and(['isThisAddress', 'isHolder', 'leaseLive', 'validTimes']), target: 'bound', actions: 'record' },
  LeaseReleased: { guard: and(['isThisAddress', 'isHolder']), target: 'released', actions: 'record' },
  LeaseDeclined: { guard: and(['isThisAddress', 'isHolder']), target: 'declined', actions: 'record' },
  LeaseExpired: { guard: and(['isThisAddress', 'expiryDue']), target: 'expired', actions: 'record' },
} as const;

/** Transitions of an address nobody holds (free, released, expired). */
const available = {
  LeaseOffered: { guard: and(['isThisAddress', 'validOffer']), target: 'offered', actions: 'record' },
  LeaseBound: { guard: and(['isThisAddress', 'validTimes']), target: 'bound', actions: 'record' },
} as const;

export const leaseMachine = setup({
  types: {
    context: {} as LeaseContext,
    events: {} as LeaseEvent,
    input: {} as { ip: Ipv4 },
  },
  guards: {
    isThisAddress: ({ context, event }) => isThisAddress(context, event),
    isHolder: ({ context, event }) => isHolder(context, event),
    isOfferee: ({ context, event }) => isOfferee(context, event),
    offerLapsed: ({ context, event }) => offerLapsed(context, event),
    quarantineOver: ({ context, event }) => quarantineOver(context, event),
    leaseLive: ({ context, event }) => leaseLive(context, event),
    expiryDue: ({ context, event }) => expiryDue(context, event),
    renewDue: ({ context, event }) => renewDue(context, event),
    rebindDue: ({ context, event }) => rebindDue(context, event),
    validTimes: ({ context, event }) => validTimes(context, event),
    validOffer: ({ context, event }) => validOffer(context, event),
    endedReleased: ({ context }) => endedReleased(context),
    endedExpired: ({ context }) => endedExpired(context),
  },
  actions: {
    record: assign(({ context, event }) => afterEvent(context, event)),
    clearOffer: assign(({ context }) => withoutOffer(context)),
    forgetDecline: assign(({ context }) => withoutDecline(context)),
  },
}).createMachine({
  id: 'lease',
  context: ({ input }) => freeContext(input.ip),
  initial: 'free',
  states: {
    free: { on: { ...available } },
    offered: {
      on: {
        // A fresh offer replaces one that lapsed, or refreshes the same client's.
        LeaseOffered: [
          { guard: and(['isThisAddress', 'isOfferee', 'validOffer']), target: 'offered', actions: 'record' },
          { guard: and(['isThisAddress', 'offerLapsed', 'validOffer']), target: 'offered', actions: 'record' },
        ],
        LeaseBound: [
          { guard: and(['isThisAddress', 'isOfferee', 'validTimes']), target: 'bound', actions: 'record' },
          { guard: and(['isThisAddress', 'offerLapsed', 'validTimes']), target: 'bound', actions: 'record' },
        ],
        Tick: [
          { guard: and(['offerLapsed', 'endedReleased']), target: 'released', actions: 'clearOffer' },
          { guard: and(['offerLapsed', 'endedExpired']), target: 'expired', actions: 'clearOffer' },
          { guard: 'offerLapsed', target: 'free', actions: 'clearOffer' },
        ],
      },
    },
    bound: {
      on: {
        ...held,
        Tick: [
          { guard: 'rebindDue', target: 'rebinding' },
          { guard: 'renewDue', target: 'renewing' },
        ],
      },
    },
    renewing: { on: { ...held, Tick: { guard: 'rebindDue', target: 'rebinding' } } },
    rebinding: { on: { ...held } },
    released: { on: { ...available } },
    expired: { on: { ...available } },
    declined: {
      on: {
        LeaseOffered: { guard: and(['isThisAddress', 'quarantineOver', 'validOffer']), target: 'offered', actions: ['forgetDecline', 'record'] },
        LeaseBound: { guard: and(['isThisAddress', 'quarantineOver', 'validTimes']), target: 'bound', actions: 'record' },
        Tick: { guard: 'quarantineOver', target: 'free', actions: 'forgetDecline' },
      },
    },
  },
});

export type LeaseSnapshot = SnapshotFrom<typeof leaseMachine>;

/** The status of a machine snapshot. Pure. */
export function statusOf(snapshot: LeaseSnapshot): LeaseStatus {
  return snapshot.value as LeaseStatus;
}

/**
 * Checks a command against a snapshot: undefined if `snapshot.can(event)`, else
 * a LeaseRefusedError naming the reason (the caller returns it; xstate would
 * drop the event silently). Pure.
 */
export function refusal(snapshot: LeaseSnapshot, event: LeaseEvent): LeaseRefusedError | undefined {
  if (snapshot.can(event)) return undefined;
  const reason = refusalReason(statusOf(snapshot), snapshot.context, event) ?? 'nothing-due';
  return new LeaseRefusedError(event.type, snapshot.context.ip, reason);
}
