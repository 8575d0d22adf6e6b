import { randomUUID } from 'node:crypto';
import { agentDhcpPortSubject, type Journal } from '@leasehold/journal';
import type { PortState } from '@leasehold/protocol';
import { DHCP_RESERVED_DEVICE_ID, dhcpPortDeviceId } from '@leasehold/resources';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiErrorOf, bindingDraft, startTestApi, type TestApi } from '../testing/index.js';
import { agentRequestHandlers } from './dhcp-port.js';
import { reclaimableDhcpPort } from './dhcp-port-reclaim.js';
import { PortWriter } from './writer.js';

const AGENT_DOWN_TIME_MS = 60_000;
let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({ agentDownTimeMs: AGENT_DOWN_TIME_MS });
});
afterAll(() => t.stop());

let block = 40;
/** A network with one DHCP-enabled subnet in its own /24 of 198.18.0.0/15. */
async function network() {
  const net = await t.client.networks.create({ name: `reclaim-${block}` });
  await t.client.subnets.create({ network_id: net.id, cidr: `198.18.${block++}.0/24` });
  return net;
}

const newAgent = () => `agent-${randomUUID().slice(0, 8)}`;

/** Writes binding events as the scheduler does (one append on the network's binding subject), and waits for the API to fold them. */
async function schedulerWrites(networkId: string, ...changes: [type: 'NetworkScheduled' | 'NetworkUnscheduled', agentId: string][]) {
  const drafts = changes.map(([type, agentId]) =>
    type === 'NetworkScheduled'
      ? bindingDraft(type, { networkId, agentId, reason: 'failover' }, Date.now())
      : bindingDraft(type, { networkId, agentId, reason: 'agent-down' }, Date.now()),
  );
  const result = await t.journal.append(drafts[0]!.subject, drafts.map((d) => d.event));
  await t.api.model.waitFor(result.version);
}

const dhcpPortsOf = async (networkId: string) => (await t.client.ports.list({ network_id: networkId })).filter((p) => p.device_owner === 'network:dhcp');

function port(id: string, deviceId: string, deviceOwner = 'network:dhcp'): PortState {
  return { id, networkId: 'n', name: '', macAddress: 'fa:16:3e:00:00:01', fixedIps: [], dnsName: '', extraDhcpOpts: [], deviceOwner, deviceId, adminStateUp: true };
}

describe('which DHCP port a new agent takes over', () => {
  test('a reserved port first, else the lowest id among ports of agents no longer bound; never a bound agent’s, its own or an operator’s', () => {
    const bound = new Set(['a', 'me']);
    expect(reclaimableDhcpPort([port('2', 'dhcp-gone'), port('3', DHCP_RESERVED_DEVICE_ID), port('1', 'dhcp-old')], bound, 'me')?.id).toBe('3');
    expect(reclaimableDhcpPort([port('2', 'dhcp-gone'), port('1', 'dhcp-old')], bound, 'me')?.id).toBe('1');
    expect(reclaimableDhcpPort([port('1', 'dhcp-a'), port('2', 'dhcp-me'), port('3', 'vm-1'), port('4', DHCP_RESERVED_DEVICE_ID, 'compute:nova')], bound, 'me')).toBeUndefined();
  });
});

