/**
 * Whether an agent is alive: the one rule, for the scheduler (which fails
 * networks over from dead agents), the API (which shows `alive` and lets an
 * operator delete only dead agents) and every agent (which splits clients
 * among its live peers, RFC 3074).
 *
 * Neutron's rule (neutron/db/agents_db.py, `is_agent_down`): an agent is
 * down when its last heartbeat is *more than* agent_down_time old
 * (`timeutils.is_older_than`). So at exactly agent_down_time after its last
 * heartbeat an agent is still alive, and one millisecond later it is down.
 */

/**
 * The part of any agent record liveness reads: its last heartbeat (null: none
 * yet; the folds that start from 0 rely on real clocks being far past
 * agent_down_time) and whether it was deleted.
 */
export interface Heartbeated {
  readonly heartbeatAt: number | null;
  readonly deleted?: boolean;
}

/**
 * True when the agent is not deleted and `now - heartbeatAt <= downTimeMs`
 * (alive through the boundary, down after it). Pure.
 */
export function isAlive(record: Heartbeated, now: number, downTimeMs: number): boolean {
  return record.deleted !== true && record.heartbeatAt !== null && now - record.heartbeatAt <= downTimeMs;
}

/**
 * The last instant at which the agent is still alive without another
 * heartbeat (it is down at any later `now`), or null before its first. Pure.
 */
export function aliveUntil(record: Heartbeated, downTimeMs: number): number | null {
  return record.heartbeatAt === null ? null : record.heartbeatAt + downTimeMs;
}
