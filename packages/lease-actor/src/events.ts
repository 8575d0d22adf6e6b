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
import { aggregateSubject, eventRegistry, type EventEnvelope, type EventRegistry } from '@leasehold/protocol';
import { formatIpv4 as formatIp, isIpv4, type Ipv4 } from '@leasehold/protocol';

/** Who holds (or asked for) an address. RFC 2131 §4.2: the client identifier, when sent, names the client; else chaddr. */
export interface ClientRef {
  /** chaddr, lowercase colon-separated hex, e.g. "fa:16:3e:00:00:01". */
  readonly mac: string;
  /** Option 61 as lowercase hex (type byte included), when the client sent one. */
  readonly clientId?: string;
}

/** LeaseBound v1: a REQUEST was ACKed (selecting, init-reboot, or a fresh DORA of a held address). */
export interface LeaseBoundData extends ClientRef {
  readonly ip: Ipv4;
  /** Option 12 (or 81) as the client sent it, recorded for DNS. */
  readonly hostname?: string;
  /** When the lease ends unless renewed (`at` + lease time). */
  readonly expiresAt: number;
  /** T1: when the client starts RENEWING (RFC 2131 §4.4.5, default 0.5 of the lease time). */
  readonly renewAt: number;
  /** T2: when the client starts REBINDING (default 0.875 of the lease time). */
  readonly rebindAt: number;
}

/** LeaseRenewed v1: a renewing or rebinding REQUEST from the holder was ACKed. */
export interface LeaseRenewedData extends ClientRef {
  readonly ip: Ipv4;
  readonly hostname?: string;
  readonly expiresAt: number;
  readonly renewAt: number;
  readonly rebindAt: number;
}

/** LeaseReleased v1: the holder sent DHCPRELEASE (RFC 2131 §4.4.6). */
export interface LeaseReleasedData extends ClientRef {
  readonly ip: Ipv4;
}

/** LeaseDeclined v1: the holder sent DHCPDECLINE: the address is in use by someone else (RFC 2131 §4.3.3). */
export interface LeaseDeclinedData extends ClientRef {
  readonly ip: Ipv4;
  /** The address is not handed out before this instant (`at` + the configured quarantine). */
  readonly quarantineUntil: number;
  /** Option 56, if the client explained. */
  readonly message?: string;
}

/** LeaseExpired v1: the runtime saw the lease pass its `expiresAt` unrenewed. */
export interface LeaseExpiredData {
  readonly ip: Ipv4;
  /** The `expiresAt` of the lease that ended, so a reader can tell which lease this was. */
  readonly expiresAt: number;
}

/** Data of every journaled lease event, by type. */
export interface LeaseEventDataByType {
  LeaseBound: LeaseBoundData;
  LeaseRenewed: LeaseRenewedData;
  LeaseReleased: LeaseReleasedData;
  LeaseDeclined: LeaseDeclinedData;
  LeaseExpired: LeaseExpiredData;
}

export type JournaledLeaseEventType = keyof LeaseEventDataByType;

/** The schema version this build writes, per journaled type. */
export const LEASE_EVENT_VERSION = {
  LeaseBound: 1,
  LeaseRenewed: 1,
  LeaseReleased: 1,
  LeaseDeclined: 1,
  LeaseExpired: 1,
} as const satisfies Record<JournaledLeaseEventType, number>;

/** Types and versions of lease events this build reads (for `decodeEvent`). */
export const leaseEventRegistry: EventRegistry = eventRegistry({
  LeaseBound: [1],
  LeaseRenewed: [1],
  LeaseReleased: [1],
  LeaseDeclined: [1],
  LeaseExpired: [1],
});

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

/** The aggregate id of one address's lease, e.g. "lease/net-1/10.0.0.5". Pure. */
export function leaseAggregate(networkId: string, ip: Ipv4): string {
  return `lease/${networkId}/${formatIp(ip)}`;
}

/** The JetStream subject of one address's lease, e.g. "lh.evt.lease.net-1.10-0-0-5". Pure. */
export function leaseSubject(networkId: string, ip: Ipv4): string {
  return aggregateSubject('lease', networkId, formatIp(ip));
}

/**
 * Turns a journaled event into an envelope (the caller supplies the unique id and
 * optional causation/correlation). Undefined optional fields are left out so the
 * encoded bytes do not depend on how the event was built. Pure.
 */
export function toEnvelope(
  networkId: string,
  event: JournaledLeaseEvent,
  meta: { id: string; causation?: string; correlation?: string },
): EventEnvelope<JournaledLeaseEventType, LeaseEventDataByType[JournaledLeaseEventType]> {
  const { type, at, ...rest } = event;
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) data[key] = value;
  const envelope: EventEnvelope<JournaledLeaseEventType, LeaseEventDataByType[JournaledLeaseEventType]> = {
    type,
    v: LEASE_EVENT_VERSION[type],
    id: meta.id,
    aggregate: leaseAggregate(networkId, event.ip),
    at,
    data: data as unknown as LeaseEventDataByType[JournaledLeaseEventType],
    ...(meta.causation !== undefined ? { causation: meta.causation } : {}),
    ...(meta.correlation !== undefined ? { correlation: meta.correlation } : {}),
  };
  return envelope;
}

/**
 * Turns a decoded envelope (already checked against `leaseEventRegistry`) back
 * into the event the machine and table consume. Throws `LeaseEventShapeError`
 * if `data` lacks what its type needs. Pure.
 */
export function fromEnvelope(envelope: EventEnvelope): JournaledLeaseEvent {
  if (!journaledTypes.has(envelope.type)) throw new LeaseEventShapeError(envelope.type, 'not a lease event type');
  const data = envelope.data;
  if (data === null || typeof data !== 'object') throw new LeaseEventShapeError(envelope.type, 'data is not a map');
  const d = data as Record<string, unknown>;
  const need = (field: string, ok: boolean): void => {
    if (!ok) throw new LeaseEventShapeError(envelope.type, `field "${field}" is missing or has the wrong type`);
  };
  const isTime = (v: unknown): boolean => typeof v === 'number' && !Number.isNaN(v);
  need('ip', isIpv4(d.ip));
  if (envelope.type !== 'LeaseExpired') {
    need('mac', typeof d.mac === 'string');
    need('clientId', d.clientId === undefined || typeof d.clientId === 'string');
  }
  switch (envelope.type) {
    case 'LeaseBound':
    case 'LeaseRenewed':
      need('hostname', d.hostname === undefined || typeof d.hostname === 'string');
      need('expiresAt', isTime(d.expiresAt));
      need('renewAt', isTime(d.renewAt));
      need('rebindAt', isTime(d.rebindAt));
      break;
    case 'LeaseDeclined':
      need('quarantineUntil', isTime(d.quarantineUntil));
      need('message', d.message === undefined || typeof d.message === 'string');
      break;
    case 'LeaseExpired':
      need('expiresAt', isTime(d.expiresAt));
      break;
  }
  return { ...d, type: envelope.type, at: envelope.at } as unknown as JournaledLeaseEvent;
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
