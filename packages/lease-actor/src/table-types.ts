/** The lease table's configuration, requests and views (see table.ts). */
import type { ClientRef } from './events.js';
import type { Ipv4 } from '@leasehold/protocol';
import type { PoolRange } from './pools.js';
import type { LeaseContext, LeaseStatus } from './rules.js';

/** A Neutron port's address: the MAC always gets this IP, and no other client ever does. */
export interface FixedAddress {
  readonly mac: string;
  readonly ip: Ipv4;
}

/** What a table uses for the timings its configuration leaves out. */
export const LEASE_TABLE_DEFAULTS = {
  offerTtlMs: 60_000,
  declineQuarantineMs: 86_400_000,
  offerReclaimMs: 2_000,
} as const;

export interface LeaseTableConfig {
  readonly networkId: string;
  /** Dynamic ranges (dnsmasq's dhcp-range). None: static mode, fixed addresses only. */
  readonly pools?: readonly PoolRange[];
  readonly fixed?: readonly FixedAddress[];
  /** Never handed out: the gateway, the DHCP ports' own addresses. */
  readonly excluded?: readonly Ipv4[];
  /** How long an OFFER holds its address (default 60 s). */
  readonly offerTtlMs?: number;
  /** How long a declined address is kept out of use (default 24 h, Kea's decline-probation-period). */
  readonly declineQuarantineMs?: number;
  /**
   * When the pool is exhausted, an offer at least this old that was never
   * requested is withdrawn and its address given to the new client (default
   * 2 s; Infinity never). Clients REQUEST within milliseconds of an OFFER, so
   * this only reclaims what a DISCOVER flood of made-up MACs holds.
   */
  readonly offerReclaimMs?: number;
}

export interface AllocationRequest extends ClientRef {
  /** Option 50 (requested IP address), if the client sent one. */
  readonly requestedIp?: Ipv4;
  /** Restrict dynamic allocation to this subnet's pools (chosen by interface or giaddr). */
  readonly subnetId?: string;
  readonly now: number;
}

/** Why this address was chosen, most preferred first. */
export type AllocationSource = 'fixed' | 'current' | 'offered' | 'previous' | 'requested' | 'pool';

export type Allocation =
  | { readonly ok: true; readonly ip: Ipv4; readonly source: AllocationSource }
  | { readonly ok: false; readonly reason: 'pool-exhausted' | 'fixed-address-in-use' };

/** One lease as seen at an instant: `status` includes renewing/rebinding and lapsed offers. */
export interface TableLease extends LeaseContext {
  readonly status: LeaseStatus;
}

/** The durable part of the table (offers left out), for comparing a replay with a live table. */
export interface DurableTableState {
  readonly leases: readonly { readonly status: LeaseStatus; readonly context: LeaseContext }[];
  readonly clients: readonly (readonly [string, Ipv4])[];
  readonly macs: readonly (readonly [string, Ipv4])[];
}
