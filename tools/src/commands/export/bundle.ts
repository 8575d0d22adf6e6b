/**
 * The bundle: a single gzip file a user can attach to a bug report, holding
 * events as they were stored plus what is needed to read them.
 *
 * After gunzip: one line of JSON (the header: format, version, created,
 * filters, counts, stream info, where its history starts), then records,
 * each a 4-byte big-endian length and a msgpack map: `{k:'e', seq, subject,
 * stored, data}` for an event, `{k:'s', subject, value}` for an aggregate
 * snapshot, `{k:'p', name, v, fingerprint, seq, at, value}` for a
 * projection snapshot (`value` packed as the snapshot store keeps it).
 *
 * Version 2 added the header's `history` and the projection snapshots: a
 * bundle of a compacted journal (or exported `--since`) carries the API
 * read model's snapshot that holds what came before its first event, so a
 * replay from it starts from the same state a replay on NATS does.
 * Version 1 bundles are still read (their history is taken from the
 * stream's first sequence; they carry no projection snapshot).
 *
 * Why msgpack with the message bytes untouched rather than JSON lines:
 * `data` is the exact message JetStream stored, so a replay from a bundle
 * decodes the same bytes a replay from NATS would: events carry values JSON
 * cannot keep (Uint8Array, Map, BigInt under msgpackr's structured clone),
 * and an event this build cannot decode, often the very subject of the bug
 * report, travels intact. The header stays JSON so `zcat FILE | head -1`
 * tells what a bundle is.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { SnapshotInfo } from '@leasehold/journal';
import { DecodeError, pack, unpack } from '@leasehold/protocol';
import type { RawEvent } from '../events/reader.js';
import type { SnapshotRef } from '../replay/history-start.js';

export const BUNDLE_FORMAT = 'leasehold-bundle';
export const BUNDLE_VERSION = 2;
/** Versions this build reads. */
export const BUNDLE_VERSIONS_READ: readonly number[] = [1, 2];

/** Where the history a bundle holds starts (header field `history`, version 2 on). */
export interface BundleHistory {
  /** The first event the export read: every event of the selection from here on is in the bundle. */
  readonly firstRetained: number;
  /** When it was stored (ms), when known. */
  readonly firstRetainedAt: number | null;
  /** Why that is after event 1: the journal was compacted, or the export started later (--since). */
  readonly cause: 'compacted' | 'exported' | null;
  /** The projection snapshots in the bundle (records `p`). */
  readonly snapshots: readonly SnapshotInfo[];
  /** The journal's other projection snapshots, named only. */
  readonly others: readonly SnapshotRef[];
  /** Why no snapshot is in the bundle, when its history starts after event 1. */
  readonly problem?: string;
}

export interface BundleHeader {
  readonly format: typeof BUNDLE_FORMAT;
  readonly version: number;
  /** ISO time the bundle was written. */
  readonly created: string;
  /** The selection, as given on the command line. */
  readonly filters: Readonly<Record<string, unknown>>;
  /** Events in the bundle. */
  readonly count: number;
  /** Distinct aggregate subjects among them. */
  readonly aggregates: number;
  readonly snapshots: number;
  /** The stream read, and its extent when the export started. */
  readonly stream: { readonly name: string; readonly firstSeq: number; readonly lastSeq: number; readonly messages: number; readonly server?: string };
  /** Sequences of the first and last event in the bundle (0 when empty). */
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Version 2 on. */
  readonly history?: BundleHistory;
}

export interface ProjectionRecord {
  readonly info: SnapshotInfo;
  /** The state packed, as the snapshot store keeps it. */
  readonly bytes: Uint8Array;
}

export interface Bundle {
  readonly header: BundleHeader;
  readonly events: readonly RawEvent[];
  /** Aggregate subject → the raw snapshot value as kept in KV. */
  readonly snapshots: ReadonlyMap<string, Uint8Array>;
  /** Projection snapshot name → its info and packed state. */
  readonly projections: ReadonlyMap<string, ProjectionRecord>;
  /** Where its history starts (for a version 1 bundle, from the stream's first sequence and its --since). */
  readonly history: BundleHistory;
}

/** A file that is not a bundle, or a damaged one: names the problem and the offset in the gunzipped bytes. */
export class BundleDecodeError extends DecodeError {
  override name = 'BundleDecodeError';
  constructor(reason: string, offset: number, options?: ErrorOptions) {
    super(BUNDLE_FORMAT, reason, offset, options);
  }
}