describe("a network's DHCP port outlives its agent", () => {
  test('after a failover the new agent takes over the old port: same id, MAC and address, so the same server identifier', async () => {
    const net = await network();
    const [old, next] = [newAgent(), newAgent()];
    await schedulerWrites(net.id, ['NetworkScheduled', old]);
    const before = (await t.client.agents.dhcpPort(old, net.id)).port;
    await schedulerWrites(net.id, ['NetworkUnscheduled', old], ['NetworkScheduled', next]);
    const after = await t.client.agents.dhcpPort(next, net.id);
    expect(after.created).toBe(false);
    expect(after.port).toMatchObject({ id: before.id, mac_address: before.mac_address, fixed_ips: before.fixed_ips, device_id: dhcpPortDeviceId(next), name: `dhcp port of ${next}` });
    expect(await dhcpPortsOf(net.id)).toHaveLength(1);
  });

  test('a rebalance that binds the new agent before it unbinds the old one (one append) still hands the port over', async () => {
    const net = await network();
    const [old, next] = [newAgent(), newAgent()];
    await schedulerWrites(net.id, ['NetworkScheduled', old]);
    const before = (await t.client.agents.dhcpPort(old, net.id)).port;
    await schedulerWrites(net.id, ['NetworkScheduled', next], ['NetworkUnscheduled', old]);
    expect((await t.client.agents.dhcpPort(next, net.id)).port).toMatchObject({ id: before.id, fixed_ips: before.fixed_ips, device_id: dhcpPortDeviceId(next) });
  });

  test('a second agent bound beside the first gets a port of its own: a bound agent’s port is never taken', async () => {
    const net = await network();
    const [first, second] = [newAgent(), newAgent()];
    await schedulerWrites(net.id, ['NetworkScheduled', first], ['NetworkScheduled', second]);
    const a = (await t.client.agents.dhcpPort(first, net.id)).port;
    const b = await t.client.agents.dhcpPort(second, net.id);
    expect(b.created).toBe(true);
    expect(b.port.id).not.toBe(a.id);
    expect((await dhcpPortsOf(net.id)).map((p) => p.device_id).sort()).toStrictEqual([dhcpPortDeviceId(first), dhcpPortDeviceId(second)].sort());
  });

  test('two new agents asking at once for one left port: one takes it over, the other gets a new one', async () => {
    const net = await network();
    const [old, b, c] = [newAgent(), newAgent(), newAgent()];
    await schedulerWrites(net.id, ['NetworkScheduled', old]);
    const before = (await t.client.agents.dhcpPort(old, net.id)).port;
    await schedulerWrites(net.id, ['NetworkUnscheduled', old], ['NetworkScheduled', b], ['NetworkScheduled', c]);
    // Two handler sets, as two API instances would have: the port's expected version lets one take it.
    const instances = [0, 1].map(() => agentRequestHandlers(t.journal, t.api.model, new PortWriter(t.journal, t.api.model))['dhcp-port']!);
    const replies = (await Promise.all([instances[0]!({ network_id: net.id }, agentDhcpPortSubject(b)), instances[1]!({ network_id: net.id }, agentDhcpPortSubject(c))])) as { port: { id: string } }[];
    expect(replies.filter((r) => r.port.id === before.id)).toHaveLength(1);
    expect((await dhcpPortsOf(net.id)).map((p) => p.device_id).sort()).toStrictEqual([dhcpPortDeviceId(b), dhcpPortDeviceId(c)].sort());
  });

  test('bindings.remove reserves the agent’s port (Neutron’s reserved_dhcp_port), and the next agent bound takes it', async () => {
    const net = await network();
    const [old, next] = [newAgent(), newAgent()];
    await t.heartbeat(old);
    await t.heartbeat(next);
    await t.client.bindings.add(net.id, old);
    const before = (await t.client.agents.dhcpPort(old, net.id)).port;
    await t.client.bindings.remove(net.id, old);
    expect(await dhcpPortsOf(net.id)).toMatchObject([{ id: before.id, device_id: DHCP_RESERVED_DEVICE_ID, fixed_ips: before.fixed_ips }]);
    await t.client.bindings.add(net.id, next);
    expect((await t.client.agents.dhcpPort(next, net.id)).port).toMatchObject({ id: before.id, mac_address: before.mac_address, fixed_ips: before.fixed_ips, device_id: dhcpPortDeviceId(next) });
  });
});

