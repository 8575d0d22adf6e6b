/**
 * Where replay and why read events from: the live journal on NATS, or a
 * bundle file (no NATS at all). Both give stored events in stream order and
 * the raw snapshot kept for an aggregate, so everything above them works
 * the same on either.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { defaultLayout, type StoredEvent } from '@leasehold/journal';
import { decodeEvent } from '@leasehold/protocol';
import { subjectMatches } from '../events/filter.js';
import { readEvents, type RawEvent } from '../events/reader.js';
import type { Bundle } from '../export/bundle.js';

export interface SourceReadOptions {
  readonly toSeq?: number;
  /** Undecodable events go here (they are skipped). */
  readonly onBadEvent?: (seq: number, subject: string, error: unknown) => void;
  /** How many events the read will go through, once known (for a progress bar). */
  readonly onPending?: (pending: number) => void;
}

export interface EventSource {
  /** For messages: "nats://127.0.0.1:4222" or "bundle bug.lhb". */
  readonly name: string;
  /** True when a running API can be asked (not for bundles). */
  readonly live: boolean;
  /** Calls `onEvent` for each stored event matching `filter`, in order; resolves with the count. */
  replay(filter: string, onEvent: (stored: StoredEvent) => void, options?: SourceReadOptions): Promise<number>;
  /** The raw value of the aggregate's stored snapshot, if there is one. */
  snapshot(subject: string): Promise<Uint8Array | undefined>;
}

function decodeInto(raw: RawEvent, onEvent: (stored: StoredEvent) => void, options: SourceReadOptions): boolean {
  try {
    onEvent({ seq: raw.seq, subject: raw.subject, event: decodeEvent(raw.data) });
    return true;
  } catch (error) {
    options.onBadEvent?.(raw.seq, raw.subject, error);
    return false;
  }
}

/** The journal on a NATS server, read-only (nothing is provisioned). */
export function natsSource(nc: NatsConnection, name: string): EventSource {
  return {
    name,
    live: true,
    async replay(filter, onEvent, options = {}) {
      let count = 0;
      await readEvents(
        nc,
        { filter, ...(options.toSeq !== undefined ? { toSeq: options.toSeq } : {}), ...(options.onPending ? { onPending: options.onPending } : {}) },
        (raw) => void (decodeInto(raw, onEvent, options) && count++),
      );
      return count;
    },
    async snapshot(subject) {
      // KV keeps the bucket as stream KV_<bucket>, one subject per key; read it without opening (or creating) the bucket.
      const jsm = await jetstreamManager(nc);
      const bucket = defaultLayout.snapshotBucket;
      try {
        const msg = await jsm.streams.getMessage(`KV_${bucket}`, { last_by_subj: `$KV.${bucket}.${subject}` });
        if (!msg || msg.data.length === 0) return undefined;
        const op = msg.header?.get('KV-Operation');
        return op === 'DEL' || op === 'PURGE' ? undefined : msg.data;
      } catch (error) {
        if (error instanceof Error && /not found|no message/i.test(error.message)) return undefined;
        throw error;
      }
    },
  };
}

/** A bundle read into memory. */
export function bundleSource(bundle: Bundle, name: string): EventSource {
  return {
    name,
    live: false,
    async replay(filter, onEvent, options = {}) {
      let count = 0;
      const to = options.toSeq ?? Number.POSITIVE_INFINITY;
      const selected = bundle.events.filter((raw) => raw.seq <= to && subjectMatches(filter, raw.subject));
      options.onPending?.(selected.length);
      for (const raw of selected) if (decodeInto(raw, onEvent, options)) count++;
      return count;
    },
    async snapshot(subject) {
      return bundle.snapshots.get(subject);
    },
  };
}
