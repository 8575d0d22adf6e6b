/**
 * The lease's data and the pure rules over it, shared by the xstate machine's
 * named guards and actions (machine.ts) and by the lease table (table.ts), so the
 * two cannot disagree about what a lease accepts.
 */
import type { ClientRef, LeaseEvent, LeaseOffered, Tick } from './events.js';
import type { Ipv4 } from '@leasehold/protocol';
import { clientKey } from './events.js';

/** Every state of one address's lease. `renewing` and `rebinding` follow from the clock (T1, T2). */
export type LeaseStatus = 'free' | 'offered' | 'bound' | 'renewing' | 'rebinding' | 'released' | 'expired' | 'declined';

/** The machine's context: data only. */
export interface LeaseContext {
  readonly ip: Ipv4;
  /** Holder of the current lease, or of the last one when released, expired or declined; null when free. */
  readonly client: ClientRef | null;
  readonly hostname: string | null;
  /** When the current lease was bound (kept across renewals). */
  readonly boundAt: number | null;
  readonly renewAt: number | null;
  readonly rebindAt: number | null;
  readonly expiresAt: number | null;
  /** How the last lease ended, so a lapsed offer returns to `released` or `expired`. */
  readonly ended: 'released' | 'expired' | null;
  /** End of a decline quarantine. */
  readonly quarantineUntil: number | null;
  /** The tentative offer, in `offered` only. */
  readonly offer: { readonly client: ClientRef; readonly until: number } | null;
}

/** Context of an address nobody has used. Pure. */
export function freeContext(ip: Ipv4): LeaseContext {
  return {
    ip,
    client: null,
    hostname: null,
    boundAt: null,
    renewAt: null,
    rebindAt: null,
    expiresAt: null,
    ended: null,
    quarantineUntil: null,
    offer: null,
  };
}

/** A canonical ClientRef (no undefined clientId key), so replayed and live contexts compare equal. Pure. */
export function clientOf(client: ClientRef): ClientRef {
  return client.clientId === undefined ? { mac: client.mac } : { mac: client.mac, clientId: client.clientId };
}

function timeOf(event: LeaseEvent): number {
  return event.type === 'Tick' ? event.now : event.at;
}

// ---- predicates (the machine's named guards) ----

export function isThisAddress(context: LeaseContext, event: LeaseEvent): boolean {
  return event.type === 'Tick' || event.ip === context.ip;
}

export function isHolder(context: LeaseContext, event: LeaseEvent): boolean {
  return event.type !== 'Tick' && event.type !== 'LeaseExpired' && context.client !== null && clientKey(context.client) === clientKey(event);
}

export function isOfferee(context: LeaseContext, event: LeaseEvent): boolean {
  return event.type !== 'Tick' && event.type !== 'LeaseExpired' && context.offer !== null && clientKey(context.offer.client) === clientKey(event);
}

export function offerLapsed(context: LeaseContext, event: LeaseEvent): boolean {
  return context.offer !== null && timeOf(event) >= context.offer.until;
}

export function quarantineOver(context: LeaseContext, event: LeaseEvent): boolean {
  return context.quarantineUntil !== null && timeOf(event) >= context.quarantineUntil;
}

/** The lease has not reached its end at the event's time. */
export function leaseLive(context: LeaseContext, event: LeaseEvent): boolean {
  return context.expiresAt !== null && timeOf(event) < context.expiresAt;
}

/** A LeaseExpired for exactly this lease, at or after its end. */
export function expiryDue(context: LeaseContext, event: LeaseEvent): boolean {
  return event.type === 'LeaseExpired' && context.expiresAt === event.expiresAt && event.at >= event.expiresAt;
}

export function renewDue(context: LeaseContext, event: LeaseEvent): boolean {
  return event.type === 'Tick' && context.renewAt !== null && event.now >= context.renewAt;
}

export function rebindDue(context: LeaseContext, event: LeaseEvent): boolean {
  return event.type === 'Tick' && context.rebindAt !== null && event.now >= context.rebindAt;
}

/** at <= T1 <= T2 <= expiry, for bind and renew (RFC 2131 §4.4.5: T1 < T2 < lease time). */
export function validTimes(_context: LeaseContext, event: LeaseEvent): boolean {
  if (event.type !== 'LeaseBound' && event.type !== 'LeaseRenewed') return false;
  return event.at <= event.renewAt && event.renewAt <= event.rebindAt && event.rebindAt <= event.expiresAt;
}

export function validOffer(_context: LeaseContext, event: LeaseEvent): boolean {
  return event.type === 'LeaseOffered' && event.offerExpiresAt > event.at;
}

export function endedReleased(context: LeaseContext): boolean {
  return context.ended === 'released';
}

export function endedExpired(context: LeaseContext): boolean {
  return context.ended === 'expired';
}

// ---- context updates (the machine's named assign actions) ----

export function withOffer(context: LeaseContext, event: LeaseOffered): LeaseContext {
  return { ...context, offer: { client: clientOf(event), until: event.offerExpiresAt } };
}

export function withoutOffer(context: LeaseContext): LeaseContext {
  return { ...context, offer: null };
}

/** A quarantine that ended leaves the address free, forgetting the client that declined it. */
export function withoutDecline(context: LeaseContext): LeaseContext {
  return { ...context, client: null, quarantineUntil: null, ended: null };
}

export function afterEvent(context: LeaseContext, event: LeaseEvent): LeaseContext {
  switch (event.type) {
    case 'LeaseBound':
      return {
        ...freeContext(context.ip),
        client: clientOf(event),
        hostname: event.hostname ?? null,
        boundAt: event.at,
        renewAt: event.renewAt,
        rebindAt: event.rebindAt,
        expiresAt: event.expiresAt,
      };
    case 'LeaseRenewed':
      return {
        ...context,
        hostname: event.hostname ?? context.hostname,
        renewAt: event.renewAt,
        rebindAt: event.rebindAt,
        expiresAt: event.expiresAt,
      };
    case 'LeaseReleased':
      return { ...freeContext(context.ip), client: context.client, ended: 'released' };
    case 'LeaseExpired':
      return { ...freeContext(context.ip), client: context.client, ended: 'expired' };
    case 'LeaseDeclined':
      return { ...freeContext(context.ip), client: context.client, quarantineUntil: event.quarantineUntil };
    case 'LeaseOffered':
      return withOffer(context, event);
    case 'Tick':
      return context;
  }
}

/** Tick is the only event that does not name a client; exported for the refusal explanation. */
export function isTick(event: LeaseEvent): event is Tick {
  return event.type === 'Tick';
}