describe('regressions of the walkthrough (issue 18)', () => {
  test('agent delete leaves no ACTIVE DHCP port of the dead agent: its ports are reserved for the agents that take its networks over', async () => {
    const [net1, net2] = [await network(), await network()];
    const dead = newAgent();
    await t.heartbeat(dead, Date.now() - 2 * AGENT_DOWN_TIME_MS);
    for (const net of [net1, net2]) await schedulerWrites(net.id, ['NetworkScheduled', dead]);
    const held = await Promise.all([net1, net2].map(async (net) => (await t.client.agents.dhcpPort(dead, net.id)).port));
    await t.client.agents.delete(dead);
    expect(await t.client.ports.list({ device_id: dhcpPortDeviceId(dead) })).toStrictEqual([]);
    for (const [i, net] of [net1, net2].entries()) {
      expect(await dhcpPortsOf(net.id)).toMatchObject([{ id: held[i]!.id, device_id: DHCP_RESERVED_DEVICE_ID, fixed_ips: held[i]!.fixed_ips }]);
    }
  });

  test('net delete leaves no DHCP port behind', async () => {
    const net = await network();
    const agent = newAgent();
    await schedulerWrites(net.id, ['NetworkScheduled', agent]);
    await t.client.agents.dhcpPort(agent, net.id);
    await t.client.networks.delete(net.id);
    expect(await t.client.ports.list({ network_id: net.id })).toStrictEqual([]);
    expect(await apiErrorOf(t.client.agents.dhcpPort(agent, net.id))).toMatchObject({ code: 'NOT_FOUND', field: 'network_id' });
    expect(await t.client.ports.list({ network_id: net.id })).toStrictEqual([]);
  });

  test('net delete leaves no DHCP port even when the agent’s port is written after NetworkDeleted: the request removes it and is refused', async () => {
    const net = await network();
    const agent = newAgent();
    await schedulerWrites(net.id, ['NetworkScheduled', agent]);
    // The agent's request is held just before its port is written; the whole delete runs meanwhile.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let reached!: () => void;
    const atPortWrite = new Promise<void>((resolve) => (reached = resolve));
    const journal = new Proxy(t.journal, {
      get(target, key, receiver) {
        if (key !== 'append') return Reflect.get(target, key, receiver);
        return async (subject: string, ...rest: unknown[]) => {
          if (subject.startsWith('lh.evt.port.')) {
            reached();
            await gate;
          }
          return (target.append as (...a: unknown[]) => unknown).call(target, subject, ...rest);
        };
      },
    }) as Journal;
    const handler = agentRequestHandlers(journal, t.api.model, new PortWriter(journal, t.api.model))['dhcp-port']!;
    const asking = handler({ network_id: net.id }, agentDhcpPortSubject(agent));
    await atPortWrite;
    await t.client.networks.delete(net.id);
    open();
    expect(await apiErrorOf(asking)).toMatchObject({ code: 'NOT_FOUND', field: 'network_id' });
    expect(await t.client.ports.list({ network_id: net.id })).toStrictEqual([]);
    // Its address and MAC were given back too.
    expect([...t.api.model.ipClaims.keys()].filter((s) => s.includes(net.id))).toStrictEqual([]);
    expect([...t.api.model.macClaims.keys()].filter((s) => s.includes(net.id))).toStrictEqual([]);
  });

  test('net delete racing an agent that keeps asking for its port leaves no DHCP port', async () => {
    const net = await network();
    const agent = newAgent();
    await schedulerWrites(net.id, ['NetworkScheduled', agent]);
    await t.client.agents.dhcpPort(agent, net.id);
    let deleted = false;
    const agentLoop = (async () => {
      // As the agent's reconcile does: ask again whenever its port is gone, until the network is.
      while (!deleted) await t.client.agents.dhcpPort(agent, net.id).catch(() => undefined);
    })();
    await t.client.networks.delete(net.id);
    deleted = true;
    await agentLoop;
    expect(await t.client.ports.list({ network_id: net.id })).toStrictEqual([]);
  });
});
