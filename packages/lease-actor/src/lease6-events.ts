/**
 * The IPv6 lease events (DHCPv6): one aggregate per address,
 * `lease6/<networkId>/<address>`, subject `lh.evt.lease6.<networkId>.<address>`
 * with the address's RFC 5952 text as the token (NATS tokens may hold ':', and
 * the IPv6 claims spell it so). A family of its own beside the IPv4 one
 * (events.ts), so that no IPv4 reader meets an IPv6 lease. Their data and
 * validators are protocol's (events/lease6.ts, events/validators.ts).
 */
import { EVENT_SUBJECT_PREFIX, aggregateSubject, checkEventData, flatEventEnvelope, flattenEnvelope, type EnvelopeIds, type EventEnvelope, type Lease6EventData } from '@leasehold/protocol';
import { LeaseEventShapeError } from './errors.js';

export type JournaledLease6EventType = keyof Lease6EventData;

/** The schema version this build writes, per type. */
export const LEASE6_EVENT_VERSION = {
  Lease6Bound: 1,
  Lease6Renewed: 1,
  Lease6Released: 1,
  Lease6Declined: 1,
  Lease6Expired: 1,
} as const satisfies Record<JournaledLease6EventType, number>;

type Journaled<T extends JournaledLease6EventType> = { readonly type: T; readonly at: number } & Lease6EventData[T];

/** A journaled IPv6 lease fact, flat (`at` from the envelope beside the data). */
export type JournaledLease6Event = { [T in JournaledLease6EventType]: Journaled<T> }[JournaledLease6EventType];

const types = new Set<string>(Object.keys(LEASE6_EVENT_VERSION));

/** The JetStream subject of one IPv6 address's lease, e.g. "lh.evt.lease6.net-1.2001:db8:1::10". Pure. */
export function lease6Subject(networkId: string, ip: string): string {
  return aggregateSubject('lease6', networkId, ip);
}

const PREFIX = `${EVENT_SUBJECT_PREFIX}.lease6.`;

/** The network id of a lease6 subject, or undefined for any other subject. Pure. */
export function lease6NetworkIdOf(subject: string): string | undefined {
  if (!subject.startsWith(PREFIX)) return undefined;
  const start = PREFIX.length;
  const dot = subject.indexOf('.', start);
  if (dot <= start || dot === subject.length - 1 || subject.indexOf('.', dot + 1) >= 0) return undefined;
  return subject.slice(start, dot);
}

/** The envelope of a journaled IPv6 lease event (undefined optional fields left out). Pure. */
export function lease6ToEnvelope(networkId: string, event: JournaledLease6Event, meta: EnvelopeIds): EventEnvelope {
  return flatEventEnvelope(event, LEASE6_EVENT_VERSION[event.type], `lease6/${networkId}/${event.ip}`, meta);
}

/** The flat event of a decoded envelope, after protocol's validator; throws `LeaseEventShapeError` otherwise. Pure. */
export function lease6FromEnvelope(envelope: EventEnvelope): JournaledLease6Event {
  if (!types.has(envelope.type)) throw new LeaseEventShapeError(envelope.type, 'not an IPv6 lease event type');
  const problem = checkEventData(envelope.type, envelope.v, envelope.data);
  if (problem !== undefined) throw new LeaseEventShapeError(envelope.type, problem);
  return flattenEnvelope<JournaledLease6Event>(envelope);
}
