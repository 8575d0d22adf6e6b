/**
 * Regression (found by the fault tests under load): two agents serving one
 * network must never bind one address to two clients. Agent 2 offers an
 * address to client B; agent 1 binds the same address to client A and
 * journals it; when B's REQUEST reaches agent 2, agent 2 must refuse it,
 * because the journal's fact beats its in-memory offer.
 */
import { servesClient } from '@leasehold/agent';
import { clientPacket, heldLeases, macBytes } from '@leasehold/agent/testing';
import { DhcpMessageType, DhcpOptionCode, decodeDhcp, getOption, messageType, parseIpv4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../../agent-env/agent-env.js';

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

/** A MAC the RFC 3074 split gives to `agent` among r1 and r2. */
const macFor = (agent: string, from = 0) => {
  for (let i = from; ; i++) {
    const mac = `52:54:00:00:0b:${i.toString(16).padStart(2, '0')}`;
    if (servesClient(['r1', 'r2'], agent, macBytes(mac))) return mac;
  }
};

describe('regression: two agents and one address', () => {
  test('a LeaseBound journaled by one agent for an address the other offered makes the other refuse its own client', async () => {
    const a1 = await env.startAgent({ agentId: 'r1', listen: false });
    const a2 = await env.startAgent({ agentId: 'r2', listen: false });
    const { network } = await env.network('phys-race', {
      cidr: '198.18.200.0/24',
      gateway_ip: '198.18.200.1',
      allocation_pools: [{ start: '198.18.200.2', end: '198.18.200.20' }],
      dynamic_pools: [{ start: '198.18.200.100', end: '198.18.200.200' }],
    });
    await env.bind(a1, network.id);
    await env.bind(a2, network.id);
    await Promise.all([a1.heartbeat(), a2.heartbeat()]);
    const giaddr = parseIpv4('198.18.200.1');
    const arrival = (ifaddr: string) => ({ ifname: 'uplink', ifaddr: parseIpv4(ifaddr) });

    const b = macFor('r2');
    const offer = decodeDhcp((await a2.server.handle(clientPacket({ type: DhcpMessageType.Discover, mac: b, giaddr, xid: 1 }), arrival('198.18.250.2')))!.bytes);
    const address = offer.yiaddr;
    // Agent 1 binds the same address to A (say A asked for it after a reboot).
    const a = macFor('r1');
    const ackA = await a1.server.handle(clientPacket({ type: DhcpMessageType.Request, mac: a, giaddr, xid: 2, requestedIp: address }), arrival('198.18.250.1'));
    expect(messageType(decodeDhcp(ackA!.bytes))).toBe(DhcpMessageType.Ack);
    await expect.poll(() => a2.model.table(network.id)?.lease(address, Date.now())?.client?.mac, { timeout: 5000 }).toBe(a);

    // B now REQUESTs what agent 2 offered it: refused, never a second binding.
    const serverId = getOption(offer, DhcpOptionCode.ServerIdentifier)!;
    const replyB = await a2.server.handle(clientPacket({ type: DhcpMessageType.Request, mac: b, giaddr, xid: 1, requestedIp: address, serverId }), arrival('198.18.250.2'));
    expect(replyB === undefined || messageType(decodeDhcp(replyB.bytes)) === DhcpMessageType.Nak).toBe(true);
    expect(new Map(await heldLeases(env.t.journal, network.id)).size).toBe(1);
  });
});
