/**
 * The agents bound to one network, as a fold of its binding subject: what
 * the API shows (agents-on-network, networks-on-agent) and checks (an agent's
 * DHCP-port request). The scheduler keeps richer records of its own
 * (scheduler/src/state.ts: bindings sorted, manual ones kept over automatic).
 */
import type { BindingEvent } from './events.js';

/** One agent bound to a network: why and since when. */
export interface BindingRecord {
  readonly agentId: string;
  readonly reason: string;
  readonly at: number;
}

/**
 * The network's bound agents after `event`: a NetworkScheduled binds its
 * agent (a repeated one takes the newer reason and time), a
 * NetworkUnscheduled unbinds it. Pure: `bound` is not changed.
 */
export function applyBindingEvent(bound: ReadonlyMap<string, BindingRecord>, event: BindingEvent): Map<string, BindingRecord> {
  const next = new Map(bound);
  if (event.type === 'NetworkScheduled') next.set(event.agentId, { agentId: event.agentId, reason: event.reason, at: event.at });
  else next.delete(event.agentId);
  return next;
}
