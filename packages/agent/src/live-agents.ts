/**
 * Which agents bound to a network are alive: the ones the RFC 3074 split
 * divides its clients among (ha/load-balance.ts). A peer is alive by the
 * one rule every part uses (resources' `isAlive`: heard within
 * `agentDownTimeMs`, Neutron's agent_down_time, and not deleted); this agent
 * always is. Read on
 * every DISCOVER and broadcast REQUEST, so it reads the model and the clock
 * and nothing else.
 */
import { isAlive } from '@leasehold/resources';
import type { AgentConfig } from './config.js';
import type { AgentModel } from './state/agent-model.js';

/** The live agents of a network, this one included. */
export type LiveAgents = (networkId: string) => readonly string[];

/** `LiveAgents` over the model's bindings and heartbeat records, as of `now()`. */
export function liveAgents(
  model: Pick<AgentModel, 'agentsOf' | 'agents'>,
  config: Pick<AgentConfig, 'agentId' | 'agentDownTimeMs'>,
  now: () => number = Date.now,
): LiveAgents {
  const { agentId, agentDownTimeMs } = config;
  return (networkId) => {
    const at = now();
    return model.agentsOf(networkId).filter((id) => {
      if (id === agentId) return true;
      const record = model.agents.get(id);
      return record !== undefined && isAlive(record, at, agentDownTimeMs);
    });
  };
}
