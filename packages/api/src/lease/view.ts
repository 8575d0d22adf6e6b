/**
 * A lease as the API shows it (`LeaseView`), from the read model's last
 * row for an address. A bound lease past its expiry is shown expired: the
 * agent may not have written the expiry yet.
 */
import { formatIpv4 } from '@leasehold/protocol';
import type { LeaseRow } from '../read-model/agents.js';
import type { LeaseView } from '../wire/views.js';

/** Pure given `now`. */
export function leaseView(row: LeaseRow, now = Date.now()): LeaseView {
  return {
    network_id: row.networkId,
    ip_address: formatIpv4(row.ip),
    mac_address: row.mac,
    client_id: row.clientId ?? null,
    hostname: row.hostname ?? null,
    state: row.state === 'bound' && row.expiresAt !== undefined && row.expiresAt <= now ? 'expired' : row.state,
    expires_at: row.expiresAt === undefined ? null : new Date(row.expiresAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  };
}
