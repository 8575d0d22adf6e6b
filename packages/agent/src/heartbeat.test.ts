import { decodeEvent, encodeEvent } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { defaultAgentConfig } from './config.js';
import { AGENT_VERSION, heartbeatEnvelope, heartbeatSubject } from './heartbeat.js';

describe('heartbeat', () => {
  test('a heartbeat carries the agent, what it serves, its load and what it reaches (mappings, relay interfaces), and survives the journal codec unchanged', () => {
    const config = defaultAgentConfig({ agentId: 'a1', host: 'h1', availabilityZone: 'az1', interfaceMappings: { physnet: 'eth1' }, relayInterfaces: ['uplink'], reportIntervalMs: 30_000 });
    const event = heartbeatEnvelope(config, { networks: ['n1', 'n2'], load: 7 }, { id: 'id-1', at: 1_700_000_000_000 });
    expect(event).toStrictEqual({
      type: 'AgentHeartbeat',
      v: 1,
      id: 'id-1',
      aggregate: 'agent/a1',
      at: 1_700_000_000_000,
      data: { agentId: 'a1', host: 'h1', availabilityZone: 'az1', networks: ['n1', 'n2'], load: 7, interfaceMappings: { physnet: 'eth1' }, relayInterfaces: ['uplink'], reportIntervalMs: 30_000, version: AGENT_VERSION },
    });
    expect(decodeEvent(encodeEvent(event))).toStrictEqual(event);
    expect(heartbeatSubject('a1')).toBe('lh.evt.agent.a1');
  });

  test('a heartbeat built from a config without relay interfaces says it has none', () => {
    const config = { agentId: 'a1', host: 'h1', availabilityZone: 'az1', interfaceMappings: { '*': 'eth1' }, reportIntervalMs: 30_000 };
    expect(heartbeatEnvelope(config, { networks: [], load: 0 }, { id: 'id-2', at: 1 }).data.relayInterfaces).toStrictEqual([]);
  });
});
