/**
 * The API's rows of IPv6 leases (DHCPv6): each address's last lease, folded
 * from the agents' lease6 events on `lh.evt.lease6.<networkId>.<address>`
 * as agents.ts folds the IPv4 ones. They are kept beside the IPv4 rows, not
 * among them, keyed by the address's RFC 5952 text (the subject's token and
 * the events' `ip`): every reader of the IPv4 rows (`why lease`'s snapshot
 * rows, the lease gauge, `replay`'s live check) keeps its numbers.
 */
import type { Lease6EventType } from '@leasehold/protocol';
import type { LeaseState } from './agents.js';

export interface Lease6Row {
  readonly networkId: string;
  /** RFC 5952 text. */
  readonly ip: string;
  /** The holder's DUID (lowercase hex) and IAID; undefined only after an expiry of a lease whose bind this model never saw. */
  readonly duid: string | undefined;
  readonly iaid: number | undefined;
  /** The client's MAC as the agent knew it (its DUID's, the relay's): what `mac_address` filters on; '' when unknown. */
  readonly mac: string;
  readonly hostname: string | undefined;
  readonly state: LeaseState;
  readonly expiresAt: number | undefined;
  readonly updatedAt: number;
  readonly version: number;
}

/** The fields of any lease6 event's data (protocol's validator has checked them). */
export interface Lease6Data {
  readonly ip: string;
  readonly duid?: string;
  readonly iaid?: number;
  readonly mac?: string;
  readonly hostname?: string;
  readonly expiresAt?: number;
}

const STATE_OF: Record<Lease6EventType, LeaseState> = {
  Lease6Bound: 'bound',
  Lease6Renewed: 'bound',
  Lease6Released: 'released',
  Lease6Declined: 'declined',
  Lease6Expired: 'expired',
};

/** Whether an event type is an IPv6 lease event. Pure. */
export function isLease6EventType(type: string): type is Lease6EventType {
  return Object.hasOwn(STATE_OF, type);
}

/**
 * The address's row after one lease6 event (`at` the envelope's, `seq` its
 * stream sequence). A bind is a new holder: nothing of the previous one
 * carries over; a renewal, release, decline or expiry keeps what it does not
 * say. Pure.
 */
export function foldLease6(previous: Lease6Row | undefined, networkId: string, type: Lease6EventType, data: Lease6Data, at: number, seq: number): Lease6Row {
  const same = type === 'Lease6Bound' ? undefined : previous;
  const state = STATE_OF[type];
  return {
    networkId,
    ip: data.ip,
    duid: data.duid ?? same?.duid,
    iaid: data.iaid ?? same?.iaid,
    mac: data.mac ?? same?.mac ?? '',
    hostname: data.hostname ?? same?.hostname,
    state,
    expiresAt: state === 'bound' ? data.expiresAt : undefined,
    updatedAt: at,
    version: seq,
  };
}
