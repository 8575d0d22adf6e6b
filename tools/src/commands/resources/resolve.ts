/**
 * Resources may be named on the command line by id or by name, as in the
 * OpenStack client. Ids are UUIDs (the API makes them with randomUUID), so a
 * UUID is taken as an id without a round trip; anything else is a name that
 * must match exactly one resource.
 */
import type { ApiClient } from '@leasehold/api/client';
import { CliError } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type ResourceKind = 'network' | 'subnet' | 'port';

/** True when `ref` has the shape of an id. Pure. */
export function looksLikeId(ref: string): boolean {
  return UUID.test(ref);
}

/** Picks the one match of a name, or says why there is none. Pure. */
export function pickByName(kind: ResourceKind, ref: string, matches: readonly { id: string }[], field: string): string {
  if (matches.length === 1) return matches[0]!.id;
  if (matches.length === 0) throw new CliError('NOT_FOUND', `no ${kind} has the id or name ${JSON.stringify(ref)}`, field);
  throw new CliError(
    'AMBIGUOUS_NAME',
    `${matches.length} ${kind}s are named ${JSON.stringify(ref)} (${matches.map((m) => m.id).join(', ')}): give an id`,
    field,
  );
}

/** The id of a resource named by id or name. */
export async function resolveId(client: ApiClient, kind: ResourceKind, ref: string, field: string): Promise<string> {
  if (looksLikeId(ref)) return ref;
  const matches =
    kind === 'network' ? await client.networks.list({ name: ref }) : kind === 'subnet' ? await client.subnets.list({ name: ref }) : await client.ports.list({ name: ref });
  return pickByName(kind, ref, matches, field);
}
