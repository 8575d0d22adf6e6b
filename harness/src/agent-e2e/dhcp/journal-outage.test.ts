/**
 * An agent whose nats-server dies under it: no DHCPACK while the journal is
 * away, one log line for the outage instead of one per packet, ACKs again
 * once it is back. (The report's own rules are tested beside it, in
 * packages/agent/src/dhcp/journal-outage.test.ts.)
 */
import { defaultAgentConfig, startAgent } from '@leasehold/agent';
import { clientPacket } from '@leasehold/agent/testing';
import { startNatsServer, type NatsServer } from '@leasehold/journal';
import { decodeDhcp, DhcpMessageType, messageType, type DhcpMessage } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { startAgentEnv } from '../../agent-env/agent-env.js';

const messageTypeOf = (msg: DhcpMessage | undefined) => (msg ? messageType(msg) : undefined);

describe('an agent whose journal goes away', () => {
  test('sends no DHCPACK while the nats-server is down, logs the failures once instead of per packet, and ACKs again once it is back', { timeout: 60_000 }, async () => {
    await using env = await startAgentEnv();
    const lines: string[] = [];
    const agent = await startAgent(
      defaultAgentConfig({ agentId: 'outage', interfaceMappings: { physo: 'fakeo' }, listen: false, configureInterfaces: false, dns: { enabled: false, port: 0 }, reportIntervalMs: 1000, agentDownTimeMs: 3000 }),
      { nc: env.t.nc, journal: env.t.journal, log: (line) => lines.push(line) },
    );
    // Stopped with the environment, before its nats-server (the restarted one is stopped below first).
    env.agents.push(agent);
    const { network, subnet } = await env.network('physo', { cidr: '198.18.91.0/24', allocation_pools: [{ start: '198.18.91.2', end: '198.18.91.99' }], dynamic_pools: [{ start: '198.18.91.100', end: '198.18.91.199' }] });
    await env.bind(agent, network.id);
    const serverId = agent.served().find((s) => s.networkId === network.id)!.serverIps.get(subnet.id)!;
    const send = (bytes: Uint8Array) => agent.server.handle(bytes, { ifname: 'fakeo', ifaddr: undefined });
    /** DISCOVER then REQUEST; the reply to the REQUEST (undefined: none). */
    const exchange = async (mac: string) => {
      const offer = await send(clientPacket({ type: DhcpMessageType.Discover, mac }));
      if (!offer) return undefined;
      const reply = await send(clientPacket({ type: DhcpMessageType.Request, mac, requestedIp: decodeDhcp(offer.bytes).yiaddr, serverId }));
      return reply && decodeDhcp(reply.bytes);
    };
    expect(messageTypeOf(await exchange('52:54:00:91:00:01'))).toBe(DhcpMessageType.Ack);

    const { port, storeDir } = { port: env.t.nats.server().port, storeDir: env.t.nats.storeDir };
    await env.t.nats.server().kill();
    let restarted: NatsServer | undefined;
    try {
      const before = agent.server.stats.counts['journal-error'];
      const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => exchange(`52:54:00:91:01:${i.toString(16).padStart(2, '0')}`)));
      expect(replies.every((r) => r === undefined)).toBe(true);
      expect(agent.server.stats.counts['journal-error'] - before).toBe(30);
      expect(agent.server.stats.counts.ack).toBe(1);
      // Thirty failed writes, one line (the next is due after 10 s).
      expect(lines.filter((l) => /lease write/.test(l))).toHaveLength(1);
      expect(lines.find((l) => /lease write failed/.test(l))).toMatch(/no DHCPACK is sent until it does/);

      restarted = await startNatsServer({ storeDir, port });
      await expect
        .poll(async () => messageTypeOf(await exchange('52:54:00:91:02:01')), { timeout: 30_000, interval: 500 })
        .toBe(DhcpMessageType.Ack);
      expect(lines.filter((l) => /acknowledges lease writes again/.test(l))).toHaveLength(1);
      expect(lines.filter((l) => /lease write/.test(l)).length).toBeLessThanOrEqual(3);
    } finally {
      await agent.stop();
      env.agents.length = 0;
      await restarted?.stop();
    }
  });
});
