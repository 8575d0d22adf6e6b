/**
 * A DHCP agent as the API shows it (`AgentView`, Neutron's agent fields),
 * from its row in the read model. Whether it is alive is judged here, at
 * read time, from its last heartbeat, by resources' `isAlive` (Neutron's
 * agent_down_time).
 */
import { isAlive } from '@leasehold/resources';
import type { AgentRow, AgentsReadModel } from '../read-model/agents.js';
import type { AgentView } from '../wire/views.js';

/** The networks bound to agent `agentId`. Pure. */
export function networksOfAgent(fleet: AgentsReadModel, agentId: string): string[] {
  return [...fleet.bindings.entries()].filter(([, agents]) => agents.has(agentId)).map(([networkId]) => networkId);
}

/** Pure given `now`. */
export function agentView(row: AgentRow, fleet: AgentsReadModel, agentDownTimeMs: number, now = Date.now()): AgentView {
  return {
    id: row.agentId,
    agent_type: 'DHCP agent',
    binary: 'leasehold-agent',
    host: row.heartbeat?.host ?? '',
    availability_zone: row.heartbeat?.availabilityZone ?? '',
    alive: isAlive(row, now, agentDownTimeMs),
    admin_state_up: row.adminStateUp,
    heartbeat_timestamp: row.heartbeatAt ? new Date(row.heartbeatAt).toISOString() : null,
    networks: networksOfAgent(fleet, row.agentId),
    configurations: {
      interface_mappings: row.heartbeat?.interfaceMappings ?? {},
      // Neutron's configurations is the agent's own dict; an agent with relay interfaces serves any relayed network.
      relay_interfaces: row.heartbeat?.relayInterfaces ?? [],
      networks: row.heartbeat?.networks.length ?? 0,
      ports: row.heartbeat?.load ?? 0,
      report_interval_ms: row.heartbeat?.reportIntervalMs ?? null,
    },
    version: row.heartbeat?.version ?? '',
    revision_number: row.version,
  };
}
