/**
 * Where the history a journal tool reads starts. The journal is compacted
 * (docs/design/history.md): everything below the stream's first retained
 * sequence was purged and lives on only in the projection snapshots. The
 * tools start from the API read model's snapshot, which holds every
 * aggregate the API shows (networks, ports, agents, bindings, leases), and
 * say so on every report, rather than show the retained tail as if it were
 * the whole story.
 *
 * A bundle says the same of itself: the events it holds start at the first
 * sequence its export read (the stream's first retained one, or `--since`),
 * and the API snapshot it carries holds what came before.
 */
import { ReadModel, READ_MODEL_SNAPSHOT_V } from '@leasehold/api';
import { snapshotKind, type SnapshotInfo } from '@leasehold/journal';
import { unpack } from '@leasehold/protocol';
import { isoTime } from '../events/render.js';
import { CliError, EXIT_FAILURE } from '../resources/errors.js';

/** A projection snapshot as the reports name it: `api@812`. */
export interface SnapshotRef {
  readonly name: string;
  /** The last event folded into it. */
  readonly seq: number;
  /** When it was taken (ms since the epoch). */
  readonly at: number;
  /** Schema version of its state. */
  readonly v: number;
}

export interface HistoryStart {
  /** The first event the source holds history from; 1 when it holds all of it. */
  readonly firstRetained: number;
  /** When that event was stored (ms since the epoch), when known. */
  readonly firstRetainedAt: number | undefined;
  /** Why history starts after event 1: purged from the journal, or left out of a bundle by its export. */
  readonly cause: 'compacted' | 'exported' | undefined;
  /** The API read-model snapshot that holds what came before (its seq is at least firstRetained - 1). */
  readonly snapshot: SnapshotRef | undefined;
  /** The read model restored from `snapshot`: the state after its seq. */
  readonly model: ReadModel | undefined;
  /** The other projection snapshots (scheduler, agents), for the record. */
  readonly others: readonly SnapshotRef[];
  /** Why no snapshot can be used, when history starts after event 1 and none is. */
  readonly problem: string | undefined;
}

/** A source holding all of history. */
export const WHOLE_HISTORY: HistoryStart = { firstRetained: 1, firstRetainedAt: undefined, cause: undefined, snapshot: undefined, model: undefined, others: [], problem: undefined };

export const refOf = (info: Pick<SnapshotInfo, 'name' | 'seq' | 'at' | 'v'>): SnapshotRef => ({ name: info.name, seq: info.seq, at: info.at, v: info.v });

/** `api@812`. Pure. */
export const snapshotName = (s: Pick<SnapshotRef, 'name' | 'seq'>): string => `${s.name}@${s.seq}`;

/**
 * The API read-model snapshots that can complete history starting at
 * `firstRetained`: of the API's kind, a schema version this build reads,
 * and no older than the event before it (the retained events then complete
 * it); or why there is none. Pure.
 */
function candidates(snapshots: readonly SnapshotInfo[], firstRetained: number): { usable: SnapshotInfo[]; problem: string | undefined } {
  const api = snapshots.filter((s) => snapshotKind(s.name) === 'api' && s.seq >= 0);
  if (api.length === 0) return { usable: [], problem: 'no API read-model snapshot is stored' };
  const readable = api.filter((s) => s.v === READ_MODEL_SNAPSHOT_V);
  if (readable.length === 0) return { usable: [], problem: `${api.map((s) => `${snapshotName(s)} has schema v${s.v}`).join(', ')}; this build reads v${READ_MODEL_SNAPSHOT_V}` };
  const usable = readable.filter((s) => s.seq >= firstRetained - 1).sort((a, b) => a.seq - b.seq);
  if (usable.length > 0) return { usable, problem: undefined };
  const newest = readable.sort((a, b) => b.seq - a.seq)[0]!;
  return { usable: [], problem: `the newest API snapshot, ${snapshotName(newest)}, ends before event ${firstRetained - 1}: events ${newest.seq + 1}..${firstRetained - 1} are gone` };
}

/**
 * The API read-model snapshot a tool starts from when history starts at
 * `firstRetained`: the oldest usable one (its state is the earliest known
 * whole, so the most retained events are stepped after it). Pure.
 */
export function chooseBase(snapshots: readonly SnapshotInfo[], firstRetained: number): { base: SnapshotInfo | undefined; problem: string | undefined } {
  const { usable, problem } = candidates(snapshots, firstRetained);
  return { base: usable[0], problem };
}

/**
 * The API read-model snapshot an export that reads from `from` carries, and
 * where it then reads from: the newest usable snapshot at or before the
 * event before `from` (the export then starts right after it, so the bundle
 * holds the snapshot and every event since), else the oldest after it. Pure.
 */
