/**
 * Where a DHCP agent lives: aggregate `agent/<id>`, subject
 * `lh.evt.agent.<id>`. The agent writes its heartbeats there; the API writes
 * admin changes and deletions there too, expecting the heartbeat's version.
 */
import { aggregateSubject } from '@leasehold/protocol';
import { singleIdOf } from '../subjects.js';

/** The aggregate id of an agent, e.g. "agent/a1". Pure. */
export function agentAggregate(agentId: string): string {
  return `agent/${agentId}`;
}

/** The subject of an agent, e.g. "lh.evt.agent.a1". Pure. */
export function agentSubject(agentId: string): string {
  return aggregateSubject('agent', agentId);
}

/** The agent id of an agent subject, or undefined for any other subject. The inverse of `agentSubject`. Pure. */
export function agentIdOf(subject: string): string | undefined {
  return singleIdOf('agent', subject);
}
