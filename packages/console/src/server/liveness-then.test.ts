/** Time travel's agents: alive or down at the moment, as the scheduler's fold of the same events judged them. */
import { randomUUID } from 'node:crypto';
import { startHttpApi, type HttpApi } from '@leasehold/api';
import { startTestApi, type TestApi } from '@leasehold/api/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { consoleMount } from './mount.js';
import type { NetworkAt } from './shapes.js';

let t: TestApi;
let http: HttpApi;
beforeAll(async () => {
  t = await startTestApi();
  http = await startHttpApi(t.api, { host: '127.0.0.1', port: 0, mounts: [consoleMount({ journal: t.journal, uiRoot: '/nonexistent', agentDownTimeMs: 60_000 })] });
});
afterAll(async () => {
  await http?.close();
  await t?.stop();
});

async function post(path: string, body: unknown): Promise<Record<string, { id: string }>> {
  const response = await fetch(`${http.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(201);
  return (await response.json()) as Record<string, { id: string }>;
}

/** An agent's heartbeat as the agent writes it, stamped `at`. */
async function heartbeat(agentId: string, at: number, interfaceMappings: Record<string, string>) {
  const data = { agentId, host: `host-${agentId}`, availabilityZone: 'nova', networks: [], load: 0, interfaceMappings, reportIntervalMs: 30_000, version: 'test' };
  await t.journal.append(`lh.evt.agent.${agentId}`, [{ type: 'AgentHeartbeat', v: 1, id: randomUUID(), aggregate: `agent/${agentId}`, at, data }]);
}

const travel = async (id: string, at: number) => (await (await fetch(`${http.url}/console/api/networks/${id}/at?time=${at}`)).json()) as NetworkAt;

test('an agent is alive at a moment within the down time after its heartbeat and down after, and the network it alone maps is unreachable while it is down', async () => {
  const { network } = await post('/v2.0/networks', { network: { name: 'travelled', 'provider:network_type': 'flat', 'provider:physical_network': 'phys-tt' } });
  await post('/v2.0/subnets', { subnet: { network_id: network!.id, cidr: '198.18.74.0/28', ip_version: 4 } });
  const t0 = Date.now();
  await heartbeat('maps-it', t0 + 1_000, { 'phys-tt': 'eth1' });
  await heartbeat('elsewhere', t0 + 1_000, { 'phys-other': 'eth1' });

  const before = await travel(network!.id, t0);
  expect(before.agents).toEqual({ alive: [], unreachable_physnet: 'phys-tt', from: 'history' });
  const during = await travel(network!.id, t0 + 30_000);
  expect(during.agents).toEqual({ alive: ['elsewhere', 'maps-it'], unreachable_physnet: null, from: 'history' });
  // 60 s of silence (the down time given) later both are down, whatever the clock says now.
  const after = await travel(network!.id, t0 + 1_000 + 60_001);
  expect(after.agents).toEqual({ alive: [], unreachable_physnet: 'phys-tt', from: 'history' });
});
