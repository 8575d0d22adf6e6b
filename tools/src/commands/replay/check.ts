/**
 * Checking a replay against what others keep: the stored snapshot and a
 * live projection. Both come down to one question, answered by
 * `locateDivergence`: given the replayed state after every event and a
 * state someone else holds (claiming a position, when it says), does it
 * agree, and if not, at which event did the two part ways?
 */
import { isDeepStrictEqual } from 'node:util';
import { unpack } from '@leasehold/protocol';
import { diff, type Change } from './diff.js';
import type { AggregateState, ReplayStep } from './aggregate.js';

export type CheckResult =
  | { readonly kind: 'agree'; readonly at: number; readonly note?: string }
  | { readonly kind: 'skipped'; readonly reason: string }
  | {
      readonly kind: 'diverged';
      /** The first event whose effect the other side does not show. */
      readonly seq: number;
      /** The position compared at (the other side's claim, or the last event). */
      readonly at: number;
      /** The last position where the other side equals the replay, or null if never. */
      readonly lastAgreed: number | null;
      readonly changes: readonly Change[];
      readonly note?: string;
    };

/**
 * Compares `other` (a view of the aggregate) with the replay's views after
 * each step. With `position`, the other side claims to reflect every event
 * up to that sequence; without, the latest. Divergent: names the event
 * right after the last replayed state equal to `other` (an old state
 * saved under a new position shows exactly which events it lacks), or the
 * first event when no replayed state is equal. `initialSeq` is the position
 * of `initial` (0, or the snapshot a replay of compacted history starts
 * from). Pure.
 */
export function locateDivergence<V>(
  initial: V,
  steps: readonly { readonly seq: number; readonly view: V }[],
  other: V,
  position?: number,
  initialSeq = 0,
): CheckResult {
  const last = steps.at(-1)?.seq ?? initialSeq;
  if (position !== undefined && position > last) {
    const first = steps[0]?.seq ?? position;
    return { kind: 'diverged', seq: position, at: position, lastAgreed: null, changes: [], note: `it claims seq ${position}, past the aggregate's last event (${last || 'none'}); first event ${first}` };
  }
  const upto = position === undefined ? steps : steps.filter((s) => s.seq <= position);
  const atView = upto.at(-1)?.view ?? initial;
  const at = upto.at(-1)?.seq ?? initialSeq;
  if (isDeepStrictEqual(atView, other)) {
    // Behind only if an event it claims not to reflect was stepped (the start state's own events are in it).
    const stepped = steps.at(-1)?.seq ?? 0;
    return { kind: 'agree', at, ...(position !== undefined && position < stepped ? { note: `behind: the aggregate's last event is seq ${stepped}` } : {}) };
  }
  let agreed: number | null = null;
  let next = upto[0]?.seq ?? at;
  for (let i = upto.length - 1; i >= -1; i--) {
    const view = i < 0 ? initial : upto[i]!.view;
    if (isDeepStrictEqual(view, other)) {
      agreed = i < 0 ? initialSeq : upto[i]!.seq;
      next = upto[i + 1]?.seq ?? at;
      break;
    }
  }
  return { kind: 'diverged', seq: next, at, lastAgreed: agreed, changes: diff(atView, other) };
}

/** A snapshot as the journal keeps it in KV. */
interface StoredSnapshot {
  readonly v: number;
  readonly seq: number;
  readonly state: unknown;
}

/** The schema version of snapshot states this replay reads. */
export const SNAPSHOT_STATE_VERSION = 1;

/**
 * The comparable part of a snapshot's state: `{value, context}`, the value
 * taken from `value` (an xstate snapshot) or `status` (the scheduler's agent
 * record); other fields of a persisted xstate snapshot are ignored. Pure.
 */
export function snapshotView(state: unknown): AggregateState | undefined {
  if (state === null || typeof state !== 'object') return undefined;
  const s = state as Record<string, unknown>;
  const value = s.value ?? s.status;
  if (typeof value !== 'string' || !('context' in s)) return undefined;
  return { value, context: s.context };
}

/** Checks the stored snapshot (raw KV bytes) against the replay (whose `initial` is at `initialSeq`). Pure. */
export function checkSnapshot(raw: Uint8Array | undefined, initial: AggregateState, steps: readonly ReplayStep[], initialSeq = 0): CheckResult {
  if (!raw) return { kind: 'skipped', reason: 'no snapshot stored' };
  let snapshot: StoredSnapshot;
  try {
    snapshot = unpack(raw) as StoredSnapshot;
  } catch (error) {
    return { kind: 'diverged', seq: steps[0]?.seq ?? 0, at: 0, lastAgreed: null, changes: [], note: `the stored snapshot cannot be decoded: ${(error as Error).message}` };
  }
  if (!snapshot || !Number.isSafeInteger(snapshot.seq)) return { kind: 'diverged', seq: steps[0]?.seq ?? 0, at: 0, lastAgreed: null, changes: [], note: 'the stored snapshot has no sequence' };
  if (snapshot.v !== SNAPSHOT_STATE_VERSION) return { kind: 'skipped', reason: `snapshot state schema v${snapshot.v}; this replay reads v${SNAPSHOT_STATE_VERSION} (a loader ignores it too)` };
  const view = snapshotView(snapshot.state);
  if (!view) return { kind: 'diverged', seq: steps[0]?.seq ?? 0, at: snapshot.seq, lastAgreed: null, changes: [], note: 'the snapshot state has no value/context' };
  return locateDivergence(
    initial,
    steps.map((s) => ({ seq: s.seq, view: { value: s.value, context: s.context } })),
    view,
    snapshot.seq,
    initialSeq,
  );
}
