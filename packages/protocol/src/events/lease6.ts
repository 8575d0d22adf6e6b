/**
 * Events of one IPv6 address's lease (subject `lh.evt.lease6.<networkId>.<address>`,
 * the address's RFC 5952 text as the token, as the IPv6 claims spell it), written
 * by the DHCPv6 server of the agents. Their own family beside the DHCPv4 lease
 * events (lease.ts), as `Subnet6Created` is beside `SubnetCreated`: every IPv4
 * reader (lease tables, pools, `why lease`) keeps its numbers and never meets an
 * IPv6 lease. The holder is an IA: the client's DUID and the IAID (RFC 8415
 * section 12). Times are milliseconds since the epoch.
 */

/** Who holds an IPv6 address: one IA_NA of one client. */
export interface Lease6Holder {
  /** The client's DUID (CLIENTID) as lowercase hex, compared as opaque bytes (RFC 8415 11). */
  readonly duid: string;
  readonly iaid: number;
  /** The client's MAC when it was known (its DUID's, the relay's, the frame's), for people and static ports. */
  readonly mac?: string;
}

/** Lease6Bound v1: a REQUEST (or a rapid-commit SOLICIT) was answered with this address. */
export interface Lease6BoundData extends Lease6Holder {
  /** RFC 5952 text, the subject's token. */
  readonly ip: string;
  /** When the valid lifetime ends unless the client renews. */
  readonly expiresAt: number;
}

/** Lease6Renewed v1: a RENEW or REBIND of the holder extended the address. */
export interface Lease6RenewedData extends Lease6Holder {
  readonly ip: string;
  readonly expiresAt: number;
}

/** Lease6Released v1: the holder sent RELEASE (RFC 8415 18.3.7). */
export interface Lease6ReleasedData extends Lease6Holder {
  readonly ip: string;
}

/** Lease6Declined v1: the holder sent DECLINE: someone else uses the address (18.3.8). */
export interface Lease6DeclinedData extends Lease6Holder {
  readonly ip: string;
}

/** Lease6Expired v1: the lease passed its `expiresAt` unrenewed. */
export interface Lease6ExpiredData {
  readonly ip: string;
  readonly expiresAt: number;
}

/** Data of every journaled IPv6 lease event, by type. */
export interface Lease6EventData {
  Lease6Bound: Lease6BoundData;
  Lease6Renewed: Lease6RenewedData;
  Lease6Released: Lease6ReleasedData;
  Lease6Declined: Lease6DeclinedData;
  Lease6Expired: Lease6ExpiredData;
}

export type Lease6EventType = keyof Lease6EventData;
