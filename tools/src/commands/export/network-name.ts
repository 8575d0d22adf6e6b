/**
 * `export --network NAME`: the network's id from its name, read from the
 * journal (export talks to NATS, not to the API): the names networks were
 * created with and renamed to, and the read model snapshot the bundle starts
 * from when history was compacted. Before this, a name matched no subject
 * and the bundle held only heartbeats (exit 0).
 */
import type { ReadModel } from '@leasehold/api';
import { networkIdOf } from '@leasehold/resources';
import type { NatsConnection } from '@nats-io/transport-node';
import { badFlag } from '../resources/errors.js';
import { looksLikeId } from '../resources/resolve.js';
import { decodeRaw, readEvents } from '../events/reader.js';

/** The id `ref` names: itself when it looks like an id, else the one live network of that name. Reads the journal. */
export async function networkIdByName(nc: NatsConnection, ref: string, base: ReadModel | undefined): Promise<string> {
  if (looksLikeId(ref)) return ref;
  const names = new Map<string, string>();
  for (const [id, snapshot] of base?.networks ?? []) {
    const name = snapshot.value.context.network?.name;
    if (name !== undefined) names.set(id, name);
  }
  await readEvents(nc, { filter: 'lh.evt.network.>' }, (raw) => {
    const id = networkIdOf(raw.subject);
    const event = decodeRaw(raw).event;
    if (id === undefined || event === undefined) return;
    if (event.type === 'NetworkCreated') names.set(id, (event.data as { network: { name: string } }).network.name);
    else if (event.type === 'NetworkUpdated') {
      const name = (event.data as { changes: { name?: string } }).changes.name;
      if (name !== undefined) names.set(id, name);
    } else if (event.type === 'NetworkDeleted') names.delete(id);
  });
  const ids = [...names].filter(([, name]) => name === ref).map(([id]) => id);
  if (ids.length === 1) return ids[0]!;
  if (ids.length === 0) throw badFlag('--network', `no network is named ${JSON.stringify(ref)} (leasehold net list shows them; an id works too)`);
  throw badFlag('--network', `${ids.length} networks are named ${JSON.stringify(ref)}: give the id (${ids.join(', ')})`);
}
