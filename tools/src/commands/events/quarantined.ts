/**
 * `leasehold events quarantined`: the stored events every projection skips,
 * found the way the projections find them (journal's `readMessage`: protocol's
 * validators for the envelope, the type and version, the data and the
 * subject), with what is wrong with each. Read-only, like `events dump`.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { readMessage, type QuarantinedEvent } from '@leasehold/journal';
import { decodeRaw, readEvents } from './reader.js';
import { isoTime, jsonSafe } from './render.js';
import { keeps, type EventFilter } from './filter.js';

/** A quarantined event as the command reports it. */
export interface QuarantinedRecord {
  readonly seq: number;
  readonly subject: string;
  /** When the server stored it (ms since the epoch). */
  readonly stored: number;
  /** Its type and schema version, when it decoded that far. */
  readonly type?: string;
  readonly v?: number;
  readonly reason: string;
  /** The envelope's data as stored, when it decoded (for --json). */
  readonly data?: unknown;
}

export interface QuarantineScan {
  /** Events read (that pass the filter's subjects). */
  readonly scanned: number;
  readonly quarantined: number;
}

/**
 * Reads the filter's events to the end of the stream as it is now and calls
 * `onFound` for each one no projection applies. Resolves with the counts.
 */
export async function scanQuarantined(nc: NatsConnection, filter: EventFilter, onFound: (record: QuarantinedRecord) => void): Promise<QuarantineScan> {
  let scanned = 0;
  let quarantined = 0;
  await readEvents(nc, { filter: filter.server, ...(filter.start ? { start: filter.start } : {}) }, (raw) => {
    const read = readMessage(raw);
    const type = read.ok ? read.stored.event.type : read.quarantined.type;
    if (!keeps(filter, raw.subject, type)) return;
    scanned++;
    if (read.ok) return;
    quarantined++;
    onFound(recordOf(read.quarantined, raw.stored, decodeRaw(raw).event?.data));
  });
  return { scanned, quarantined };
}

function recordOf(q: QuarantinedEvent, stored: number, data: unknown): QuarantinedRecord {
  return {
    seq: q.seq,
    subject: q.subject,
    stored,
    ...(q.type !== undefined ? { type: q.type } : {}),
    ...(q.v !== undefined ? { v: q.v } : {}),
    reason: q.reason,
    ...(data !== undefined ? { data } : {}),
  };
}

/** `seq stored-time subject type vN: reason` (type `<undecodable>` when it did not decode). Pure. */
export function renderQuarantinedLine(r: QuarantinedRecord): string {
  const what = r.type === undefined ? '<undecodable>' : `${r.type}${r.v === undefined ? '' : ` v${r.v}`}`;
  return `${r.seq} ${isoTime(r.stored)} ${r.subject} ${what}: ${r.reason}`;
}

/** One JSON object: `{seq, subject, time, type?, v?, reason, data?}`, data as stored. Pure. */
export function renderQuarantinedJson(r: QuarantinedRecord): string {
  return JSON.stringify(jsonSafe({ seq: r.seq, subject: r.subject, time: isoTime(r.stored), type: r.type, v: r.v, reason: r.reason, data: r.data }));
}