function frame(record: object): Buffer {
  const body = pack(record);
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.set(body, 4);
  return out;
}

/**
 * Writes a bundle as events arrive: records go to a side file, and `finish`
 * puts the header (whose counts are known only then) in front, gzips it all
 * to a temporary name and renames it into place, so a reader never sees half
 * a bundle.
 */
export class BundleWriter {
  private readonly records;
  private count = 0;
  private snapshots = 0;
  private readonly subjects = new Set<string>();
  private firstSeq = 0;
  private lastSeq = 0;
  private bytes = 0;

  constructor(readonly file: string) {
    this.records = createWriteStream(`${file}.records.tmp`);
  }

  /** Appends one stored event, bytes unchanged. Waits when the disk is behind. */
  async addEvent(raw: RawEvent): Promise<void> {
    this.count++;
    this.subjects.add(raw.subject);
    if (this.firstSeq === 0) this.firstSeq = raw.seq;
    this.lastSeq = raw.seq;
    await this.write(frame({ k: 'e', seq: raw.seq, subject: raw.subject, stored: raw.stored, data: raw.data }));
  }

  async addSnapshot(subject: string, value: Uint8Array): Promise<void> {
    this.snapshots++;
    await this.write(frame({ k: 's', subject, value }));
  }

  /** A projection snapshot, its packed state unchanged. */
  async addProjection(info: SnapshotInfo, bytes: Uint8Array): Promise<void> {
    const { name, v, fingerprint, seq, at } = info;
    await this.write(frame({ k: 'p', name, v, fingerprint, seq, at, value: bytes }));
  }

  /** Events written so far. */
  get events(): number {
    return this.count;
  }

  get aggregates(): number {
    return this.subjects.size;
  }

  private async write(chunk: Buffer): Promise<void> {
    this.bytes += chunk.length;
    if (!this.records.write(chunk)) await new Promise<void>((resolve) => this.records.once('drain', () => resolve()));
  }

  /** Writes the finished bundle; resolves with its header. */
  async finish(fields: Pick<BundleHeader, 'filters' | 'stream' | 'history'>, created = new Date()): Promise<BundleHeader> {
    await new Promise<void>((resolve, reject) => this.records.end((error?: Error | null) => (error ? reject(error) : resolve())));
    const header: BundleHeader = {
      format: BUNDLE_FORMAT,
      version: BUNDLE_VERSION,
      created: created.toISOString(),
      filters: fields.filters,
      count: this.count,
      aggregates: this.subjects.size,
      snapshots: this.snapshots,
      stream: fields.stream,
      firstSeq: this.firstSeq,
      lastSeq: this.lastSeq,
      history: fields.history ?? { firstRetained: fields.stream.firstSeq, firstRetainedAt: null, cause: fields.stream.firstSeq > 1 ? 'compacted' : null, snapshots: [], others: [] },
    };
    const side = `${this.file}.records.tmp`;
    const partial = `${this.file}.partial`;
    try {
      await pipeline(
        async function* () {
          yield Buffer.from(`${JSON.stringify(header)}\n`);
          yield* createReadStream(side);
        },
        createGzip(),
        createWriteStream(partial),
      );
      await rename(partial, this.file);
    } finally {
      await rm(side, { force: true });
      await rm(partial, { force: true });
    }
    return header;
  }

  /** Drops what was written (after a failure). */
  async abort(): Promise<void> {
    this.records.destroy();
    await rm(`${this.file}.records.tmp`, { force: true });
  }
}

/** Reads a whole bundle; throws `BundleDecodeError` on anything that is not a complete bundle of a known version. */
export async function readBundle(file: string): Promise<Bundle> {
  const events: RawEvent[] = [];
  const snapshots = new Map<string, Uint8Array>();
  const projections = new Map<string, ProjectionRecord>();
  let header: BundleHeader | undefined;
  let pending: Buffer = Buffer.alloc(0);
  let offset = 0;
  const source = createReadStream(file).pipe(createGunzip());
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      if (!header) {
        const nl = pending.indexOf(0x0a);
        if (nl < 0) {
          if (pending.length > 1 << 20) throw new BundleDecodeError('no header line in the first MB', 0);
          continue;
        }
        header = parseHeader(pending.subarray(0, nl).toString('utf8'));
        pending = pending.subarray(nl + 1);
        offset = nl + 1;
      }
      let at = 0;
      while (pending.length - at >= 4) {
        const length = pending.readUInt32BE(at);
        if (pending.length - at - 4 < length) break;
        const body = pending.subarray(at + 4, at + 4 + length);
        takeRecord(body, offset + at, { events, snapshots, projections });
        at += 4 + length;
      }
      pending = pending.subarray(at);
      offset += at;
    }
  } catch (error) {
    if (error instanceof BundleDecodeError) throw error;
    throw new BundleDecodeError(`cannot read ${file}: ${(error as Error).message}`, offset, { cause: error });
  }
  if (!header) throw new BundleDecodeError('empty file, or no header line', 0);
  if (pending.length > 0) throw new BundleDecodeError(`truncated: ${pending.length} bytes of an unfinished record`, offset);
  if (events.length !== header.count) throw new BundleDecodeError(`the header counts ${header.count} events but the bundle holds ${events.length} (truncated?)`, offset);
  return { header, events, snapshots, projections, history: header.history ?? versionOneHistory(header, events) };
}

