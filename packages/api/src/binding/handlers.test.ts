import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiErrorOf, startTestApi, type TestApi } from '../testing/index.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.stop());

describe('bindings', () => {
  test('a network can be added to an agent, listed both ways, and removed', async () => {
    const agent = `bind-${randomUUID().slice(0, 6)}`;
    await t.heartbeat(agent);
    const net = await t.client.networks.create({ name: 'bound' });
    await t.client.request('bindings.add', { network_id: net.id, agent_id: agent });
    expect(await t.client.request('bindings.networks-on-agent', { agent_id: agent })).toStrictEqual({ networks: [net.id] });
    const hosting = await t.client.request<{ agents: { id: string; binding_reason: string }[] }>('bindings.agents-on-network', { network_id: net.id });
    expect(hosting.agents).toMatchObject([{ id: agent, binding_reason: 'manual' }]);
    await t.client.request('bindings.remove', { network_id: net.id, agent_id: agent });
    expect(await t.client.request('bindings.networks-on-agent', { agent_id: agent })).toStrictEqual({ networks: [] });
    expect((await apiErrorOf(t.client.request('bindings.remove', { network_id: net.id, agent_id: agent }))).code).toBe('NOT_FOUND');
    expect(await apiErrorOf(t.client.request('bindings.add', { network_id: net.id, agent_id: 'no-such-agent' }))).toMatchObject({ code: 'NOT_FOUND', field: 'agent_id' });
  });

  test("a network is not added to an agent whose mappings do not reach its physical network (the scheduler would remove it): 409 naming the agent's mappings", async () => {
    const agent = `reach-${randomUUID().slice(0, 6)}`;
    await t.heartbeat(agent); // maps physnet1
    const elsewhere = await t.client.networks.create({ name: 'elsewhere', 'provider:physical_network': 'physnet9' });
    expect(await apiErrorOf(t.client.request('bindings.add', { network_id: elsewhere.id, agent_id: agent }))).toMatchObject({
      code: 'AGENT_CANNOT_REACH',
      status: 409,
      field: 'agent_id',
      message: `agent ${agent} maps no interface to physical network physnet9 of network ${elsewhere.id} (its mappings: physnet1)`,
    });
    const mapped = await t.client.networks.create({ name: 'mapped', 'provider:physical_network': 'physnet1' });
    await t.client.request('bindings.add', { network_id: mapped.id, agent_id: agent });
    expect(await t.client.request('bindings.networks-on-agent', { agent_id: agent })).toStrictEqual({ networks: [mapped.id] });
  });
});
