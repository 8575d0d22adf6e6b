/**
 * The lease events: the journaled facts (with their schema versions) and the
 * in-memory ones (offers, clock ticks). One lease aggregate per address:
 * `lease/<networkId>/<ip>`, subject `lh.evt.lease.<networkId>.<ip-with-dashes>`.
 *
 * Addresses are `Ipv4` numbers (as everywhere in memory and in events); times are
 * milliseconds since the epoch. `at` travels in the envelope, not in
 * `data`; the machine events carry it beside the data.
 */
import { LeaseEventShapeError } from './errors.js';
import {
  EVENT_SUBJECT_PREFIX,
  checkEventData,
  flatEventEnvelope,
  flattenEnvelope,
  formatIpv4 as formatIp,
  leaseEventRegistry as protocolLeaseRegistry,
  subjectToken,
  type EnvelopeIds,
  type EventEnvelope,
  type EventRegistry,
  type Ipv4,
  type LeaseBoundData,
  type LeaseClientRef,
  type LeaseDeclinedData,
  type LeaseEventData,
  type LeaseExpiredData,
  type LeaseReleasedData,
  type LeaseRenewedData,
} from '@leasehold/protocol';

/** Who holds (or asked for) an address. RFC 2131 §4.2: the client identifier, when sent, names the client; else chaddr. */
export interface ClientRef extends LeaseClientRef {}

// The journaled data of each type is protocol's (events/lease.ts), where its validator lives.
export type { LeaseBoundData, LeaseDeclinedData, LeaseExpiredData, LeaseReleasedData, LeaseRenewedData };

/** Data of every journaled lease event, by type. */
export type LeaseEventDataByType = LeaseEventData;

export type JournaledLeaseEventType = keyof LeaseEventDataByType;

/** The schema version this build writes, per journaled type. */
export const LEASE_EVENT_VERSION = {
  LeaseBound: 1,
  LeaseRenewed: 1,
  LeaseReleased: 1,
  LeaseDeclined: 1,
  LeaseExpired: 1,
} as const satisfies Record<JournaledLeaseEventType, number>;

/** Types and versions of lease events this build reads (for `decodeEvent`): those protocol has a validator for. */
export const leaseEventRegistry: EventRegistry = protocolLeaseRegistry;

type Journaled<T extends JournaledLeaseEventType> = { readonly type: T; readonly at: number } & LeaseEventDataByType[T];

export type LeaseBound = Journaled<'LeaseBound'>;
export type LeaseRenewed = Journaled<'LeaseRenewed'>;
export type LeaseReleased = Journaled<'LeaseReleased'>;
export type LeaseDeclined = Journaled<'LeaseDeclined'>;
export type LeaseExpired = Journaled<'LeaseExpired'>;

/** A journaled fact as the machine and the table consume it. */
export type JournaledLeaseEvent = LeaseBound | LeaseRenewed | LeaseReleased | LeaseDeclined | LeaseExpired;

/** A tentative offer (DISCOVER → OFFER). Held in memory only: offers are never journaled. */
export interface LeaseOffered extends ClientRef {
  readonly type: 'LeaseOffered';
  readonly ip: Ipv4;
  readonly at: number;
  /** The offer lapses at this instant unless the client REQUESTs it. */
  readonly offerExpiresAt: number;
}

/** The clock, as data: moves time-derived states (T1, T2, offer lapse, quarantine end). Never journaled. */
export interface Tick {
  readonly type: 'Tick';
  readonly now: number;
}

/** Every event the lease machine accepts. */
export type LeaseEvent = JournaledLeaseEvent | LeaseOffered | Tick;

const journaledTypes = new Set<string>(Object.keys(LEASE_EVENT_VERSION));

/** True for the facts that go to the journal. Pure. */
export function isJournaled(event: LeaseEvent): event is JournaledLeaseEvent {
  return journaledTypes.has(event.type);
}

/** The aggregate id of one address's lease, e.g. "lease/net-1/198.18.0.5". Pure. */
export function leaseAggregate(networkId: string, ip: Ipv4): string {
  return `lease/${networkId}/${formatIp(ip)}`;
}

