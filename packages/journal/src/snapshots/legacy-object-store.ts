/**
 * Projection snapshots from before the KV bucket: the first version kept them
 * in the object store `lh_projections` (projection-snapshots.ts says why that
 * went). A journal compacted then depends on them (the floor never passed the
 * newest snapshot of each kind), so when the KV bucket is created, the object
 * store's snapshots are copied into it. The object store is only read: nothing
 * in it is changed, deleted or purged; an operator removes it when done.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import type { JournalLayout } from '../provision.js';
import { ProjectionSnapshots } from './projection-snapshots.js';

/** The object store the first version of projection snapshots used. */
const LEGACY_PROJECTION_STORE = 'lh_projections';

/** What a copy did: snapshots copied, and those left out with why. */
export interface LegacyCopy {
  readonly copied: readonly string[];
  readonly skipped: readonly { readonly name: string; readonly why: string }[];
}

/**
 * Copies every snapshot of the object store `store` that the KV bucket of
 * `layout` lacks (or holds at an older sequence). One that cannot be read (its
 * digest does not match, its metadata is not ours) is skipped and named: a
 * load would have refused it too. Nothing to do when there is no such store.
 */
export async function copyLegacySnapshots(nc: NatsConnection, jsm: JetStreamManager, layout: Pick<JournalLayout, 'projectionBucket'>, store = LEGACY_PROJECTION_STORE): Promise<LegacyCopy> {
  const copied: string[] = [];
  const skipped: { name: string; why: string }[] = [];
  try {
    await jsm.streams.info(`OBJ_${store}`);
  } catch (error) {
    if (error instanceof Error && /stream not found/i.test(error.message)) return { copied, skipped };
    throw error;
  }
  const into = await ProjectionSnapshots.openReadOnly(nc, layout);
  if (!into) throw new Error(`the projection-snapshot bucket ${layout.projectionBucket} does not exist`);
  const objects = await new Objm(nc).open(store);
  for (const object of await objects.list()) {
    if (object.deleted) continue;
    const meta = object.metadata ?? {};
    const number = (key: string) => (/^\d+$/.test(meta[key] ?? '') ? Number(meta[key]) : undefined);
    const [v, seq, at] = [number('lh-v'), number('lh-seq'), number('lh-at')];
    if (v === undefined || seq === undefined || at === undefined) {
      skipped.push({ name: object.name, why: 'its metadata has no lh-v, lh-seq and lh-at' });
      continue;
    }
    const have = await into.info(object.name);
    if (have && have.seq >= seq) continue;
    try {
      // getBlob checks the SHA-256 the object store keeps.
      const bytes = await objects.getBlob(object.name);
      if (!bytes) continue;
      await into.copy({ name: object.name, v, fingerprint: meta['lh-fingerprint'] ?? '', seq, at }, bytes);
      copied.push(object.name);
    } catch (error) {
      skipped.push({ name: object.name, why: error instanceof Error ? error.message : String(error) });
    }
  }
  return { copied, skipped };
}
