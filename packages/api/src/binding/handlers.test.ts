import { randomUUID } from 'node:crypto';
import { aggregateSubject, type AgentHeartbeatData, type EventEnvelope } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiError } from '../errors.js';
import { startTestApi, type TestApi } from '../testing/index.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.stop());

async function heartbeat(agentId: string, at = Date.now()) {
  const data: AgentHeartbeatData = {
    agentId,
    host: `host-${agentId}`,
    availabilityZone: 'az1',
    networks: [],
    load: 3,
    interfaceMappings: { physnet1: 'eth1' },
    reportIntervalMs: 30_000,
    version: 'test',
  };
  const event: EventEnvelope = { type: 'AgentHeartbeat', v: 1, id: randomUUID(), aggregate: `agent/${agentId}`, at, data };
  const r = await t.journal.append(aggregateSubject('agent', agentId), [event]);
  await t.api.model.waitFor(r.version);
}

async function rejects(p: Promise<unknown>) {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(ApiError);
  return e as ApiError;
}

describe('bindings', () => {
  test('a network can be added to an agent, listed both ways, and removed', async () => {
    const agent = `bind-${randomUUID().slice(0, 6)}`;
    await heartbeat(agent);
    const net = await t.client.networks.create({ name: 'bound' });
    await t.client.request('bindings.add', { network_id: net.id, agent_id: agent });
    expect(await t.client.request('bindings.networks-on-agent', { agent_id: agent })).toStrictEqual({ networks: [net.id] });
    const hosting = await t.client.request<{ agents: { id: string; binding_reason: string }[] }>('bindings.agents-on-network', { network_id: net.id });
    expect(hosting.agents).toMatchObject([{ id: agent, binding_reason: 'manual' }]);
    await t.client.request('bindings.remove', { network_id: net.id, agent_id: agent });
    expect(await t.client.request('bindings.networks-on-agent', { agent_id: agent })).toStrictEqual({ networks: [] });
    expect((await rejects(t.client.request('bindings.remove', { network_id: net.id, agent_id: agent }))).code).toBe('NOT_FOUND');
    expect(await rejects(t.client.request('bindings.add', { network_id: net.id, agent_id: 'no-such-agent' }))).toMatchObject({ code: 'NOT_FOUND', field: 'agent_id' });
  });
});
