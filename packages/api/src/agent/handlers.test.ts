import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiErrorOf, startTestApi, type TestApi } from '../testing/index.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.stop());

describe('agents', () => {
  test('a heartbeating agent is listed alive with its host, zone and mappings; a silent one is listed dead and can be deleted', async () => {
    const live = `live-${randomUUID().slice(0, 6)}`;
    const dead = `dead-${randomUUID().slice(0, 6)}`;
    await t.heartbeat(live);
    await t.heartbeat(dead, Date.now() - 10 * 60_000);
    const agents = await t.client.request<{ agents: { id: string; alive: boolean; host: string; availability_zone: string; configurations: { interface_mappings: object } }[] }>('agents.list');
    expect(agents.agents.find((a) => a.id === live)).toMatchObject({ alive: true, host: `host-${live}`, availability_zone: 'az1', configurations: { interface_mappings: { physnet1: 'eth1' }, relay_interfaces: [] } });
    expect(agents.agents.find((a) => a.id === dead)).toMatchObject({ alive: false });
    expect(await apiErrorOf(t.client.request('agents.delete', { id: live }))).toMatchObject({ code: 'AGENT_ALIVE' });
    await t.client.request('agents.delete', { id: dead });
    expect((await apiErrorOf(t.client.request('agents.show', { id: dead }))).code).toBe('NOT_FOUND');
  });

  test('admin_state_up can be turned off and on', async () => {
    const id = `adm-${randomUUID().slice(0, 6)}`;
    await t.heartbeat(id);
    const off = await t.client.request<{ agent: { admin_state_up: boolean } }>('agents.update', { id, admin_state_up: false });
    expect(off.agent.admin_state_up).toBe(false);
    const on = await t.client.request<{ agent: { admin_state_up: boolean } }>('agents.update', { id, admin_state_up: true });
    expect(on.agent.admin_state_up).toBe(true);
  });
});
