/**
 * The DHCP-port request under the real role permissions: a nats-server
 * locked down with the role table's users, the API running as the `api`
 * user, agents as `agent-<id>`. What the server refuses is the point.
 */
import { randomUUID } from 'node:crypto';
import { Journal, type AccessUser } from '@leasehold/journal';
import { startSecureNats, type SecureNats } from '@leasehold/journal/testing';
import { DhcpPortRequestError, requestDhcpPort } from '@leasehold/resources';
import { PermissionViolationError } from '@nats-io/nats-core';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiClient } from '../client/client.js';
import { ApiError } from '../errors.js';
import { startApiService, type ApiService } from '../service.js';
import { encodeBody } from '../wire/codec.js';

const pass = (name: string) => `pw-${name}-${randomUUID()}`;
const users = {
  admin: { name: 'admin', password: pass('admin'), role: { kind: 'admin' } },
  api: { name: 'api', password: pass('api'), role: { kind: 'api' } },
  client: { name: 'client', password: pass('client'), role: { kind: 'client' } },
  a1: { name: 'agent-a1', password: pass('a1'), role: { kind: 'agent', agentId: 'a1' } },
  a2: { name: 'agent-a2', password: pass('a2'), role: { kind: 'agent', agentId: 'a2' } },
} as const satisfies Record<string, AccessUser>;

let nats: SecureNats;
let api: ApiService;
let client: ApiClient;
let networkId: string;
const login = (user: { name: string; password: string }) => nats.connect({ user: user.name, pass: user.password, name: user.name });

/** Resolves with the error `promise` rejects with (fails the test if it resolves). */
async function refusal(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  if (!outcome) throw new Error('expected a refusal, but the request was answered');
  return outcome;
}

/** True when `error` (or its cause) is the server's permissions violation for publishing on `subject`. */
function isViolation(error: Error, subject: string): boolean {
  const cause = error instanceof PermissionViolationError ? error : (error.cause as Error | undefined);
  return cause instanceof PermissionViolationError && cause.operation === 'publish' && cause.subject === subject;
}

/** A heartbeat of `agentId`, appended by that agent itself (an agent must exist to be bound by bindings.add). */
async function heartbeat(nc: NatsConnection, agentId: string) {
  const journal = await Journal.open(nc);
  const data = { agentId, host: `host-${agentId}`, availabilityZone: 'az1', networks: [], load: 0, interfaceMappings: {}, reportIntervalMs: 30_000, version: 'test' };
  await journal.append(`lh.evt.agent.${agentId}`, [{ type: 'AgentHeartbeat', v: 1, id: randomUUID(), aggregate: `agent/${agentId}`, at: Date.now(), data }]);
}

beforeAll(async () => {
  nats = await startSecureNats({ users: Object.values(users) });
  // Only the admin may create the stream and buckets; every other role finds them provisioned.
  await Journal.open(await login(users.admin));
  const apiNc = await login(users.api);
  api = await startApiService(apiNc, await Journal.open(apiNc), { onInternalError: (e) => console.error(e) });
  client = new ApiClient(await login(users.client));
  const network = await client.networks.create({ name: 'served-by-a1' });
  networkId = network.id;
  await client.subnets.create({ network_id: networkId, cidr: '198.18.60.0/24' });
  await heartbeat(await login(users.a1), 'a1');
  await heartbeat(await login(users.a2), 'a2');
  await client.bindings.add(networkId, 'a1');
}, 60_000);

afterAll(async () => {
  await api?.stop();
  await nats?.stop();
});

describe('an agent credential and the DHCP port', () => {
  test('publishing lh.api.v1.ports.create is refused by the server, and no port is made', async () => {
    const nc = await login(users.a1);
    const subject = 'lh.api.v1.ports.create';
    const body = encodeBody({ network_id: networkId, device_owner: 'network:dhcp', device_id: 'dhcp-a1', dns_name: 'www' }, 'msgpack');
    expect(isViolation(await refusal(nc.request(subject, body, { timeout: 2_000 })), subject)).toBe(true);
    // Through the typed client too: the request never reaches the API.
    expect(await refusal(new ApiClient(nc, { timeoutMs: 2_000 }).ports.create({ network_id: networkId }))).not.toBeInstanceOf(ApiError);
    expect(await client.ports.list({ network_id: networkId, device_id: 'dhcp-a1' })).toStrictEqual([]);
  });

  test("publishing another agent's lh.api.agents.a2.dhcp-port is refused by the server", async () => {
    const nc = await login(users.a1);
    const subject = 'lh.api.agents.a2.dhcp-port';
    expect(isViolation(await refusal(nc.request(subject, encodeBody({ network_id: networkId }, 'msgpack'), { timeout: 2_000 })), subject)).toBe(true);
    expect(await client.ports.list({ network_id: networkId, device_id: 'dhcp-a2' })).toStrictEqual([]);
  });

  test('a client (the operator) cannot send an agent request either', async () => {
    const nc = await login(users.client);
    const subject = 'lh.api.agents.a1.dhcp-port';
    expect(isViolation(await refusal(nc.request(subject, encodeBody({ network_id: networkId }, 'msgpack'), { timeout: 2_000 })), subject)).toBe(true);
  });

  test('its own subject works end to end: agent a1 gets its DHCP port on the network bound to it, and the same one again', async () => {
    const agent = new ApiClient(await login(users.a1), { timeoutMs: 5_000 });
    const first = await agent.agents.dhcpPort('a1', networkId);
    expect(first).toMatchObject({ created: true, port: { network_id: networkId, device_owner: 'network:dhcp', device_id: 'dhcp-a1', dns_name: '' } });
    expect(first.port.fixed_ips).toHaveLength(1);
    expect(await agent.agents.dhcpPort('a1', networkId)).toStrictEqual({ port: first.port, created: false });
    expect((await client.ports.list({ network_id: networkId, device_id: 'dhcp-a1' })).map((p) => p.id)).toStrictEqual([first.port.id]);
  });

  test('agent a2, on its own subject, is refused a port on a network not bound to it', async () => {
    const agent = new ApiClient(await login(users.a2), { timeoutMs: 5_000 });
    const error = await refusal(agent.agents.dhcpPort('a2', networkId));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'FORBIDDEN', message: `network ${networkId} is not bound to agent a2` });
  });

  test("the agent's own request (resources' requestDhcpPort, no API code loaded) gets what the API's client gets: the port, and a refusal with the same code, status, field and message", async () => {
    const a1 = await login(users.a1);
    const viaClient = await new ApiClient(a1, { timeoutMs: 5_000 }).agents.dhcpPort('a1', networkId);
    expect(await requestDhcpPort(a1, 'a1', networkId, { timeoutMs: 5_000 })).toStrictEqual({ port: viaClient.port, created: false });
    const a2 = await login(users.a2);
    const expected = (await refusal(new ApiClient(a2, { timeoutMs: 5_000 }).agents.dhcpPort('a2', networkId))) as ApiError;
    const error = await refusal(requestDhcpPort(a2, 'a2', networkId, { timeoutMs: 5_000 }));
    expect(error).toBeInstanceOf(DhcpPortRequestError);
    expect(error).toMatchObject({ code: expected.code, status: expected.status, field: expected.field, message: expected.message });
  });

  test('the operator may still create a network:dhcp port through ports.create, as a Neutron admin may', async () => {
    const port = await client.ports.create({ network_id: networkId, device_owner: 'network:dhcp', device_id: 'dhcp-by-hand' });
    expect(port).toMatchObject({ device_owner: 'network:dhcp', device_id: 'dhcp-by-hand' });
  });
});
