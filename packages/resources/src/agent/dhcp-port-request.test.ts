import { pack, unpack } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { DhcpPortRequestError } from '../errors.js';
import { DHCP_RESERVED_DEVICE_ID, agentOfDhcpDeviceId, agentOfRequestSubject, dhcpPortDeviceId, dhcpPortRequestSubject, requestDhcpPort } from './dhcp-port-request.js';

/** A NATS connection that answers one request as the API's endpoint would, and records what it was sent. */
function natsAnswering(answer: { data: Uint8Array; error?: [code: string, text: string] }) {
  const sent: { subject: string; body: unknown; timeout: number }[] = [];
  const nc = {
    request: async (subject: string, data: Uint8Array, opts: { timeout: number }) => {
      sent.push({ subject, body: unpack(data), timeout: opts.timeout });
      const headers = new Map(answer.error ? [['Nats-Service-Error-Code', answer.error[0]], ['Nats-Service-Error', answer.error[1]]] : []);
      return { data: answer.data, headers: { get: (k: string) => headers.get(k) ?? '' } };
    },
  };
  return { nc: nc as unknown as Parameters<typeof requestDhcpPort>[0], sent };
}

describe("an agent's DHCP-port request", () => {
  test('goes on its own subject with only the network in a msgpack body, and gives back the reply', async () => {
    const { nc, sent } = natsAnswering({ data: pack({ port: { id: 'p1' }, created: true }) });
    expect(await requestDhcpPort(nc, 'a1', 'n1', { timeoutMs: 5000 })).toStrictEqual({ port: { id: 'p1' }, created: true });
    expect(sent).toStrictEqual([{ subject: 'lh.api.agents.a1.dhcp-port', body: { network_id: 'n1' }, timeout: 5000 }]);
  });

  test("a refusal is thrown with the API's code, message and field", async () => {
    const body = { error: { code: 'FORBIDDEN', status: 403, message: 'network n1 is not bound to agent a1', field: 'network_id' } };
    const { nc } = natsAnswering({ data: pack(body), error: ['403', 'network n1 is not bound to agent a1'] });
    const error = await requestDhcpPort(nc, 'a1', 'n1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DhcpPortRequestError);
    expect(error).toMatchObject({ code: 'FORBIDDEN', status: 403, field: 'network_id', message: 'network n1 is not bound to agent a1' });
  });

  test('an error reply without a body is INTERNAL with the header’s text', async () => {
    const { nc } = natsAnswering({ data: new Uint8Array(), error: ['500', 'boom'] });
    await expect(requestDhcpPort(nc, 'a1', 'n1')).rejects.toMatchObject({ code: 'INTERNAL', message: 'boom' });
  });

  test('an agent id that is not one subject token is refused before anything is sent; the device id names the agent', () => {
    for (const id of ['', 'a.b', 'a*', 'a>', 'a b']) expect(() => dhcpPortRequestSubject(id)).toThrow(RangeError);
    expect(dhcpPortDeviceId('a1')).toBe('dhcp-a1');
  });

  test("a DHCP port's device_id names its agent back; the reserved id and an operator's own id name none", () => {
    for (const id of ['a1', 'agent-7', 'x:y']) expect(agentOfDhcpDeviceId(dhcpPortDeviceId(id))).toBe(id);
    for (const deviceId of [DHCP_RESERVED_DEVICE_ID, 'dhcp-', 'vm-1', '']) expect(agentOfDhcpDeviceId(deviceId)).toBeUndefined();
  });
});

describe('agentOfRequestSubject', () => {
  test("names the agent whose request subtree a subject is in, and nothing for any other subject", () => {
    expect(agentOfRequestSubject(dhcpPortRequestSubject('host-1'))).toBe('host-1');
    expect(agentOfRequestSubject('lh.api.agents.host-2.ready')).toBe('host-2');
    expect(['lh.api.networks.create', 'lh.api.agents', 'lh.api.agents..ready', 'lh.api.agentsx.h.ready', 'lh.api.agents.a*b.ready'].map(agentOfRequestSubject)).toStrictEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});
