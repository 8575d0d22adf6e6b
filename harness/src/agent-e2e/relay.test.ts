/**
 * A relayed network through a real relay: ISC dhcrelay in a namespace
 * between the client and the agent. giaddr (the relay's address on the
 * client's link) picks the subnet, which is not the subnet of the link the
 * agent hears the relay on; the relay's option 82 comes back unchanged, last,
 * in every reply (RFC 3046 2.2), as a capture on the agent's interface shows.
 * A relayed client then renews by unicast straight to the agent (through the
 * relay as its router, not relayed), at the server id the agent gave it.
 */
import { createRelayTopology, heldLeases, leaseHistory, macOf, startCapture, startClient } from '@leasehold/agent/testing';
import { DhcpMessageType, DhcpOptionCode, decodeDhcp, getOption, messageType, type DhcpMessage } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

describe('relayed networks', () => {
  test('a client behind dhcrelay gets an address of the subnet giaddr names, and option 82 is echoed in every reply', async () => {
    await using topology = await createRelayTopology({
      gateway: '198.18.140.1/24',
      clientCidr: '198.18.140.0/24',
      hostAddress: '198.18.141.1/24',
      relayAddress: '198.18.141.2/24',
      relayArgs: ['-a'],
    });
    const agent = await env.startAgent({ agentId: 'agent-relay', relayInterfaces: [topology.hostIf] });
    const { network, subnet } = await env.network('phys-behind-relay', {
      cidr: '198.18.140.0/24',
      gateway_ip: '198.18.140.1',
      allocation_pools: [{ start: '198.18.140.2', end: '198.18.140.99' }],
      dynamic_pools: [{ start: '198.18.140.100', end: '198.18.140.150' }],
    });
    await env.bind(agent, network.id);
    expect(agent.served()).toMatchObject([{ networkId: network.id, ifname: undefined }]);

    const capture = await startCapture(topology.hostIf, 'udp port 67');
    let captured: Awaited<ReturnType<typeof capture.stop>> | undefined;
    const client = await startClient('udhcpc', topology.client);
    try {
      const lease = await client.waitFor(['bound'], 15_000);
      expect(lease.ip).toMatch(/^198\.18\.140\.(1[0-4]\d|150)$/);
      expect(lease.routers).toStrictEqual([subnet.gateway_ip]);
      expect(lease.mask).toBe('255.255.255.0');
      const mac = await macOf(topology.client.ns, topology.client.clientIf);
      expect([...(await heldLeases(env.t.journal, network.id))]).toStrictEqual([[lease.ip, mac]]);
    } finally {
      captured = await capture.stop();
      await client.stop();
    }

    const messages = captured.map((r) => ({ ...r, msg: decodeDhcp(r.payload) }));
    const requests = messages.filter((m) => m.src === '198.18.141.2' && m.dst === '198.18.141.1');
    const replies = messages.filter((m) => m.src === '198.18.141.1' && m.dst === '198.18.140.1' && m.dport === 67);
    const types = (list: { msg: DhcpMessage }[]) => list.map((m) => messageType(m.msg));
    expect(types(requests)).toStrictEqual(expect.arrayContaining([DhcpMessageType.Discover, DhcpMessageType.Request]));
    expect(types(replies)).toStrictEqual(expect.arrayContaining([DhcpMessageType.Offer, DhcpMessageType.Ack]));
    // dhcrelay -a: circuit id (sub-option 1) is the relay's interface towards the client.
    const relayInfo = getOption(requests[0]!.msg, DhcpOptionCode.RelayAgentInformation);
    expect(relayInfo?.find((s) => s.code === 1)?.data).toStrictEqual(new TextEncoder().encode(topology.relayDownIf));
    for (const reply of replies) {
      const request = requests.find((r) => r.msg.xid === reply.msg.xid)!;
      expect(reply.msg.giaddr).toBe(request.msg.giaddr);
      expect(getOption(reply.msg, DhcpOptionCode.RelayAgentInformation)).toStrictEqual(getOption(request.msg, DhcpOptionCode.RelayAgentInformation));
      expect(reply.msg.options.at(-1)?.code).toBe(DhcpOptionCode.RelayAgentInformation);
    }
  });
});

describe('relayed clients renewing', () => {
  test('a relayed client renews by unicast straight to the agent (RFC 2131 4.3.2 RENEWING), so its server id is the agent\'s address the relay reaches, not the DHCP port\'s', async () => {
    await using topology = await createRelayTopology({
      gateway: '198.18.142.1/24',
      clientCidr: '198.18.142.0/24',
      hostAddress: '198.18.143.1/24',
      relayAddress: '198.18.143.2/24',
      forward: true,
    });
    const agent = await env.startAgent({ agentId: 'agent-relay-renew', relayInterfaces: [topology.hostIf] });
    const { network } = await env.network('phys-behind-relay-2', {
      cidr: '198.18.142.0/24',
      gateway_ip: '198.18.142.1',
      allocation_pools: [{ start: '198.18.142.2', end: '198.18.142.99' }],
      dynamic_pools: [{ start: '198.18.142.100', end: '198.18.142.150' }],
      lease_duration: 120,
    });
    await env.bind(agent, network.id);

    const client = await startClient('udhcpc', topology.client);
    try {
      const lease = await client.waitFor(['bound'], 15_000);
      // Before the fix this was the DHCP port's address, on none of the agent's interfaces:
      // the unicast renewal went nowhere and the client fell back to rebinding through the relay.
      expect(lease.serverId).toBe('198.18.143.1');
      // The relay is the client's router (the hook configures the address only).
      await topology.client.exec('ip', ['route', 'add', 'default', 'via', '198.18.142.1']);
      const capture = await startCapture(topology.hostIf, 'udp port 67 or udp port 68');
      let captured: Awaited<ReturnType<typeof capture.stop>> = [];
      try {
        const seen = client.events().length;
        client.renew();
        expect((await client.waitFor(['renew', 'bound'], 15_000, seen)).ip).toBe(lease.ip);
      } finally {
        captured = await capture.stop();
      }
      const direct = captured.map((r) => ({ ...r, msg: decodeDhcp(r.payload) })).filter((r) => r.msg.giaddr === 0);
      expect(direct.map((r) => [r.src, r.dst, r.dport, messageType(r.msg)])).toStrictEqual([
        [lease.ip, '198.18.143.1', 67, DhcpMessageType.Request],
        ['198.18.143.1', lease.ip, 68, DhcpMessageType.Ack],
      ]);
      // dhcrelay, routing the unicast, relays a copy too: the lease's subject sequence lets one write through.
      const history = (await leaseHistory(env.t.journal, network.id)).get(lease.ip)!;
      expect(history[0]?.type).toBe('LeaseBound');
      expect(history.length).toBeGreaterThan(1);
      expect(new Set(history.slice(1).map((e) => e.type))).toStrictEqual(new Set(['LeaseRenewed']));
    } finally {
      await client.stop();
    }
  });
});