/**
 * Where a version 1 bundle's history starts: the stream's first sequence
 * when it was exported (above 1: compacted), or where `--since` started it
 * (a sequence, else its first event). Pure.
 */
export function versionOneHistory(header: BundleHeader, events: readonly RawEvent[]): BundleHistory {
  const start = header.filters.start as { seq?: number } | undefined;
  const exportedFrom = start === undefined ? 1 : typeof start.seq === 'number' ? start.seq : header.firstSeq || 1;
  const firstRetained = Math.max(header.stream.firstSeq, exportedFrom);
  const first = events.find((e) => e.seq === firstRetained);
  return {
    firstRetained,
    firstRetainedAt: first ? first.stored : null,
    cause: firstRetained <= 1 ? null : firstRetained === header.stream.firstSeq ? 'compacted' : 'exported',
    snapshots: [],
    others: [],
    ...(firstRetained > 1 ? { problem: 'a bundle of format version 1 carries no projection snapshot' } : {}),
  };
}

function parseHeader(line: string): BundleHeader {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new BundleDecodeError('the first line is not JSON: not a leasehold bundle', 0);
  }
  const h = value as Partial<BundleHeader> | null;
  if (!h || h.format !== BUNDLE_FORMAT) throw new BundleDecodeError(`format is ${JSON.stringify(h?.format)}, not "${BUNDLE_FORMAT}"`, 0);
  if (!BUNDLE_VERSIONS_READ.includes(h.version as number)) throw new BundleDecodeError(`version ${String(h.version)} is not one this build reads (${BUNDLE_VERSIONS_READ.join(', ')})`, 0);
  if (!Number.isSafeInteger(h.count)) throw new BundleDecodeError('the header has no event count', 0);
  if (!h.stream || !Number.isSafeInteger(h.stream.firstSeq)) throw new BundleDecodeError('the header has no stream extent', 0);
  if ((h.version as number) >= 2 && (!h.history || !Number.isSafeInteger(h.history.firstRetained) || !Array.isArray(h.history.snapshots))) {
    throw new BundleDecodeError(`a version ${h.version} header must say where its history starts (history.firstRetained, history.snapshots)`, 0);
  }
  return h as BundleHeader;
}

function takeRecord(body: Uint8Array, offset: number, into: { events: RawEvent[]; snapshots: Map<string, Uint8Array>; projections: Map<string, ProjectionRecord> }): void {
  const { events, snapshots, projections } = into;
  let r: Record<string, unknown>;
  try {
    r = unpack(body) as Record<string, unknown>;
  } catch (error) {
    throw new BundleDecodeError('a record is not msgpack', offset, { cause: error });
  }
  if (r?.k === 'e' && Number.isSafeInteger(r.seq) && typeof r.subject === 'string' && r.data instanceof Uint8Array && typeof r.stored === 'number') {
    events.push({ seq: r.seq as number, subject: r.subject, stored: r.stored, data: r.data });
  } else if (r?.k === 's' && typeof r.subject === 'string' && r.value instanceof Uint8Array) {
    snapshots.set(r.subject, r.value);
  } else if (r?.k === 'p' && typeof r.name === 'string' && r.value instanceof Uint8Array && Number.isSafeInteger(r.seq) && Number.isSafeInteger(r.v) && typeof r.at === 'number') {
    const info: SnapshotInfo = { name: r.name, v: r.v as number, fingerprint: typeof r.fingerprint === 'string' ? r.fingerprint : '', seq: r.seq as number, at: r.at, bytes: r.value.length };
    projections.set(r.name, { info, bytes: r.value });
  } else {
    throw new BundleDecodeError('a record is neither an event nor a snapshot', offset);
  }
}