/** `lh.evt.lease.<network token>.` of each network id checked so far (a few per process; emptied past 1,024 entries). */
const leaseSubjectPrefixes = new Map<string, string>();

/**
 * The JetStream subject of one address's lease, e.g. "lh.evt.lease.net-1.198-18-0-5":
 * `aggregateSubject('lease', networkId, address)`, which the DHCP path asked for several
 * times per exchange (issue 19's profile: 1.6% of the agent in subjectToken's checks), so
 * a network id is checked once and an address, digits and dashes only, not at all. Pure
 * (the remembered prefixes change no result).
 */
export function leaseSubject(networkId: string, ip: Ipv4): string {
  let prefix = leaseSubjectPrefixes.get(networkId);
  if (prefix === undefined) {
    prefix = `${EVENT_SUBJECT_PREFIX}.lease.${subjectToken(networkId)}.`;
    if (leaseSubjectPrefixes.size >= 1024) leaseSubjectPrefixes.clear();
    leaseSubjectPrefixes.set(networkId, prefix);
  }
  return `${prefix}${ip >>> 24}-${(ip >>> 16) & 0xff}-${(ip >>> 8) & 0xff}-${ip & 0xff}`;
}

const LEASE_SUBJECT_PREFIX = `${EVENT_SUBJECT_PREFIX}.lease.`;

/**
 * The network id of a lease subject (`lh.evt.lease.<networkId>.<ip-token>`),
 * or undefined for any other subject. The inverse of `leaseSubject`'s first id. Pure.
 */
export function leaseNetworkIdOf(subject: string): string | undefined {
  if (!subject.startsWith(LEASE_SUBJECT_PREFIX)) return undefined;
  const start = LEASE_SUBJECT_PREFIX.length;
  const dot = subject.indexOf('.', start);
  if (dot <= start || dot === subject.length - 1 || subject.indexOf('.', dot + 1) >= 0) return undefined;
  return subject.slice(start, dot);
}

/**
 * Turns a journaled event into an envelope (the caller supplies the unique id and
 * optional causation/correlation). Undefined optional fields are left out so the
 * encoded bytes do not depend on how the event was built. Pure.
 */
export function toEnvelope(
  networkId: string,
  event: JournaledLeaseEvent,
  meta: EnvelopeIds,
): EventEnvelope<JournaledLeaseEventType, LeaseEventDataByType[JournaledLeaseEventType]> {
  const envelope = flatEventEnvelope(event, LEASE_EVENT_VERSION[event.type], leaseAggregate(networkId, event.ip), meta);
  return envelope as unknown as EventEnvelope<JournaledLeaseEventType, LeaseEventDataByType[JournaledLeaseEventType]>;
}

/**
 * Turns a decoded envelope back into the event the machine and table
 * consume, after protocol's validator for its type and version. Throws
 * `LeaseEventShapeError` if it is no lease event or its data is not what its
 * type and version allow. Pure.
 */
export function fromEnvelope(envelope: EventEnvelope): JournaledLeaseEvent {
  if (!journaledTypes.has(envelope.type)) throw new LeaseEventShapeError(envelope.type, 'not a lease event type');
  const problem = checkEventData(envelope.type, envelope.v, envelope.data);
  if (problem !== undefined) throw new LeaseEventShapeError(envelope.type, problem);
  return flattenEnvelope<JournaledLeaseEvent>(envelope);
}

/**
 * T1 and T2 for a lease of `leaseMs` starting at `at`, with RFC 2131 §4.4.5's
 * defaults (0.5 and 0.875 of the lease time). Pure.
 */
export function leaseTimes(at: number, leaseMs: number): { expiresAt: number; renewAt: number; rebindAt: number } {
  return { expiresAt: at + leaseMs, renewAt: at + Math.floor(leaseMs / 2), rebindAt: at + Math.floor((leaseMs * 7) / 8) };
}

/** The key that names a client: option 61 when present, else chaddr (RFC 2131 §4.2). Pure. */
export function clientKey(client: ClientRef): string {
  return client.clientId !== undefined ? `id:${client.clientId}` : `mac:${client.mac}`;
}
