/**
 * Load shedding under overload (issue 19), through the real sockets, packet
 * queue and server with a real journal: a burst of DISCOVERs sits in the
 * queue while its processing is held back, and by the time it runs they are
 * stale; fresh REQUESTs that arrived meanwhile are answered (ACKed after
 * their events are stored) and the stale DISCOVERs are dropped and counted,
 * never answered. The clock and the pump's turns are the test's, so nothing
 * depends on how fast this machine is.
 */
import { createSocket } from 'node:dgram';
import { DhcpSockets, type Arrival, type Reply, type RunningAgent } from '@leasehold/agent';
import { clientPacket } from '@leasehold/agent/testing';
import { leaseSubject } from '@leasehold/lease-actor';
import { DhcpMessageType as T, decodeDhcp, messageType, parseIpv4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../../agent-env/agent-env.js';

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

let octet = 160;
/** A served network whose clients come through a relay (giaddr .1), so packets over loopback find it. */
async function served() {
  const n = octet++;
  const agent = await env.startAgent({ agentId: `overload-${n}`, interfaceMappings: { [`p${n}`]: `fake${n}` }, configureInterfaces: false, listen: false });
  const { network, subnet } = await env.network(`p${n}`, {
    cidr: `198.18.${n}.0/24`,
    gateway_ip: `198.18.${n}.1`,
    allocation_pools: [{ start: `198.18.${n}.2`, end: `198.18.${n}.99` }],
    dynamic_pools: [{ start: `198.18.${n}.100`, end: `198.18.${n}.250` }],
  });
  await env.bind(agent, network.id);
  const serverId = agent.served()[0]!.serverIps.get(subnet.id)!;
  return { agent, networkId: network.id, serverId, prefix: `198.18.${n}`, giaddr: parseIpv4(`198.18.${n}.1`) };
}

/**
 * The agent's server behind a DhcpSockets on loopback whose pump turns wait
 * until `release` and whose clock is `clock.now`; every reply is recorded
 * (relayed replies go to giaddr, which is not on this host).
 */
async function overloadRig(agent: RunningAgent, queue: { capacity: number; maxAgeMs: number; maxInFlight: number }) {
  const clock = { now: 0 };
  const turns: (() => void)[] = [];
  const replies: Reply[] = [];
  const server = {
    stats: agent.server.stats,
    handle: async (data: Uint8Array, arrival: Arrival) => {
      const reply = await agent.server.handle(data, arrival);
      if (reply) replies.push(reply);
      return reply;
    },
  };
  const port = await freePort();
  const sockets = new DhcpSockets({ server, port, log: () => {}, queue, clock: () => clock.now, schedule: (run) => turns.push(run) });
  await sockets.open('lo');
  const sender = createSocket('udp4');
  await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
  const send = (bytes: Uint8Array) => new Promise<void>((resolve, reject) => sender.send(bytes, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  /** Runs the held turns (and those they schedule) until the queue is empty and nothing is with the server. */
  const release = async (expectedReplies: number) => {
    for (let i = 0; i < 1000 && (turns.length > 0 || replies.length < expectedReplies); i++) {
      const turn = turns.shift();
      if (turn) turn();
      else await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    clock,
    sockets,
    replies,
    send,
    release,
    [Symbol.asyncDispose]: async () => {
      sender.close();
      await sockets.closeAll();
    },
  };
}

async function freePort(): Promise<number> {
  const probe = createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const mac = (i: number) => `52:54:00:1f:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;

describe('overload', () => {
  test('a burst of DISCOVERs that aged past max age while held in the queue is dropped and counted as stale, and the fresh REQUESTs behind it are ACKed once journaled', async () => {
    const s = await served();
    await using rig = await overloadRig(s.agent, { capacity: 1000, maxAgeMs: 1000, maxInFlight: 256 });
    const before = { ...s.agent.server.stats.counts, ...s.agent.server.stats.dropped };

    rig.clock.now = 10_000;
    for (let i = 0; i < 40; i++) await rig.send(clientPacket({ type: T.Discover, mac: mac(i), giaddr: s.giaddr }));
    await expect.poll(() => rig.sockets.waiting).toBe(40);

    // Five seconds later (on the queue's clock) five clients ask for addresses; nothing has been processed yet.
    rig.clock.now = 15_000;
    const requested = Array.from({ length: 5 }, (_, i) => parseIpv4(`${s.prefix}.${200 + i}`));
    for (const [i, ip] of requested.entries()) await rig.send(clientPacket({ type: T.Request, mac: mac(100 + i), giaddr: s.giaddr, requestedIp: ip, serverId: s.serverId }));
    await expect.poll(() => rig.sockets.waiting).toBe(45);

    await rig.release(5);
    const stats = s.agent.server.stats;
    expect(rig.replies.map((r) => messageType(decodeDhcp(r.bytes)))).toStrictEqual(Array.from({ length: 5 }, () => T.Ack));
    expect(rig.replies.map((r) => decodeDhcp(r.bytes).yiaddr).sort()).toStrictEqual([...requested].sort());
    expect(stats.dropped.stale - before.stale).toBe(40);
    expect(stats.dropped.queue_full - before.queue_full).toBe(0);
    expect(stats.counts.offer - before.offer).toBe(0);
    expect(stats.counts.ack - before.ack).toBe(5);
    expect(rig.sockets.waiting).toBe(0);
    // Each ACK's event was stored before it was sent.
    for (const ip of requested) expect((await env.t.journal.read(leaseSubject(s.networkId, ip))).map((e) => e.event.type)).toStrictEqual(['LeaseBound']);
  });

  test('a full queue drops its oldest DISCOVERs, counted as queue_full, keeps the REQUESTs and answers them first', async () => {
    const s = await served();
    await using rig = await overloadRig(s.agent, { capacity: 10, maxAgeMs: 1000, maxInFlight: 256 });
    const before = { ...s.agent.server.stats.counts, ...s.agent.server.stats.dropped };

    for (let i = 0; i < 30; i++) await rig.send(clientPacket({ type: T.Discover, mac: mac(200 + i), giaddr: s.giaddr }));
    const requested = Array.from({ length: 4 }, (_, i) => parseIpv4(`${s.prefix}.${240 + i}`));
    for (const [i, ip] of requested.entries()) await rig.send(clientPacket({ type: T.Request, mac: mac(300 + i), giaddr: s.giaddr, requestedIp: ip, serverId: s.serverId }));
    await expect.poll(() => s.agent.server.stats.dropped.queue_full - before.queue_full).toBe(24);
    expect(rig.sockets.waiting).toBe(10);

    await rig.release(10);
    const types = rig.replies.map((r) => messageType(decodeDhcp(r.bytes)));
    // The REQUESTs were taken first; their ACKs may come after OFFERs (an ACK waits for its journal write).
    expect(types.filter((t) => t === T.Ack)).toHaveLength(4);
    expect(types.filter((t) => t === T.Offer)).toHaveLength(6);
    expect(s.agent.server.stats.dropped.stale - before.stale).toBe(0);
    // The six DISCOVERs answered are the newest six: the oldest were pushed out.
    const offeredMacs = rig.replies.filter((r) => messageType(decodeDhcp(r.bytes)) === T.Offer).map((r) => decodeDhcp(r.bytes).chaddr.join(','));
    const newest = Array.from({ length: 6 }, (_, i) => clientPacketChaddr(mac(224 + i)));
    expect(offeredMacs.sort()).toStrictEqual(newest.sort());
  });
});

const clientPacketChaddr = (m: string) => decodeDhcp(clientPacket({ type: T.Discover, mac: m })).chaddr.join(',');
