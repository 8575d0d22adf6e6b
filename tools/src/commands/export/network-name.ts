/**
 * A network named by its name where the tools read the journal (`export
 * --network NAME`, `why binding NAME`), not the API: the names networks were
 * created with and renamed to, and the read model snapshot the history
 * starts from when it was compacted. Before this, a name matched no subject:
 * export wrote only heartbeats (exit 0) and why found no binding.
 */
import type { ReadModel } from '@leasehold/api';
import { networkIdOf } from '@leasehold/resources';
import type { NatsConnection } from '@nats-io/transport-node';
import { badFlag } from '../resources/errors.js';
import { looksLikeId } from '../resources/resolve.js';
import { decodeRaw, readEvents } from '../events/reader.js';
import type { EventSource } from '../replay/source.js';

/** One network event as the readers give it. */
type NetworkEvent = (subject: string, event: { readonly type: string; readonly data: unknown }) => void;

/**
 * The id `ref` names: itself when it looks like an id, else the one live
 * network of that name; `read` goes through the stored network events.
 * Throws a usage error for no such name or several.
 */
export async function networkIdByName(ref: string, read: (onEvent: NetworkEvent) => Promise<unknown>, base: ReadModel | undefined, flag = '--network'): Promise<string> {
  if (looksLikeId(ref)) return ref;
  const names = new Map<string, string>();
  for (const [id, snapshot] of base?.networks ?? []) {
    const name = snapshot.value.context.network?.name;
    if (name !== undefined) names.set(id, name);
  }
  await read((subject, event) => {
    const id = networkIdOf(subject);
    if (id === undefined) return;
    if (event.type === 'NetworkCreated') names.set(id, (event.data as { network: { name: string } }).network.name);
    else if (event.type === 'NetworkUpdated') {
      const name = (event.data as { changes: { name?: string } }).changes.name;
      if (name !== undefined) names.set(id, name);
    } else if (event.type === 'NetworkDeleted') names.delete(id);
  });
  const ids = [...names].filter(([, name]) => name === ref).map(([id]) => id);
  if (ids.length === 1) return ids[0]!;
  if (ids.length === 0) throw badFlag(flag, `no network is named ${JSON.stringify(ref)} (leasehold net list shows them; an id works too)`);
  throw badFlag(flag, `${ids.length} networks are named ${JSON.stringify(ref)}: give the id (${ids.join(', ')})`);
}

/** The network events on NATS, for `networkIdByName`. */
export const natsNetworkEvents = (nc: NatsConnection) => (onEvent: NetworkEvent) =>
  readEvents(nc, { filter: 'lh.evt.network.>' }, (raw) => {
    const event = decodeRaw(raw).event;
    if (event !== undefined) onEvent(raw.subject, event);
  });

/** The network events of a replay source (NATS or a bundle), for `networkIdByName`. */
export const sourceNetworkEvents = (source: EventSource) => (onEvent: NetworkEvent) => source.replay('lh.evt.network.>', (stored) => onEvent(stored.subject, stored.event));
