/**
 * Where replay and why read events from: the live journal on NATS, or a
 * bundle file (no NATS at all). Both give stored events in stream order, the
 * raw snapshot kept for an aggregate, and where their history starts (with
 * the API read model restored from the snapshot that holds what came
 * before), so everything above them works the same on either.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { ProjectionSnapshots, defaultLayout, jetstreamManagerAfterReloads, firstRetainedOf, type StoredEvent } from '@leasehold/journal';
import { decodeEvent } from '@leasehold/protocol';
import { subjectMatches } from '../events/filter.js';
import { EVENTS_STREAM, eventsStreamInfo, readEvents, type RawEvent } from '../events/reader.js';
import type { Bundle } from '../export/bundle.js';
import { WHOLE_HISTORY, historyFrom, type HistoryStart } from './history-start.js';

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
  /** Where the history it holds starts, and the API read model as the snapshot holding what came before has it. Read once. */
  history(): Promise<HistoryStart>;
}

/** Where the journal's history starts now: the stream's first retained event and the projection snapshots. */
export async function journalHistory(nc: NatsConnection): Promise<HistoryStart> {
  const { state } = await eventsStreamInfo(nc);
  const firstRetained = firstRetainedOf(state);
  if (firstRetained <= 1) return WHOLE_HISTORY;
  const jsm = await jetstreamManagerAfterReloads(nc);
  const first = state.messages === 0 ? null : await jsm.streams.getMessage(EVENTS_STREAM, { seq: firstRetained }).catch(() => null);
  const store = await ProjectionSnapshots.openReadOnly(nc);
  const snapshots = store ? await store.list() : [];
  return historyFrom({ firstRetained, firstRetainedAt: first?.time.getTime(), cause: 'compacted' }, snapshots, async (name) => (await store?.read(name))?.bytes, {
    whyNone: store ? 'no projection snapshot is stored' : `the projection-snapshot bucket ${defaultLayout.projectionBucket} does not exist`,
  });
}

/** Where a bundle's history starts, with the snapshot it carries restored. */
export async function bundleHistory(bundle: Bundle): Promise<HistoryStart> {
  const h = bundle.history;
  if (h.firstRetained <= 1) return WHOLE_HISTORY;
  return historyFrom(
    { firstRetained: h.firstRetained, firstRetainedAt: h.firstRetainedAt ?? undefined, cause: h.cause ?? 'exported' },
    [...bundle.projections.values()].map((p) => p.info),
    async (name) => bundle.projections.get(name)?.bytes,
    { others: h.others, ...(h.problem !== undefined ? { whyNone: h.problem } : { whyNone: 'the bundle carries no projection snapshot' }) },
  );
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
  let history: Promise<HistoryStart> | undefined;
  return {
    name,
    live: true,
    history: () => (history ??= journalHistory(nc)),
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
      const jsm = await jetstreamManagerAfterReloads(nc);
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
  let history: Promise<HistoryStart> | undefined;
  return {
    name,
    live: false,
    history: () => (history ??= bundleHistory(bundle)),
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
