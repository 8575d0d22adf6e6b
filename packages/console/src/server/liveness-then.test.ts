/** Time travel's agents: alive or down at the moment, as the scheduler's fold of the same events judged them. */
import { randomUUID } from 'node:crypto';
import { READ_MODEL_SNAPSHOT_V, startHttpApi, type HttpApi } from '@leasehold/api';
import { startTestApi, type TestApi } from '@leasehold/api/testing';
import { ProjectionSnapshots, compactJournal } from '@leasehold/journal';
import { SCHEDULER_SNAPSHOT_V, SchedulerFold, schedulerConfig, schedulerFingerprint } from '@leasehold/scheduler';
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

test('on a compacted journal the agents then come from the newest scheduler snapshot: an agent heard only before the compaction is known', async () => {
  const { network } = await post('/v2.0/networks', { network: { name: 'compacted-liveness' } });
  await post('/v2.0/subnets', { subnet: { network_id: network!.id, cidr: '198.18.76.0/28', ip_version: 4 } });
  const t1 = Date.now();
  await heartbeat('snapshotted', t1, {});
  const last = (await t.journal.jsm.streams.info(t.journal.layout.stream)).state.last_seq;
  await t.api.model.waitFor(last);
  const api = t.api.model.snapshot();
  // The scheduler's snapshot as its runtime takes one: its fold's state and binding versions, under its fingerprint.
  const config = schedulerConfig({ agentDownTime: 60_000 });
  const fold = new SchedulerFold(config);
  await t.journal.replay('lh.evt.>', (stored) => void fold.apply(stored), { toSeq: last, onBadEvent: () => {} });
  const snapshots = await ProjectionSnapshots.open(t.journal);
  await snapshots.save('api', { v: READ_MODEL_SNAPSHOT_V }, api.position, api);
  await snapshots.save('scheduler', { v: SCHEDULER_SNAPSHOT_V, fingerprint: schedulerFingerprint(config) }, last, { state: fold.state, bindingVersions: fold.bindingVersions });
  const compacted = await compactJournal(t.journal, snapshots, { windowMs: 0, requiredKinds: ['api'] });
  expect(compacted.floor).toBeGreaterThan(last);
  await post('/v2.0/ports', { port: { network_id: network!.id, name: 'after' } });

  const travelled = await travel(network!.id, t1 + 10_000);
  expect(travelled.snapshot).toBe(`api@${api.position}`);
  expect(travelled.agents.from).toBe(`scheduler@${last}`);
  expect(travelled.agents.alive).toContain('snapshotted');
});
