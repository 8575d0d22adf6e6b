/**
 * An agent as the journal says it is: its last heartbeat (time and data),
 * its admin state and whether it was deleted. The fold the API's read model
 * (which adds the subject's version) and every agent (which judges its
 * peers' liveness from it) keep; the scheduler runs the agent machine
 * instead (machine.ts), which also judges over time and remembers when an
 * agent came alive.
 */
import type { AgentEvent, AgentHeartbeatData } from './events.js';

export interface AgentRecord {
  readonly agentId: string;
  /** The last heartbeat's data, undefined before the first. */
  readonly heartbeat: AgentHeartbeatData | undefined;
  /** The latest heartbeat time seen (0 before the first): a heartbeat folded late never moves it back. */
  readonly heartbeatAt: number;
  /** Neutron's admin_state_up: true until the API changes it. */
  readonly adminStateUp: boolean;
  /** Deleted by the API; a heartbeat after that brings the agent back, as in Neutron. */
  readonly deleted: boolean;
}

/** An agent no event has been folded for. Pure. */
export function newAgentRecord(agentId: string): AgentRecord {
  return { agentId, heartbeat: undefined, heartbeatAt: 0, adminStateUp: true, deleted: false };
}

/** The record after one of its agent's events. Pure: `record` is not changed. */
export function applyAgentEvent(record: AgentRecord, event: AgentEvent): AgentRecord {
  switch (event.type) {
    case 'AgentHeartbeat': {
      const { type: _type, at, ...heartbeat } = event;
      return { ...record, heartbeat, heartbeatAt: Math.max(record.heartbeatAt, at), deleted: false };
    }
    case 'AgentAdminStateChanged':
      return { ...record, adminStateUp: event.adminStateUp };
    case 'AgentDeleted':
      return { ...record, deleted: true };
  }
}
