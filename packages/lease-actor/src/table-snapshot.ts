/**
 * A lease table as plain data, for projection snapshots: its configuration as
 * it stands (pools, fixed addresses, exclusions, timings) and its durable state
 * (`durableState()`: every lease but the offers, and the client and MAC
 * indexes). Offers are left out because they live in memory only: a fold of
 * the journal has none either, so a table restored from a snapshot of a live
 * table is the fold of the same journal (at the same `now`). Restoring
 * rebuilds everything derived (free bits, heaps), so the table answers every
 * later event and every allocation as the one it was taken from would once
 * its offers lapsed.
 *
 * A lease is one tuple, not the context object: with 50,000 leases, protocol's
 * `pack` (structured cloning tracks every object) takes a third of the time.
 * The two indexes are two bits on the leases they point at, which the fold
 * guarantees they do; as explicit entries they were a third of the size.
 *
 * Bump `LEASE_TABLE_SNAPSHOT_V` whenever this layout, what `durableState()`
 * holds or the meaning of a lease's fields change: an older snapshot is then
 * refused, never misread.
 */
import { isIpv4, type Ipv4 } from '@leasehold/protocol';
import { LeaseConfigError, LeaseTableSnapshotError } from './errors.js';
import { clientKey } from './events.js';
import type { LeaseContext, LeaseStatus } from './rules.js';
import { LeaseTable } from './table.js';
import type { DurableTableState, LeaseTableConfig } from './table-types.js';

export const LEASE_TABLE_SNAPSHOT_V = 1;

/**
 * One lease: its context's fields, its status and how its last lease ended as
 * indexes into `STATUSES` and `ENDINGS`, absent values as null, and `indexed`:
 * bit 1 when it is its client's preferred address (the by-client index), bit 2
 * when it is its MAC's (the by-MAC index).
 */
export type LeaseTuple = readonly [
  ip: Ipv4,
  status: number,
  mac: string | null,
  clientId: string | null,
  hostname: string | null,
  boundAt: number | null,
  renewAt: number | null,
  rebindAt: number | null,
  expiresAt: number | null,
  ended: number,
  quarantineUntil: number | null,
  indexed: number,
];

/** One network's lease table: configuration, durable state, schema version. Plain data for protocol's `pack`. */
export interface LeaseTableSnapshot extends Required<LeaseTableConfig> {
  readonly v: typeof LEASE_TABLE_SNAPSHOT_V;
  /** Every lease but the offers, by address. */
  readonly leases: readonly LeaseTuple[];
  /** Index entries the bits cannot express (naming an address whose lease is another client's); the fold makes none. */
  readonly clients: DurableTableState['clients'];
  readonly macs: DurableTableState['macs'];
}

/** The statuses a table keeps (held leases are kept as `bound`; offers are not durable). */
const STATUSES: readonly LeaseStatus[] = ['bound', 'released', 'expired', 'declined'];
const STATUS_INDEX = new Map(STATUSES.map((s, i) => [s, i]));
const ENDINGS: readonly LeaseContext['ended'][] = [null, 'released', 'expired'];
const BY_CLIENT = 1;
const BY_MAC = 2;

/**
 * The table as a snapshot. Pure: reads the table and shares nothing with it,
 * so the snapshot stays exact while the table folds on.
 */
export function tableSnapshot(table: LeaseTable): LeaseTableSnapshot {
  const { leases, clients, macs } = table.durableState();
  const index = new Map(leases.map(({ context }, i) => [context.ip, i]));
  const indexed = new Array<number>(leases.length).fill(0);
  // The bit for each entry that names its own lease's client; the others stay entries.
  const flag = (entries: DurableTableState['clients'], bit: number, nameOf: (client: NonNullable<LeaseContext['client']>) => string) =>
    entries.filter(([name, ip]) => {
      const i = index.get(ip);
      const client = i === undefined ? null : leases[i]!.context.client;
      if (client === null || nameOf(client) !== name) return true;
      indexed[i!]! |= bit;
      return false;
    });
  const otherClients = flag(clients, BY_CLIENT, clientKey);
  const otherMacs = flag(macs, BY_MAC, (client) => client.mac);
  return {
    v: LEASE_TABLE_SNAPSHOT_V,
    ...table.configuration(),
    leases: leases.map(({ status, context }, i) => toTuple(status, context, indexed[i]!)),
    clients: otherClients,
    macs: otherMacs,
  };
}

