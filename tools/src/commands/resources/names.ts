/**
 * Names next to ids: a table of ports, subnets or leases names each row's
 * network by its id, which tells a person little; one list of the networks
 * (paged, as every list) gives each its name beside it.
 */
import type { ApiClient } from '@leasehold/api/client';
import type { Column } from './output.js';
import { listPages } from './paging.js';

/** Every network's name by its id. */
export async function networkNames(client: ApiClient): Promise<ReadonlyMap<string, string>> {
  const { items } = await listPages((paging) => client.networks.page(paging), {});
  return new Map(items.map((n) => [n.id, n.name]));
}

/** `columns` with a `network name` column after the `network` (id) column, or at the end when there is none. Pure. */
export function withNetworkName<T>(columns: readonly Column<T>[], names: ReadonlyMap<string, string>, networkOf: (row: T) => string): Column<T>[] {
  const named: Column<T> = { header: 'network name', value: (row) => names.get(networkOf(row)) ?? '' };
  const at = columns.findIndex((c) => c.header === 'network');
  return at < 0 ? [...columns, named] : [...columns.slice(0, at + 1), named, ...columns.slice(at + 1)];
}
