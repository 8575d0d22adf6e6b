/**
 * 500 garbage datagrams at port 67 from a client namespace, broadcast and
 * unicast to the agent's address: random bytes of random lengths, real
 * packets cut short, replies instead of requests, requests of no DHCP type.
 * Every one is received, counted as the drop it is, and answered by nothing;
 * a real client is served right afterwards.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientPacket, heldLeases, macOf, startClient } from '@leasehold/agent/testing';
import { BootOp, DhcpMessageType, decodeDhcp, encodeDhcp, formatIpv4, type DhcpMessage } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

type Kind = 'malformed' | 'not-a-request' | 'unsupported-type';

/** A deterministic mix of garbage, each datagram with the drop it must be counted as. */
function garbage(count: number, seed: number): { bytes: Uint8Array; kind: Kind }[] {
  let s = seed;
  const random = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
  const int = (n: number) => Math.floor(random() * n);
  const mac = () => Array.from({ length: 6 }, (_, i) => (i === 0 ? 0x52 : int(256)).toString(16).padStart(2, '0')).join(':');
  const out: { bytes: Uint8Array; kind: Kind }[] = [];
  for (let i = 0; i < count; i++) {
    switch (i % 5) {
      case 0:
      case 1:
        out.push({ bytes: Uint8Array.from({ length: int(700) }, () => int(256)), kind: 'malformed' });
        break;
      case 2: {
        // A real DISCOVER cut short: inside the fixed header, or inside the parameter list's data.
        const real = clientPacket({ type: DhcpMessageType.Discover, mac: mac(), xid: int(2 ** 31) });
        const listAt = 243; // 53,1,1 then 55,len,...
        const cut = int(2) === 0 ? int(240) : listAt + 1 + int(real[listAt + 1]!);
        out.push({ bytes: real.slice(0, cut), kind: 'malformed' });
        break;
      }
      case 3: {
        const msg = decodeDhcp(clientPacket({ type: DhcpMessageType.Request, mac: mac(), xid: int(2 ** 31) }));
        out.push({ bytes: encodeDhcp({ ...msg, op: BootOp.Reply }), kind: 'not-a-request' });
        break;
      }
      default: {
        // A BOOTP request (no option 53), or one whose type a server never receives.
        const msg: DhcpMessage = decodeDhcp(clientPacket({ type: DhcpMessageType.Discover, mac: mac(), xid: int(2 ** 31) }));
        const types = [DhcpMessageType.Offer, DhcpMessageType.Ack, DhcpMessageType.Nak, 99];
        const options = int(3) === 0 ? msg.options.filter((o) => o.code !== 53) : msg.options.map((o) => (o.code === 53 ? { code: 53, value: types[int(types.length)]! } : o));
        out.push({ bytes: encodeDhcp({ ...msg, options } as DhcpMessage), kind: 'unsupported-type' });
      }
    }
  }
  // The generator's own check that each datagram is the garbage it claims to be.
  for (const g of out) {
    let decoded: DhcpMessage | undefined;
    try {
      decoded = decodeDhcp(g.bytes);
    } catch {
      decoded = undefined;
    }
    expect(decoded === undefined).toBe(g.kind === 'malformed');
  }
  return out;
}

describe('garbage at port 67', () => {
  test('500 garbage datagrams, broadcast and unicast, are each counted as a drop and a real client is served afterwards', async () => {
    const link = await env.link();
    const agent = await env.startAgent({ agentId: 'agent-garbage', interfaceMappings: { 'phys-garbage': link.hostIf } });
    const { network, subnet } = await env.network('phys-garbage', {
      cidr: '198.18.134.0/24',
      allocation_pools: [{ start: '198.18.134.2', end: '198.18.134.99' }],
      dynamic_pools: [{ start: '198.18.134.100', end: '198.18.134.150' }],
    });
    await env.bind(agent, network.id);
    const serverIp = formatIpv4(agent.served()[0]!.serverIps.get(subnet.id)!);

    // A plain UDP sender needs an address, and a route for the limited broadcast.
    await link.exec('ip', ['addr', 'add', '198.18.134.250/24', 'dev', link.clientIf]);
    await link.exec('ip', ['route', 'add', '255.255.255.255', 'dev', link.clientIf]);
    const datagrams = garbage(500, 20_240_601);
    const dir = mkdtempSync(join(tmpdir(), 'lh-garbage-'));
    try {
      const file = join(dir, 'datagrams');
      writeFileSync(file, datagrams.map((d, i) => `${i % 2 === 0 ? '255.255.255.255' : serverIp} ${Buffer.from(d.bytes).toString('hex')}`).join('\n'));
      const sender = `
        const lines = require('fs').readFileSync(process.argv[1], 'utf8').split('\\n');
        const s = require('dgram').createSocket('udp4');
        s.bind(0, async () => {
          s.setBroadcast(true);
          for (const line of lines) {
            const [to, hex] = line.split(' ');
            await new Promise((ok, fail) => s.send(Buffer.from(hex, 'hex'), 67, to, (e) => (e ? fail(e) : ok())));
          }
          s.close();
        });`;
      const before = { ...agent.server.stats.counts, received: agent.server.stats.received };
      await link.exec(process.execPath, ['-e', sender, file], { timeoutMs: 15_000 });
      await expect.poll(() => agent.server.stats.received - before.received, { timeout: 5000 }).toBe(500);

      const { counts } = agent.server.stats;
      const delta = (k: keyof typeof counts) => counts[k] - before[k];
      const expected = (k: Kind) => datagrams.filter((d) => d.kind === k).length;
      expect(delta('malformed')).toBe(expected('malformed'));
      expect(delta('not-a-request')).toBe(expected('not-a-request'));
      expect(delta('unsupported-type')).toBe(expected('unsupported-type'));
      expect(delta('malformed') + delta('not-a-request') + delta('unsupported-type')).toBe(500);
      expect(delta('offer') + delta('ack') + delta('nak')).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    await link.exec('ip', ['addr', 'flush', 'dev', link.clientIf]);
    const client = await startClient('udhcpc', link);
    try {
      const lease = await client.waitFor(['bound'], 10_000);
      expect(lease.ip).toMatch(/^198\.18\.134\.(1[0-4]\d|150)$/);
      expect([...(await heldLeases(env.t.journal, network.id))]).toStrictEqual([[lease.ip, await macOf(link.ns, link.clientIf)]]);
    } finally {
      await client.stop();
    }
  });
});
