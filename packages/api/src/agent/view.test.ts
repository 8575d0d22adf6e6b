import { describe, expect, test } from 'vitest';
import { AgentsReadModel, newAgentRow } from '../read-model/agents.js';
import { agentView } from './view.js';

describe('agent view', () => {
  test("configurations show what the agent reaches: its interface mappings and relay interfaces (none for a heartbeat written before they were reported)", () => {
    const heartbeat = { agentId: 'a1', host: 'h1', availabilityZone: 'nova', networks: [], load: 0, interfaceMappings: { physnet1: 'eth1' }, reportIntervalMs: 30_000, version: 'test' };
    const fleet = new AgentsReadModel();
    const row = { ...newAgentRow('a1'), heartbeat, heartbeatAt: 1000 };
    expect(agentView(row, fleet, 75_000, 1000).configurations).toStrictEqual({ interface_mappings: { physnet1: 'eth1' }, relay_interfaces: [], networks: 0, ports: 0, report_interval_ms: 30_000 });
    const relayed = { ...row, heartbeat: { ...heartbeat, relayInterfaces: ['uplink'] } };
    expect(agentView(relayed, fleet, 75_000, 1000).configurations.relay_interfaces).toStrictEqual(['uplink']);
  });
});
