/**
 * The scheduler's projection snapshot: its folded state and the version of
 * every binding subject (the expected sequences of its next writes). The
 * fold depends on two settings (an agent's down time, and whether new
 * agents start enabled), so a snapshot carries them as its fingerprint and
 * one taken under other settings is not used.
 */
import type { SchedulerConfig } from './config.js';
import { SchedulerSnapshotError } from './errors.js';
import { SCHEDULER_STATE_VERSION, type SchedulerState } from './state.js';

/** Schema version of a stored scheduler snapshot; follows the state's shape. */
export const SCHEDULER_SNAPSHOT_V = SCHEDULER_STATE_VERSION;

export interface SchedulerSnapshot {
  readonly state: SchedulerState;
  /** Binding subject → sequence of its last event. */
  readonly bindingVersions: ReadonlyMap<string, number>;
}

/** The settings the fold depends on, as a snapshot's fingerprint. Pure. */
export function schedulerFingerprint(config: SchedulerConfig): string {
  return `agentDownTime=${config.agentDownTime};enableNewAgents=${config.enableNewAgents}`;
}

/** The data a snapshot stores (taken as is: it is packed before the next event is folded). Pure. */
export function takeSchedulerSnapshot(state: SchedulerState, bindingVersions: ReadonlyMap<string, number>): SchedulerSnapshot {
  return { state, bindingVersions };
}

/** Checks a stored snapshot's shape; throws `SchedulerSnapshotError` rather than misread it. Pure. */
export function readSchedulerSnapshot(raw: unknown): SchedulerSnapshot {
  const snapshot = raw as Partial<SchedulerSnapshot> | null;
  const state = snapshot?.state as Partial<SchedulerState> | undefined;
  if (!state || state.v !== SCHEDULER_STATE_VERSION) throw new SchedulerSnapshotError(`state of version ${String(state?.v)}, expected ${SCHEDULER_STATE_VERSION}`);
  if (!(state.agents instanceof Map) || !(state.networks instanceof Map)) throw new SchedulerSnapshotError('agents and networks must be maps');
  if (typeof state.now !== 'number' || (state.sweepAfter !== null && typeof state.sweepAfter !== 'number')) throw new SchedulerSnapshotError('bad clock');
  if (!(snapshot!.bindingVersions instanceof Map)) throw new SchedulerSnapshotError('bindingVersions must be a map');
  return { state: withRemovedByHand(withReachability(state as SchedulerState)), bindingVersions: snapshot!.bindingVersions };
}

/**
 * A state of this schema version taken before the scheduler remembered
 * manual removals has no network `removedByHand`: none, as the scheduler
 * then re-bound such networks anyway. Pure.
 */
function withRemovedByHand(state: SchedulerState): SchedulerState {
  const networks = new Map([...state.networks].map(([id, n]) => [id, n.removedByHand === undefined ? { ...n, removedByHand: [] } : n]));
  return { ...state, networks };
}

/**
 * A state of this schema version taken before the scheduler read
 * reachability has no network `physicalNetwork` and no agent `reach`: both
 * become null, "no constraint", as every agent could serve every network
 * then. An agent's next heartbeat brings its reach; a network's physical
 * network comes with its next NetworkUpdated that changes it. (A new schema
 * version would make the journal ignore the snapshot and fold only what
 * compaction retained, losing the networks created before.) Pure.
 */
function withReachability(state: SchedulerState): SchedulerState {
  const networks = new Map([...state.networks].map(([id, n]) => [id, n.physicalNetwork === undefined ? { ...n, physicalNetwork: null } : n]));
  const agents = new Map([...state.agents].map(([id, a]) => [id, a.context.reach === undefined ? { ...a, context: { ...a.context, reach: null } } : a]));
  return { ...state, networks, agents };
}
