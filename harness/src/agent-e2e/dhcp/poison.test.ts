/**
 * Issue 15's poison probe against an agent with a real journal and API:
 * garbage on the lease subject of an address a client holds (and on its
 * network's and binding's subjects) is quarantined by the agent's projection,
 * and the client still gets its ACK: the agent's next lease write for that
 * address expects the server's last sequence, garbage included.
 */
import { randomUUID } from 'node:crypto';
import { clientPacket } from '@leasehold/agent/testing';
import { leaseSubject } from '@leasehold/lease-actor';
import { DhcpMessageType, DhcpOptionCode, decodeDhcp, encodeEvent, getOption, messageType, pack, parseIpv4, type EventEnvelope } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../../agent-env/agent-env.js';

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

const envelope = (type: string, aggregate: string, data: unknown, v = 1): EventEnvelope => ({ type, v, id: randomUUID(), aggregate, at: Date.now(), data });

describe('poison on the journal (issue 15, point 3)', () => {
  test('garbage on the lease subject of an address a client holds: the client is ACKed again, and a new client too', async () => {
    const agent = await env.startAgent({ agentId: 'p1', listen: false });
    const { network } = await env.network('phys-poison', {
      cidr: '198.18.210.0/24',
      gateway_ip: '198.18.210.1',
      allocation_pools: [{ start: '198.18.210.2', end: '198.18.210.20' }],
      dynamic_pools: [{ start: '198.18.210.100', end: '198.18.210.200' }],
    });
    await env.bind(agent, network.id);
    const giaddr = parseIpv4('198.18.210.1');
    const arrival = { ifname: 'uplink', ifaddr: parseIpv4('198.18.250.1') };
    const dora = async (mac: string, xid: number) => {
      const offer = decodeDhcp((await agent.server.handle(clientPacket({ type: DhcpMessageType.Discover, mac, giaddr, xid }), arrival))!.bytes);
      const serverId = getOption(offer, DhcpOptionCode.ServerIdentifier)!;
      const reply = await agent.server.handle(clientPacket({ type: DhcpMessageType.Request, mac, giaddr, xid, requestedIp: offer.yiaddr, serverId }), arrival);
      return { address: offer.yiaddr, ack: reply !== undefined && messageType(decodeDhcp(reply.bytes)) === DhcpMessageType.Ack };
    };

    const first = await dora('52:54:00:00:0d:01', 1);
    expect(first.ack).toBe(true);
    const subject = leaseSubject(network.id, first.address);
    const aggregate = `lease/${network.id}`;
    const js = env.t.journal.js;
    await js.publish(subject, new Uint8Array([0xc1, 0xff]));
    await js.publish(subject, encodeEvent(envelope('LeaseBound', aggregate, {})));
    await js.publish(subject, encodeEvent(envelope('LeaseRenewed', aggregate, { ip: first.address, mac: 'x', expiresAt: 1e300, renewAt: 0, rebindAt: 0 })));
    await js.publish(subject, encodeEvent(envelope('LeaseExpired', aggregate, { ip: first.address, expiresAt: Date.now() }, 3)));
    await js.publish(`lh.evt.network.${network.id}`, pack({ not: 'an envelope' }));
    const last = (await js.publish(`lh.evt.binding.${network.id}`, encodeEvent(envelope('NetworkUnscheduled', `binding/${network.id}`, { networkId: network.id })))).seq;
    await expect.poll(() => agent.projection.position(), { timeout: 5000 }).toBeGreaterThanOrEqual(last);
    expect(agent.projection.stats.quarantined).toBeGreaterThanOrEqual(6);
    expect(agent.model.leaseVersion(subject)).toBe(last - 2);

    // The same client asks again: its address's next write expects the garbage's sequence, and is accepted.
    const again = await dora('52:54:00:00:0d:01', 2);
    expect(again).toStrictEqual({ address: first.address, ack: true });
    expect((await env.t.journal.version(subject))).toBeGreaterThan(last);
    // The network is still served, its binding and DHCP port untouched.
    expect((await dora('52:54:00:00:0d:02', 3)).ack).toBe(true);
    expect(agent.served().map((s) => s.networkId)).toContain(network.id);
  });
});
