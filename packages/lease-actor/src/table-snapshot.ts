/**
 * A lease table as plain data, for projection snapshots: its configuration as
 * it stands (pools, fixed addresses, exclusions, timings) and its durable state
 * (`durableState()`: every lease but the offers, the client and MAC indexes).
 * Offers are left out because they live in memory only: a fold of the journal
 * has none either, so a table restored from a snapshot of a live table is the
 * fold of the same journal (at the same `now`). Restoring rebuilds everything
 * derived (free bits, heaps), so the table answers every later event and every
 * allocation as the one it was taken from would once its offers lapsed.
 *
 * Bump `LEASE_TABLE_SNAPSHOT_V` whenever this layout, what `durableState()`
 * holds or the meaning of a lease's fields change: an older snapshot is then
 * refused, never misread.
 */
import { isIpv4 } from '@leasehold/protocol';
import { LeaseConfigError, LeaseTableSnapshotError } from './errors.js';
import type { LeaseStatus } from './rules.js';
import { LeaseTable } from './table.js';
import type { DurableTableState, LeaseTableConfig } from './table-types.js';

export const LEASE_TABLE_SNAPSHOT_V = 1;

/** One network's lease table: configuration, durable state, schema version. Plain data for protocol's `pack`. */
export interface LeaseTableSnapshot extends Required<LeaseTableConfig>, DurableTableState {
  readonly v: typeof LEASE_TABLE_SNAPSHOT_V;
}

/** The statuses a table keeps (held leases are kept as `bound`; offers are not durable). */
const DURABLE_STATUSES = new Set<LeaseStatus>(['bound', 'released', 'expired', 'declined']);

/**
 * The table as a snapshot. Pure: reads the table, and shares with it only
 * lease contexts, which the table replaces rather than mutates, so the
 * snapshot stays exact while the table folds on.
 */
export function tableSnapshot(table: LeaseTable): LeaseTableSnapshot {
  return { v: LEASE_TABLE_SNAPSHOT_V, ...table.configuration(), ...table.durableState() };
}

/**
 * The table a snapshot holds (as unpacked: `unknown`). Throws
 * `LeaseTableSnapshotError` for another schema version or anything not shaped
 * like a snapshot, rather than misread it. Pure.
 */
export function restoreTable(value: unknown): LeaseTable {
  const s = checkTableSnapshot(value);
  const { v: _v, leases, clients, macs, ...config } = s;
  try {
    return LeaseTable.fromDurableState(config, { leases, clients, macs });
  } catch (cause) {
    if (cause instanceof LeaseConfigError) throw new LeaseTableSnapshotError(`lease-table snapshot of ${s.networkId}: ${cause.message}`, { cause });
    throw cause;
  }
}

/** Checks the shape of a lease-table snapshot down to each lease's status and address. Pure. */
function checkTableSnapshot(value: unknown): LeaseTableSnapshot {
  const fail = (detail: string): never => {
    throw new LeaseTableSnapshotError(`lease-table snapshot: ${detail}`);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('not a map');
  const s = value as Record<string, unknown>;
  if (s.v !== LEASE_TABLE_SNAPSHOT_V) fail(`schema version ${String(s.v)}, this build reads ${LEASE_TABLE_SNAPSHOT_V}`);
  if (typeof s.networkId !== 'string') fail('field "networkId" is not a string');
  for (const field of ['offerTtlMs', 'declineQuarantineMs', 'offerReclaimMs'] as const) {
    if (typeof s[field] !== 'number' || Number.isNaN(s[field])) fail(`field "${field}" is not a number`);
  }
  for (const field of ['pools', 'fixed', 'excluded', 'leases', 'clients', 'macs'] as const) {
    if (!Array.isArray(s[field])) fail(`field "${field}" is not an array`);
  }
  (s.leases as unknown[]).forEach((lease, i) => {
    const { status, context } = (lease ?? {}) as { status?: unknown; context?: { ip?: unknown } | null };
    if (!DURABLE_STATUSES.has(status as LeaseStatus)) fail(`lease ${i} has status ${String(status)}`);
    if (!isIpv4(context?.ip)) fail(`lease ${i} has no address`);
  });
  for (const field of ['clients', 'macs'] as const) {
    (s[field] as unknown[]).forEach((entry, i) => {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !isIpv4(entry[1])) fail(`${field} entry ${i} is not [key, address]`);
    });
  }
  return value as LeaseTableSnapshot;
}
