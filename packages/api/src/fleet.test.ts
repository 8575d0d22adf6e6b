import { randomUUID } from 'node:crypto';
import { aggregateSubject, parseIpv4, type AgentHeartbeatData, type EventEnvelope } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiError } from './errors.js';
import { startTestApi, type TestApi } from './testing/index.js';

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

describe('agents', () => {
  test('a heartbeating agent is listed alive with its host, zone and mappings; a silent one is listed dead and can be deleted', async () => {
    const live = `live-${randomUUID().slice(0, 6)}`;
    const dead = `dead-${randomUUID().slice(0, 6)}`;
    await heartbeat(live);
    await heartbeat(dead, Date.now() - 10 * 60_000);
    const agents = await t.client.request<{ agents: { id: string; alive: boolean; host: string; availability_zone: string; configurations: { interface_mappings: object } }[] }>('agents.list');
    expect(agents.agents.find((a) => a.id === live)).toMatchObject({ alive: true, host: `host-${live}`, availability_zone: 'az1', configurations: { interface_mappings: { physnet1: 'eth1' } } });
    expect(agents.agents.find((a) => a.id === dead)).toMatchObject({ alive: false });
    expect(await rejects(t.client.request('agents.delete', { id: live }))).toMatchObject({ code: 'AGENT_ALIVE' });
    await t.client.request('agents.delete', { id: dead });
    expect((await rejects(t.client.request('agents.show', { id: dead }))).code).toBe('NOT_FOUND');
  });

  test('admin_state_up can be turned off and on', async () => {
    const id = `adm-${randomUUID().slice(0, 6)}`;
    await heartbeat(id);
    const off = await t.client.request<{ agent: { admin_state_up: boolean } }>('agents.update', { id, admin_state_up: false });
    expect(off.agent.admin_state_up).toBe(false);
    const on = await t.client.request<{ agent: { admin_state_up: boolean } }>('agents.update', { id, admin_state_up: true });
    expect(on.agent.admin_state_up).toBe(true);
  });
});

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

describe('leases', () => {
  test('lease events written by agents are listed by network and shown by MAC or IP', async () => {
    const net = await t.client.networks.create({});
    const ip = parseIpv4('198.18.70.100');
    const subject = `lh.evt.lease.${net.id}.198-18-70-100`;
    const now = Date.now();
    const bound: EventEnvelope = { type: 'LeaseBound', v: 1, id: randomUUID(), aggregate: `lease/${net.id}/198.18.70.100`, at: now, data: { ip, mac: '52:54:00:12:34:56', hostname: 'vm1', expiresAt: now + 3_600_000, renewAt: now + 1_800_000, rebindAt: now + 3_150_000 } };
    const r = await t.journal.append(subject, [bound], 0);
    await t.api.model.waitFor(r.version);
    const list = await t.client.request<{ leases: { ip_address: string; state: string; hostname: string }[] }>('leases.list', { network_id: net.id });
    expect(list.leases).toMatchObject([{ ip_address: '198.18.70.100', state: 'bound', hostname: 'vm1' }]);
    expect(await t.client.request('leases.show', { mac_address: '52:54:00:12:34:56' })).toMatchObject({ lease: { ip_address: '198.18.70.100' } });
    expect(await t.client.request('leases.show', { ip_address: '198.18.70.100' })).toMatchObject({ lease: { mac_address: '52:54:00:12:34:56' } });
    const released: EventEnvelope = { type: 'LeaseReleased', v: 1, id: randomUUID(), aggregate: bound.aggregate, at: now + 1, data: { ip, mac: '52:54:00:12:34:56' } };
    const r2 = await t.journal.append(subject, [released], r.version);
    await t.api.model.waitFor(r2.version);
    expect(await t.client.request('leases.list', { network_id: net.id, state: 'bound' })).toStrictEqual({ leases: [] });
  });
});

describe('paging', () => {
  test('limit and marker page through ports in id order, and next_marker says where to go on', async () => {
    const net = await t.client.networks.create({});
    await t.client.subnets.create({ network_id: net.id, cidr: '198.18.71.0/24' });
    const ids = (await Promise.all(Array.from({ length: 7 }, () => t.client.ports.create({ network_id: net.id })))).map((p) => p.id).sort();
    const seen: string[] = [];
    let marker: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await t.client.request<{ ports: { id: string }[]; next_marker?: string }>('ports.list', { network_id: net.id, limit: 3, ...(marker ? { marker } : {}) });
      seen.push(...page.ports.map((p) => p.id));
      marker = page.next_marker;
      if (!marker) break;
    }
    expect(seen).toStrictEqual(ids);
  });
});

describe('regression: a new holder inherits nothing', () => {
  test('a LeaseBound of another client after a release does not keep the previous holder\'s host name', async () => {
    const net = await t.client.networks.create({});
    const ip = parseIpv4('198.18.73.5');
    const subject = `lh.evt.lease.${net.id}.198-18-73-5`;
    const aggregate = `lease/${net.id}/198.18.73.5`;
    const now = Date.now();
    const times = { expiresAt: now + 60_000, renewAt: now + 30_000, rebindAt: now + 52_000 };
    const events: EventEnvelope[] = [
      { type: 'LeaseBound', v: 1, id: randomUUID(), aggregate, at: now, data: { ip, mac: '52:54:00:00:73:01', hostname: 'first', clientId: '01aa', ...times } },
      { type: 'LeaseReleased', v: 1, id: randomUUID(), aggregate, at: now + 1, data: { ip, mac: '52:54:00:00:73:01' } },
      { type: 'LeaseBound', v: 1, id: randomUUID(), aggregate, at: now + 2, data: { ip, mac: '52:54:00:00:73:02', ...times } },
    ];
    const r = await t.journal.append(subject, events, 0);
    await t.api.model.waitFor(r.version);
    expect(await t.client.leases.show({ ip_address: '198.18.73.5' })).toMatchObject({ mac_address: '52:54:00:00:73:02', hostname: null, client_id: null });
  });
});