export function bundleBase(snapshots: readonly SnapshotInfo[], firstRetained: number, from: number): { base: SnapshotInfo | undefined; from: number; problem: string | undefined } {
  const { usable, problem } = candidates(snapshots, firstRetained);
  const before = usable.filter((s) => s.seq <= from - 1).at(-1);
  const base = before ?? usable[0];
  return { base, from: before ? before.seq + 1 : from, problem };
}

/** The read model in a snapshot's packed bytes; throws with the reason when it cannot be restored. Pure. */
export function restoreModel(bytes: Uint8Array): ReadModel {
  return ReadModel.restore(unpack(bytes));
}

/**
 * Builds the history of a source whose events start at `firstRetained`:
 * chooses among `snapshots`, restores the chosen one's bytes (from `read`),
 * or says why none can be used (`whyNone` when there are none at all).
 */
export async function historyFrom(
  fields: { firstRetained: number; firstRetainedAt: number | undefined; cause: 'compacted' | 'exported' },
  snapshots: readonly SnapshotInfo[],
  read: (name: string) => Promise<Uint8Array | undefined>,
  context: { readonly others?: readonly SnapshotRef[]; readonly whyNone?: string } = {},
): Promise<HistoryStart> {
  const { base, problem } = chooseBase(snapshots, fields.firstRetained);
  const others = context.others ?? snapshots.filter((s) => s.name !== base?.name).map(refOf);
  const none = { ...fields, snapshot: undefined, model: undefined, others };
  if (!base) return { ...none, problem: snapshots.length === 0 && context.whyNone ? context.whyNone : problem };
  let model: ReadModel;
  try {
    const bytes = await read(base.name);
    if (!bytes) return { ...none, problem: `snapshot ${snapshotName(base)} went away while it was read` };
    model = restoreModel(bytes);
  } catch (error) {
    return { ...none, problem: `snapshot ${snapshotName(base)} cannot be restored: ${(error as Error).message}` };
  }
  return { ...fields, snapshot: refOf(base), model, others, problem: undefined };
}

const eventAt = (seq: number, at: number | undefined) => `event ${seq}${at !== undefined ? ` (${isoTime(at)})` : ''}`;

/**
 * The line every journal tool prints when history starts after event 1, e.g.
 * "history before event 21 (2026-12-07T14:00:00.000Z) was compacted; state
 * before it comes from snapshot api@40 (2026-12-07T14:05:00.000Z)".
 * Undefined for a source holding all of history. Pure.
 */
export function historyLine(h: HistoryStart): string | undefined {
  if (h.firstRetained <= 1) return undefined;
  const lead = h.cause === 'exported' ? `this bundle holds history from ${eventAt(h.firstRetained, h.firstRetainedAt)} on` : `history before ${eventAt(h.firstRetained, h.firstRetainedAt)} was compacted`;
  const others = h.others.length > 0 ? ` (other projection snapshots: ${h.others.map(snapshotName).join(', ')})` : '';
  if (h.snapshot) return `${lead}; state before it comes from snapshot ${snapshotName(h.snapshot)} (${isoTime(h.snapshot.at)})${others}`;
  return `${lead}; no API read-model snapshot holds what came before (${h.problem ?? 'none'}): states before it are unknown, and what is shown starts from the retained events alone${others}`;
}

export interface HistoryJson {
  readonly firstRetained: number;
  readonly firstRetainedAt: string | null;
  readonly cause: 'compacted' | 'exported' | null;
  readonly snapshot: { readonly name: string; readonly seq: number; readonly at: string; readonly v: number } | null;
  readonly others: readonly { readonly name: string; readonly seq: number; readonly at: string; readonly v: number }[];
  readonly problem?: string;
}

/** The `history` object of every tool's --json. Pure. */
export function historyJson(h: HistoryStart): HistoryJson {
  const ref = (s: SnapshotRef) => ({ name: s.name, seq: s.seq, at: isoTime(s.at), v: s.v });
  return {
    firstRetained: h.firstRetained,
    firstRetainedAt: h.firstRetainedAt === undefined ? null : isoTime(h.firstRetainedAt),
    cause: h.cause ?? null,
    snapshot: h.snapshot ? ref(h.snapshot) : null,
    others: h.others.map(ref),
    ...(h.problem !== undefined && h.firstRetained > 1 ? { problem: h.problem } : {}),
  };
}

/** A state asked for at an event the source no longer holds. */
export function historyCompacted(h: HistoryStart, seq: number, flag: string, known?: string): CliError {
  const where = h.cause === 'exported' ? 'this bundle holds history only from' : 'history before it was compacted: the first retained is';
  const snapshot = h.snapshot ? `; snapshot ${snapshotName(h.snapshot)} holds the state after event ${h.snapshot.seq}` : '';
  return new CliError('HISTORY_COMPACTED', `no state at event ${seq}: ${where} ${eventAt(h.firstRetained, h.firstRetainedAt)}${known ?? snapshot}`, flag, EXIT_FAILURE);
}
