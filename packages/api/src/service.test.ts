import { headers } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApi, type TestApi } from './testing/index.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.stop());

const json = new TextEncoder();
const text = new TextDecoder();

describe('the API as a NATS service', () => {
  test('it answers $SRV.PING and INFO discovery with its name and endpoints', async () => {
    const ping = await t.nc.request('$SRV.PING.leasehold-api', new Uint8Array());
    expect(JSON.parse(text.decode(ping.data))).toMatchObject({ name: 'leasehold-api', type: 'io.nats.micro.v1.ping_response' });
    const info = JSON.parse(text.decode((await t.nc.request('$SRV.INFO.leasehold-api', new Uint8Array())).data));
    expect(info.endpoints.map((e: { subject: string }) => e.subject)).toContain('lh.api.v1.ports.create');
    expect(info.endpoints.map((e: { subject: string }) => e.subject)).toContain('lh.api.agents.*.dhcp-port');
  });

  test('a JSON request (body starting with "{") gets a JSON reply, as `nats req` would', async () => {
    const reply = await t.nc.request('lh.api.v1.networks.create', json.encode('{"name":"by-hand","mtu":1450}'));
    const body = JSON.parse(text.decode(reply.data));
    expect(body.network).toMatchObject({ name: 'by-hand', mtu: 1450, admin_state_up: true, status: 'ACTIVE' });
    expect(reply.headers?.get('content-type')).toBe('application/json');
  });

  test('a JSON error carries the stable code, status and field, and the service error headers', async () => {
    const h = headers();
    h.set('content-type', 'application/json');
    const reply = await t.nc.request('lh.api.v1.subnets.create', json.encode(' {"network_id":"nope","cidr":"198.18.0.0/24"}'), { headers: h, timeout: 5000 });
    expect(reply.headers?.get('Nats-Service-Error-Code')).toBe('404');
    expect(JSON.parse(text.decode(reply.data))).toStrictEqual({
      error: { code: 'NOT_FOUND', status: 404, field: 'network_id', message: 'network nope not found' },
    });
  });
});

describe('malformed requests', () => {
  const raw = (subject: string, body: Uint8Array) => t.nc.request(`lh.api.v1.${subject}`, body);

  test.each([
    ['bad JSON', json.encode('{"name": '), 'BAD_REQUEST', 400],
    ['bad msgpack', new Uint8Array([0xc1, 0xc1, 0xc1]), 'BAD_REQUEST', 400],
    ['a JSON array', json.encode('[1,2]'), 'BAD_REQUEST', 400],
    ['wrong types', json.encode('{"name": 5}'), 'VALIDATION_FAILED', 400],
    ['an unknown field', json.encode('{"name": "x", "shoe_size": 44}'), 'VALIDATION_FAILED', 400],
    ['an oversized payload', json.encode(`{"name": "${'x'.repeat(70_000)}"}`), 'PAYLOAD_TOO_LARGE', 413],
  ])('%s gets a %s error and writes nothing', async (_what, body, code, status) => {
    const before = (await t.journal.jsm.streams.info(t.journal.layout.stream)).state.last_seq;
    const reply = await raw('networks.create', body);
    const decoded = reply.headers?.get('content-type') === 'application/json' ? JSON.parse(text.decode(reply.data)) : (await import('@leasehold/protocol')).unpack(reply.data);
    expect(decoded).toMatchObject({ error: { code, status } });
    expect((await t.journal.jsm.streams.info(t.journal.layout.stream)).state.last_seq).toBe(before);
  });
});
