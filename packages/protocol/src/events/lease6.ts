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

/** The client message a bind or renewal answered (optional: events written before it have none). */
export type Lease6Message = 'solicit' | 'request' | 'renew' | 'rebind';

/**
 * Why the DHCPv6 server chose the address (its decision core's order, the
 * DHCPv4 allocator's names): `current` the IA's binding, `fixed` the
 * client's static port, `requested` the client's hint in its IA, `pool` the
 * probe of the pools from the hash of the identity.
 */
export type Lease6Source = 'current' | 'fixed' | 'requested' | 'pool';

/** What a bind or renewal says of its cause and its name; each optional (written from v1's second release on, as fields added to a v1 are). */
export interface Lease6Cause {
  readonly message?: Lease6Message;
  readonly source?: Lease6Source;
  /** The first label of the client's FQDN (option 39, RFC 4704), lower-case: its AAAA and PTR on the network's DNS view. */
  readonly hostname?: string;
}

/** Lease6Bound v1: a REQUEST (or a rapid-commit SOLICIT) was answered with this address. */
export interface Lease6BoundData extends Lease6Holder, Lease6Cause {
  /** RFC 5952 text, the subject's token. */
  readonly ip: string;
  /** When the valid lifetime ends unless the client renews. */
  readonly expiresAt: number;
}

/** Lease6Renewed v1: a RENEW or REBIND (or a REQUEST) of the holder extended the address. */
export interface Lease6RenewedData extends Lease6Holder, Lease6Cause {
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
