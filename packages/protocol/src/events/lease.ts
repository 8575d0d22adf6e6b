/**
 * Events of one address's lease (subject `lh.evt.lease.<networkId>.<ip-with-dashes>`),
 * written by the DHCP agents. Their `data` as it travels; @leasehold/lease-actor
 * turns them into the machine's events (with `at` from the envelope).
 * Addresses are `Ipv4` numbers; times are milliseconds since the epoch.
 */
import type { Ipv4 } from '../ipv4/address.js';

/** Who holds (or asked for) an address. RFC 2131 §4.2: the client identifier, when sent, names the client; else chaddr. */
export interface LeaseClientRef {
  /** chaddr, lowercase colon-separated hex, e.g. "fa:16:3e:00:00:01". */
  readonly mac: string;
  /** Option 61 as lowercase hex (type byte included), when the client sent one. */
  readonly clientId?: string;
}

/** LeaseBound v1: a REQUEST was ACKed (selecting, init-reboot, or a fresh DORA of a held address). */
export interface LeaseBoundData extends LeaseClientRef {
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
export interface LeaseRenewedData extends LeaseClientRef {
  readonly ip: Ipv4;
  readonly hostname?: string;
  readonly expiresAt: number;
  readonly renewAt: number;
  readonly rebindAt: number;
}

/** LeaseReleased v1: the holder sent DHCPRELEASE (RFC 2131 §4.4.6). */
export interface LeaseReleasedData extends LeaseClientRef {
  readonly ip: Ipv4;
}

/** LeaseDeclined v1: the holder sent DHCPDECLINE: the address is in use by someone else (RFC 2131 §4.3.3). */
export interface LeaseDeclinedData extends LeaseClientRef {
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
export interface LeaseEventData {
  LeaseBound: LeaseBoundData;
  LeaseRenewed: LeaseRenewedData;
  LeaseReleased: LeaseReleasedData;
  LeaseDeclined: LeaseDeclinedData;
  LeaseExpired: LeaseExpiredData;
}

export type LeaseEventType = keyof LeaseEventData;
