/** Errors of the lease actor. Refusals are values on the hot path; these wrap them for callers that throw. */
import { EnvelopeDecodeError } from '@leasehold/protocol';
import { formatIpv4 as formatIp, type Ipv4 } from '@leasehold/protocol';

/** A lease envelope whose data lacks what its type and version promise. A DecodeError, so the hot path counts and drops it. */
export class LeaseEventShapeError extends EnvelopeDecodeError {
  override name = 'LeaseEventShapeError';
  constructor(
    readonly type: string,
    readonly detail: string,
  ) {
    super(`${type}: ${detail}`);
  }
}

/** Why a lease command was refused (the machine's `snapshot.can(event)` said no). */
export type LeaseRefusalReason =
  /** The event names another address than this aggregate's. */
  | 'wrong-address'
  /** The address is bound to another client. */
  | 'held-by-another-client'
  /** An offer to the client that already holds the address: answer with its lease instead. */
  | 'already-held'
  /** The address is offered to another client and the offer has not lapsed. */
  | 'offered-to-another-client'
  /** The address was declined and its quarantine has not ended. */
  | 'quarantined'
  /** Renew, release, decline or expire of an address that has no lease. */
  | 'not-bound'
  /** Renewal after the lease ended: the client must start over (RFC 2131 §4.4.5). */
  | 'lease-over'
  /** Expiry asked for before `expiresAt`. */
  | 'not-yet-expired'
  /** Expiry of an earlier lease on this address (it was renewed or rebound since). */
  | 'stale-expiry'
  /** Times out of order: at <= renewAt <= rebindAt <= expiresAt does not hold. */
  | 'invalid-times'
  /** The address is a fixed address of another port, or outside every pool, or excluded. */
  | 'reserved'
  /** A clock tick with nothing due. */
  | 'nothing-due';

/** A command the lease machine refuses, with the reason; the caller answers with it (DHCPNAK, an API error). */
export class LeaseRefusedError extends Error {
  override name = 'LeaseRefusedError';
  constructor(
    readonly eventType: string,
    readonly ip: Ipv4,
    readonly reason: LeaseRefusalReason,
  ) {
    super(`${eventType} for ${formatIp(ip)} refused: ${reason}`);
  }
}

/** A configuration value (address, pool, fixed address) that cannot be used. */
export class LeaseConfigError extends Error {
  override name = 'LeaseConfigError';
}

/**
 * A stored lease-table snapshot this build cannot use: another schema version,
 * or not shaped like one. The caller folds the journal instead.
 */
export class LeaseTableSnapshotError extends Error {
  override name = 'LeaseTableSnapshotError';
}
