import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { agentDhcpPortSubject, startProjection, type StoredEvent } from '@leasehold/journal';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiError } from '../errors.js';
import { ReadModel } from '../read-model/read-model.js';
import { bindingDraft, startTestApi, type TestApi } from '../testing/index.js';
import { dhcpPortDeviceId } from '@leasehold/resources';
import { agentRequestHandlers, agentOfSubject, dhcpPortId } from './dhcp-port.js';
import { PortWriter } from './writer.js';

// No user port fits in the default project's quota: DHCP ports must still be given.
let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({ quotas: { quota_port: 0 } });
});
afterAll(() => t.stop());

let block = 100;
/** A network with two DHCP-enabled subnets and one without DHCP, each in its own /24 of 198.18.0.0/15. */
async function network() {
  const net = await t.client.networks.create({ name: `dhcp-port-${block}` });
  const dhcp = [];
  for (let i = 0; i < 2; i++) dhcp.push(await t.client.subnets.create({ network_id: net.id, cidr: `198.18.${block++}.0/24` }));
  await t.client.subnets.create({ network_id: net.id, cidr: `198.18.${block++}.0/24`, enable_dhcp: false });
  return { net, dhcp };
}

/** Binds as the scheduler does: a NetworkScheduled event on the network's binding subject, not through the API. */
async function bind(networkId: string, agentId: string) {
  const draft = bindingDraft('NetworkScheduled', { networkId, agentId, reason: 'manual' }, Date.now());
  return t.journal.append(draft.subject, [draft.event]);
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

const agentPorts = async (networkId: string, agentId: string) => t.client.ports.list({ network_id: networkId, device_id: dhcpPortDeviceId(agentId) });

describe("an agent's DHCP port", () => {
  test('an agent gets its DHCP port on a network bound to it: network:dhcp, one address per DHCP-enabled subnet, no DNS name, outside the quota', async () => {
    const { net, dhcp } = await network();
    const agent = `agent-${randomUUID().slice(0, 8)}`;
    await bind(net.id, agent);
    const { port, created } = await t.client.agents.dhcpPort(agent, net.id);
    expect(created).toBe(true);
    expect(port).toMatchObject({ network_id: net.id, device_owner: 'network:dhcp', device_id: `dhcp-${agent}`, name: `dhcp port of ${agent}`, dns_name: '', admin_state_up: true });
    expect(port.id).toBe(dhcpPortId(net.id, agent));
    expect(port.fixed_ips.map((f) => f.subnet_id).sort()).toStrictEqual(dhcp.map((s) => s.id).sort());
    // The quota is real: a user port of the same project is refused.
    expect(await refusal(t.client.ports.create({ network_id: net.id }))).toMatchObject({ code: 'OVER_QUOTA' });
  });

  test("on a dual-stack network the port also holds a stateful IPv6 pool address and its EUI-64 address on a slaac subnet; an IPv6-only network gets its port too", async () => {
    const net = await t.client.networks.create({ name: 'dhcp-port-dual' });
    const v4 = await t.client.subnets.create({ network_id: net.id, cidr: `198.18.${block++}.0/24` });
    const stateful = await t.client.subnets.create({ network_id: net.id, cidr: '2001:db8:80::/64', ipv6_address_mode: 'dhcpv6-stateful' });
    const slaac = await t.client.subnets.create({ network_id: net.id, cidr: '2001:db8:81::/64', ipv6_address_mode: 'slaac' });
    const agent = `agent-${randomUUID().slice(0, 8)}`;
    await bind(net.id, agent);
    const { port } = await t.client.agents.dhcpPort(agent, net.id);
    expect(port.fixed_ips.map((f) => f.subnet_id)).toStrictEqual([v4.id, stateful.id, slaac.id]);
    expect(port.fixed_ips[1]!.ip_address).toBe('2001:db8:80::2');

    const only6 = await t.client.networks.create({ name: 'dhcp-port-v6' });
    const s6 = await t.client.subnets.create({ network_id: only6.id, cidr: '2001:db8:82::/64', ipv6_address_mode: 'dhcpv6-stateless' });
    await bind(only6.id, agent);
    const { port: port6 } = await t.client.agents.dhcpPort(agent, only6.id);
    expect(port6.fixed_ips.map((f) => f.subnet_id)).toStrictEqual([s6.id]);
  });

  test('asking again answers the same port, and concurrent asks create one port', async () => {
    const { net } = await network();
    const agent = `agent-${randomUUID().slice(0, 8)}`;
    await bind(net.id, agent);
    const all = await Promise.all(Array.from({ length: 5 }, () => t.client.agents.dhcpPort(agent, net.id)));
    expect(new Set(all.map((r) => r.port.id)).size).toBe(1);
    expect(all.filter((r) => r.created)).toHaveLength(1);
    const again = await t.client.agents.dhcpPort(agent, net.id);
    expect(again).toStrictEqual({ port: all[0]!.port, created: false });
    expect(await agentPorts(net.id, agent)).toHaveLength(1);
  });

  test('two API instances asked at once create one port: the second finds the first on the same port subject', async () => {
    const { net } = await network();
    const agent = `agent-${randomUUID().slice(0, 8)}`;
    await t.api.model.waitFor((await bind(net.id, agent)).version);
    // Two handler sets with their own writers and in-flight tables, as two processes would have.
    const instances = [0, 1].map(() => agentRequestHandlers(t.journal, t.api.model, new PortWriter(t.journal, t.api.model))['dhcp-port']!);
    const replies = (await Promise.all(instances.map((h) => h({ network_id: net.id }, agentDhcpPortSubject(agent))))) as { port: { id: string }; created: boolean }[];
    expect(replies.map((r) => r.port.id)).toStrictEqual([replies[0]!.port.id, replies[0]!.port.id]);
    expect(replies.filter((r) => r.created)).toHaveLength(1);
    expect(await agentPorts(net.id, agent)).toHaveLength(1);
  });

  test('an agent asking for a port on a network not bound to it is refused with FORBIDDEN, and nothing is written', async () => {
    const { net } = await network();
    const other = await network();
    const agent = `agent-${randomUUID().slice(0, 8)}`;
    await bind(other.net.id, agent);
    await t.api.model.waitFor((await bind(net.id, `someone-else-${randomUUID().slice(0, 8)}`)).version);
    const before = t.api.model.at();
    const error = await refusal(t.client.agents.dhcpPort(agent, net.id));
    expect(error).toMatchObject({ code: 'FORBIDDEN', status: 403, field: 'network_id', message: `network ${net.id} is not bound to agent ${agent}` });
    expect(t.api.model.at()).toBe(before);
    expect(await agentPorts(net.id, agent)).toStrictEqual([]);
  });

  test('an unknown network is refused with NOT_FOUND, an id that cannot be a network too', async () => {
    const agent = `agent-${randomUUID().slice(0, 8)}`;
    const missing = randomUUID();
    await bind(missing, agent); // a binding alone does not make a network
    expect(await refusal(t.client.agents.dhcpPort(agent, missing))).toMatchObject({ code: 'NOT_FOUND', field: 'network_id', message: `network ${missing} not found` });
    expect(await refusal(t.client.agents.dhcpPort(agent, 'no*such'))).toMatchObject({ code: 'NOT_FOUND', field: 'network_id' });
  });

  test('a network without a DHCP-enabled subnet is refused with NO_DHCP_SUBNET', async () => {
    const net = await t.client.networks.create({});
    await t.client.subnets.create({ network_id: net.id, cidr: `198.18.${block++}.0/24`, enable_dhcp: false });
    const agent = `agent-${randomUUID().slice(0, 8)}`;
    await bind(net.id, agent);
    expect(await refusal(t.client.agents.dhcpPort(agent, net.id))).toMatchObject({ code: 'NO_DHCP_SUBNET', status: 409 });
  });

  test('the body cannot name another agent: an unknown field is refused', async () => {
    const { net } = await network();
    const agent = `agent-${randomUUID().slice(0, 8)}`;
    await bind(net.id, agent);
    const error = await refusal(t.client.requestOn(agentDhcpPortSubject(agent), { network_id: net.id, agent_id: 'other' }));
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'agent_id' });
  });

  test('a port an operator deleted is made again on the same id', async () => {
    const { net } = await network();
    const agent = `agent-${randomUUID().slice(0, 8)}`;
    await bind(net.id, agent);
    const first = await t.client.agents.dhcpPort(agent, net.id);
    await t.client.ports.delete(first.port.id);
    const second = await t.client.agents.dhcpPort(agent, net.id);
    expect(second.created).toBe(true);
    expect(second.port.id).toBe(first.port.id);
    expect(await agentPorts(net.id, agent)).toHaveLength(1);
  });

  test('the agent id is taken from the subject, which must be an agent request subject', () => {
    expect(agentOfSubject('lh.api.agents.a-1.dhcp-port')).toBe('a-1');
    expect(() => agentOfSubject('lh.api.v1.ports.create')).toThrow(ApiError);
    expect(() => agentOfSubject('lh.api.agents.a.b.dhcp-port')).toThrow(ApiError);
  });
});

