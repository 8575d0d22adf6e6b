import { randomUUID } from 'node:crypto';
import { parseIpv4, type EventEnvelope } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApi, type TestApi } from '../testing/index.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.stop());

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
