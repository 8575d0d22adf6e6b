/**
 * The agent's heartbeat (Neutron's agent state report): the event it appends
 * to `lh.evt.agent.<agentId>` every report interval, saying what it serves and
 * how loaded it is. The scheduler reads it to judge liveness and load, and
 * which networks the agent can reach: its interface mappings and relay
 * interfaces (resources' reach.ts), so a restart with other mappings
 * reschedules its networks.
 */
import type { AgentHeartbeatData, EventEnvelope } from '@leasehold/protocol';
import { agentSubject, toAgentEnvelope } from '@leasehold/resources';
import type { AgentConfig } from './config.js';

export const AGENT_VERSION = '0.1.0';

export type HeartbeatEnvelope = EventEnvelope<'AgentHeartbeat', AgentHeartbeatData>;

/** The subject an agent's heartbeats go to: its agent subject (resources' `agentSubject`). Pure. */
export function heartbeatSubject(agentId: string): string {
  return agentSubject(agentId);
}

/**
 * One heartbeat of an agent serving `networks` with `load` ports on them
 * (no `relayInterfaces` in `config`: none). Pure (the caller gives the id and the time).
 */
export function heartbeatEnvelope(
  config: Pick<AgentConfig, 'agentId' | 'host' | 'availabilityZone' | 'interfaceMappings' | 'reportIntervalMs'> & Partial<Pick<AgentConfig, 'relayInterfaces'>>,
  report: { readonly networks: readonly string[]; readonly load: number },
  meta: { readonly id: string; readonly at: number },
): HeartbeatEnvelope {
  const heartbeat = {
    type: 'AgentHeartbeat',
    at: meta.at,
    agentId: config.agentId,
    host: config.host,
    availabilityZone: config.availabilityZone,
    networks: [...report.networks],
    load: report.load,
    interfaceMappings: config.interfaceMappings,
    relayInterfaces: [...(config.relayInterfaces ?? [])],
    reportIntervalMs: config.reportIntervalMs,
    version: AGENT_VERSION,
  } as const;
  return toAgentEnvelope(heartbeat, { id: meta.id }) as HeartbeatEnvelope;
}