describe('a binding the read model has not folded yet', () => {
  /** A read model fed by its own projection, whose events can be held back to make it lag the journal. */
  async function laggingModel() {
    const model = new ReadModel();
    let held: StoredEvent[] | undefined;
    const projection = await startProjection(t.journal, {
      name: `lagging-${randomUUID()}`,
      filter: 'lh.evt.>',
      fromStart: true,
      apply: (stored) => void (held ? held.push(stored) : model.apply(stored)),
      onQuarantine: (q) => model.quarantine(q.subject, q.seq),
    });
    await projection.caughtUp;
    return {
      model,
      projection,
      hold: () => void (held = []),
      release: () => {
        for (const stored of held ?? []) model.apply(stored);
        held = undefined;
      },
    };
  }

  test('is waited for: the request is answered once the model has folded the binding, not refused', async () => {
    const { net } = await network();
    const lagging = await laggingModel();
    try {
      await lagging.model.waitFor(t.api.model.at());
      const agent = `agent-${randomUUID().slice(0, 8)}`;
      lagging.hold();
      await bind(net.id, agent);
      const handler = agentRequestHandlers(t.journal, lagging.model, new PortWriter(t.journal, lagging.model))['dhcp-port']!;
      let settled = false;
      const answer = handler({ network_id: net.id }, agentDhcpPortSubject(agent)).finally(() => (settled = true));
      await sleep(300);
      expect(settled).toBe(false);
      lagging.release();
      expect(await answer).toMatchObject({ created: true, port: { device_id: `dhcp-${agent}` } });
    } finally {
      await lagging.projection.stop();
    }
  });

  test('that does not arrive in time is answered UNAVAILABLE, never FORBIDDEN', async () => {
    const { net } = await network();
    const lagging = await laggingModel();
    try {
      await lagging.model.waitFor(t.api.model.at());
      const agent = `agent-${randomUUID().slice(0, 8)}`;
      lagging.hold();
      await bind(net.id, agent);
      const handler = agentRequestHandlers(t.journal, lagging.model, new PortWriter(t.journal, lagging.model), { catchUpMs: 200 })['dhcp-port']!;
      expect(await refusal(handler({ network_id: net.id }, agentDhcpPortSubject(agent)))).toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      await lagging.projection.stop();
    }
  });
});
