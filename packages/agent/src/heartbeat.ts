/**
 * The agent's heartbeat (Neutron's agent state report): the event it appends
 * to `lh.evt.agent.<agentId>` every report interval, saying what it serves and
 * how loaded it is. The scheduler reads it to judge liveness and load.
 */
import { aggregateSubject, type AgentHeartbeatData, type EventEnvelope } from '@leasehold/protocol';
import type { AgentConfig } from './config.js';

export const AGENT_VERSION = '0.1.0';

export type HeartbeatEnvelope = EventEnvelope<'AgentHeartbeat', AgentHeartbeatData>;

/** The subject an agent's heartbeats go to. Pure. */
export function heartbeatSubject(agentId: string): string {
  return aggregateSubject('agent', agentId);
}

/** One heartbeat of an agent serving `networks` with `load` ports on them. Pure (the caller gives the id and the time). */
export function heartbeatEnvelope(
  config: Pick<AgentConfig, 'agentId' | 'host' | 'availabilityZone' | 'interfaceMappings' | 'reportIntervalMs'>,
  report: { readonly networks: readonly string[]; readonly load: number },
  meta: { readonly id: string; readonly at: number },
): HeartbeatEnvelope {
  return {
    type: 'AgentHeartbeat',
    v: 1,
    id: meta.id,
    aggregate: `agent/${config.agentId}`,
    at: meta.at,
    data: {
      agentId: config.agentId,
      host: config.host,
      availabilityZone: config.availabilityZone,
      networks: [...report.networks],
      load: report.load,
      interfaceMappings: config.interfaceMappings,
      reportIntervalMs: config.reportIntervalMs,
      version: AGENT_VERSION,
    },
  };
}