/** The context fields a tuple holds (`offer` is always null in a durable lease). */
type TupleFields = 'ip' | 'client' | 'hostname' | 'boundAt' | 'renewAt' | 'rebindAt' | 'expiresAt' | 'ended' | 'quarantineUntil' | 'offer';
// A field added to LeaseContext must get a place in the tuple (and a new LEASE_TABLE_SNAPSHOT_V): this stops compiling until it does.
const everyFieldHeld: Exclude<keyof LeaseContext, TupleFields> extends never ? true : never = true;
void everyFieldHeld;

function toTuple(status: LeaseStatus, c: LeaseContext, indexed: number): LeaseTuple {
  const client = c.client;
  return [
    c.ip,
    STATUS_INDEX.get(status)!,
    client?.mac ?? null,
    client?.clientId ?? null,
    c.hostname,
    c.boundAt,
    c.renewAt,
    c.rebindAt,
    c.expiresAt,
    ENDINGS.indexOf(c.ended),
    c.quarantineUntil,
    indexed,
  ];
}

/**
 * The table a snapshot holds (as unpacked: `unknown`). Throws
 * `LeaseTableSnapshotError` for another schema version or anything not shaped
 * like a snapshot, rather than misread it. Pure.
 */
export function restoreTable(value: unknown): LeaseTable {
  const s = checkTableSnapshot(value);
  const { v: _v, leases: tuples, clients, macs, ...config } = s;
  const byClient: (readonly [string, Ipv4])[] = [...clients];
  const byMac: (readonly [string, Ipv4])[] = [...macs];
  const leases = tuples.map(([ip, status, mac, clientId, hostname, boundAt, renewAt, rebindAt, expiresAt, ended, quarantineUntil, indexed]) => {
    const client = mac === null ? null : clientId === null ? { mac } : { mac, clientId };
    const context: LeaseContext = { ip, client, hostname, boundAt, renewAt, rebindAt, expiresAt, ended: ENDINGS[ended]!, quarantineUntil, offer: null };
    if (client !== null && indexed & BY_CLIENT) byClient.push([clientKey(client), ip]);
    if (client !== null && indexed & BY_MAC) byMac.push([mac!, ip]);
    return { status: STATUSES[status]!, context };
  });
  try {
    return LeaseTable.fromDurableState(config, { leases, clients: byClient, macs: byMac });
  } catch (cause) {
    if (cause instanceof LeaseConfigError) throw new LeaseTableSnapshotError(`lease-table snapshot of ${s.networkId}: ${cause.message}`, { cause });
    throw cause;
  }
}

/** The host names of a snapshot's bound leases, by address, without restoring the table. Pure. */
export function snapshotHostnames(snapshot: LeaseTableSnapshot): Map<Ipv4, string> {
  const names = new Map<Ipv4, string>();
  const bound = STATUS_INDEX.get('bound')!;
  for (const [ip, status, , , hostname] of snapshot.leases) if (status === bound && hostname) names.set(ip, hostname);
  return names;
}

const isText = (x: unknown) => x === null || typeof x === 'string';
const isTime = (x: unknown) => x === null || (typeof x === 'number' && !Number.isNaN(x));
const isCode = (x: unknown, count: number) => Number.isInteger(x) && (x as number) >= 0 && (x as number) < count;

/** Checks the shape of a lease-table snapshot down to each field of each lease. Pure. */
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
  const leases = s.leases as unknown[];
  for (let i = 0; i < leases.length; i++) {
    const t = leases[i] as unknown[];
    const ok =
      Array.isArray(t) &&
      t.length === 12 &&
      isIpv4(t[0]) &&
      isCode(t[1], STATUSES.length) &&
      isText(t[2]) &&
      isText(t[3]) &&
      isText(t[4]) &&
      isTime(t[5]) &&
      isTime(t[6]) &&
      isTime(t[7]) &&
      isTime(t[8]) &&
      isCode(t[9], ENDINGS.length) &&
      isTime(t[10]) &&
      isCode(t[11], 4) &&
      // No client, no client id and no index pointing here.
      (t[2] !== null || (t[3] === null && t[11] === 0));
    if (!ok) fail(`lease ${i} is not a lease tuple`);
  }
  for (const field of ['clients', 'macs'] as const) {
    (s[field] as unknown[]).forEach((entry, i) => {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !isIpv4(entry[1])) fail(`${field} entry ${i} is not [key, address]`);
    });
  }
  return value as LeaseTableSnapshot;
}
