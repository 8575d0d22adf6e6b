/**
 * `leasehold replay lease6/<networkId>/<ipv6>`: one IPv6 address's lease
 * stepped as the agents' Lease6Table folds it (lease-actor's
 * lease6-table.ts), kept to the one address: who holds it (DUID + IAID,
 * RFC 8415 section 12), until when, the client's host name, and what the
 * last bind said of its cause. An event the table would leave without effect
 * (a release or decline by another IA, an expiry of an older lease) is
 * shown as refused. The live check compares the end with the API's IPv6
 * lease row (`leases.show`); a compacted journal still replays the retained
 * events from a free address (said to be partial), not from the API
 * snapshot's row.
 */
import type { StoredEvent } from '@leasehold/journal';
import { lease6FromEnvelope, type JournaledLease6Event } from '@leasehold/lease-actor';
import type { Lease6Message, Lease6Source } from '@leasehold/protocol';
import { isoTime } from '../events/render.js';
import type { AggregateState, Replayer, ReplayStep } from './aggregate.js';

/** What an IPv6 lease is after an event. */
export interface Lease6Context {
  readonly ip: string;
  readonly duid: string | null;
  readonly iaid: number | null;
  readonly mac: string | null;
  readonly hostname: string | null;
  readonly expiresAt: number | null;
  /** The cause the last bind or renewal named (null for events written before they did). */
  readonly message: Lease6Message | null;
  readonly source: Lease6Source | null;
}

/** Why the fold would change nothing for this event, or undefined. Pure. */
function refusal(state: { value: string; context: Lease6Context }, event: JournaledLease6Event): string | undefined {
  const c = state.context;
  const held = state.value === 'bound';
  if (event.type === 'Lease6Released' || event.type === 'Lease6Declined') {
    if (!held) return `${event.type} of an address no IA holds`;
    if (c.duid !== event.duid || c.iaid !== event.iaid) return `${event.type} by ${event.duid}/${event.iaid}, not the holder ${c.duid}/${c.iaid}`;
  }
  if (event.type === 'Lease6Expired') {
    if (!held) return 'Lease6Expired of an address no IA holds';
    if (c.expiresAt !== null && c.expiresAt > event.expiresAt) return `Lease6Expired of an older lease (ended ${event.expiresAt}; the current one ends ${c.expiresAt})`;
  }
  return undefined;
}

/** The state after `event`, as the table folds it for this address. Pure. */
function fold(state: { value: string; context: Lease6Context }, event: JournaledLease6Event): { value: string; context: Lease6Context } {
  const c = state.context;
  switch (event.type) {
    case 'Lease6Bound':
    case 'Lease6Renewed': {
      const same = state.value === 'bound' && c.duid === event.duid && c.iaid === event.iaid;
      // A renewal without a host name keeps the one the client sent before, as the table does.
      const hostname = event.hostname ?? (event.type === 'Lease6Renewed' && same ? c.hostname : null);
      return {
        value: 'bound',
        context: { ip: c.ip, duid: event.duid, iaid: event.iaid, mac: event.mac ?? null, hostname, expiresAt: event.expiresAt, message: event.message ?? null, source: event.source ?? (same ? c.source : null) },
      };
    }
    case 'Lease6Released':
      return { value: 'released', context: { ...c, expiresAt: null } };
    case 'Lease6Declined':
      return { value: 'declined', context: { ...c, expiresAt: null } };
    case 'Lease6Expired':
      return { value: 'expired', context: c };
  }
}

/** A replayer of one IPv6 address's lease from a free address. */
export function lease6Replayer(ip: string): Replayer {
  let state: { value: string; context: Lease6Context } = {
    value: 'free',
    context: { ip, duid: null, iaid: null, mac: null, hostname: null, expiresAt: null, message: null, source: null },
  };
  let at: number | undefined;
  return {
    get state(): AggregateState {
      return state;
    },
    get at() {
      return at;
    },
    unknown: [],
    step({ seq, event }: StoredEvent): ReplayStep {
      at = event.at;
      let lease: JournaledLease6Event;
      try {
        lease = lease6FromEnvelope(event);
      } catch (error) {
        return { seq, event, ...state, refused: (error as Error).message };
      }
      const refused = refusal(state, lease);
      if (!refused) state = fold(state, lease);
      return { seq, event, ...state, ...(refused ? { refused } : {}) };
    },
  };
}

/**
 * The replayed IPv6 lease in the shape of its live view (live.ts'
 * `lease6ApiLive`): the holder and host name only while it is held, as
 * the IPv4 lease's client id and host name. Pure.
 */
export function lease6Live(state: AggregateState, now: number): unknown {
  const c = state.context as Lease6Context;
  if (c.duid === null) return null;
  const held = state.value === 'bound';
  return {
    mac: c.mac,
    state: held && c.expiresAt !== null && c.expiresAt <= now ? 'expired' : state.value,
    expires_at: held && c.expiresAt !== null ? isoTime(c.expiresAt) : null,
    ...(held ? { duid: c.duid, iaid: c.iaid, hostname: c.hostname } : {}),
  };
}
