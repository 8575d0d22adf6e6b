/**
 * A lease as the API shows it (`LeaseView`), from the read model's last
 * row for an address, IPv4 or IPv6. A bound lease past its expiry is shown
 * expired: the agent may not have written the expiry yet.
 */
import { formatIpv4 } from '@leasehold/protocol';
import type { LeaseRow, LeaseState } from '../read-model/agents.js';
import type { Lease6Row } from '../read-model/lease6-rows.js';
import type { LeaseView } from '../wire/views.js';

/** The state shown at `now`. Pure. */
const shownState = (row: { state: LeaseState; expiresAt: number | undefined }, now: number) => (row.state === 'bound' && row.expiresAt !== undefined && row.expiresAt <= now ? 'expired' : row.state);

/** Pure given `now`. */
export function leaseView(row: LeaseRow, now = Date.now()): LeaseView {
  return {
    network_id: row.networkId,
    ip_version: 4,
    ip_address: formatIpv4(row.ip),
    mac_address: row.mac,
    client_id: row.clientId ?? null,
    duid: null,
    iaid: null,
    hostname: row.hostname ?? null,
    state: shownState(row, now),
    expires_at: row.expiresAt === undefined ? null : new Date(row.expiresAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  };
}

/** An IPv6 (DHCPv6) lease: its holder is a DUID and IAID, not a client id. Pure given `now`. */
export function lease6View(row: Lease6Row, now = Date.now()): LeaseView {
  return {
    network_id: row.networkId,
    ip_version: 6,
    ip_address: row.ip,
    mac_address: row.mac,
    client_id: null,
    duid: row.duid ?? null,
    iaid: row.iaid ?? null,
    hostname: row.hostname ?? null,
    state: shownState(row, now),
    expires_at: row.expiresAt === undefined ? null : new Date(row.expiresAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  };
}
