/**
 * The DHCP server's decisions, driven by crafted client packets against a
 * real journal (no sockets): every message type, relays, static ports, HA
 * splitting, exhaustion, garbage, and the rule that no ACK leaves before its
 * event is durable.
 */
import { DhcpServer, type Reply, type RunningAgent } from '@leasehold/agent';
import { clientPacket } from '@leasehold/agent/testing';
import { leaseSubject } from '@leasehold/lease-actor';
import {
  DhcpMessageType as T,
  DhcpOptionCode,
  decodeDhcp,
  formatIpv4,
  getOption,
  messageType,
  parseIpv4,
} from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../../agent-env/agent-env.js';

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

let octet = 120;
/** A served network on a fake interface name (no socket: packets go straight to `handle`). */
async function served(subnet: Record<string, unknown> = {}, net: Record<string, unknown> = {}) {
  const n = octet++;
  const ifname = `fake${n}`;
  const agent = await env.startAgent({ agentId: `srv-${n}`, interfaceMappings: { [`p${n}`]: ifname }, configureInterfaces: false, listen: false });
  const { network, subnet: sub } = await env.network(
    `p${n}`,
    { cidr: `198.18.${n}.0/24`, allocation_pools: [{ start: `198.18.${n}.2`, end: `198.18.${n}.99` }], dynamic_pools: [{ start: `198.18.${n}.100`, end: `198.18.${n}.199` }], ...subnet },
    net,
  );
  await env.bind(agent, network.id);
  const serverId = agent.served()[0]!.serverIps.get(sub.id)!;
  const send = (bytes: Uint8Array, via = ifname) => agent.server.handle(bytes, { ifname: via, ifaddr: undefined });
  return { agent, network, subnet: sub, ifname, serverId, send, prefix: `198.18.${n}` };
}

const decoded = (reply: Reply | undefined) => {
  expect(reply).toBeDefined();
  return decodeDhcp(reply!.bytes);
};

async function dora(s: Awaited<ReturnType<typeof served>>, mac: string) {
  const offer = decoded(await s.send(clientPacket({ type: T.Discover, mac })));
  const ack = decoded(await s.send(clientPacket({ type: T.Request, mac, requestedIp: offer.yiaddr, serverId: s.serverId })));
  return { offer, ack };
}

describe('DORA', () => {
  test('a DISCOVER gets an OFFER from the dynamic pool and writes nothing; the REQUEST gets an ACK once LeaseBound is journaled', async () => {
    const s = await served();
    const mac = '52:54:00:00:01:01';
    const offerReply = await s.send(clientPacket({ type: T.Discover, mac }));
    const offer = decoded(offerReply);
    expect(messageType(offer)).toBe(T.Offer);
    expect(formatIpv4(offer.yiaddr)).toMatch(new RegExp(`^${s.prefix}\\.1\\d\\d$`));
    expect(getOption(offer, DhcpOptionCode.ServerIdentifier)).toBe(s.serverId);
    expect(offerReply!.address).toBe('255.255.255.255');
    expect(await env.t.journal.read(leaseSubject(s.network.id, offer.yiaddr))).toHaveLength(0);

    const ackReply = await s.send(clientPacket({ type: T.Request, mac, requestedIp: offer.yiaddr, serverId: s.serverId, hostname: 'VM-One' }));
    const ack = decoded(ackReply);
    expect(messageType(ack)).toBe(T.Ack);
    expect(ack.yiaddr).toBe(offer.yiaddr);
    expect(getOption(ack, DhcpOptionCode.LeaseTime)).toBe(86400);
    // By the time the ACK exists, its event is in the journal.
    const stored = await env.t.journal.read(leaseSubject(s.network.id, offer.yiaddr));
    expect(stored.map((e) => e.event.type)).toStrictEqual(['LeaseBound']);
    expect(stored[0]!.event.data).toMatchObject({ mac, hostname: 'vm-one' });
  });

  test('a client that discovers again is offered the address it holds', async () => {
    const s = await served();
    const { ack } = await dora(s, '52:54:00:00:01:02');
    const again = decoded(await s.send(clientPacket({ type: T.Discover, mac: '52:54:00:00:01:02' })));
    expect(again.yiaddr).toBe(ack.yiaddr);
  });

  test('a REQUEST naming another server is not answered', async () => {
    const s = await served();
    const offer = decoded(await s.send(clientPacket({ type: T.Discover, mac: '52:54:00:00:01:03' })));
    const reply = await s.send(clientPacket({ type: T.Request, mac: '52:54:00:00:01:03', requestedIp: offer.yiaddr, serverId: parseIpv4('198.19.9.9') }));
    expect(reply).toBeUndefined();
    expect(s.agent.server.stats.counts['other-server']).toBe(1);
  });
});

describe('INIT-REBOOT, RENEWING, RELEASE, DECLINE, INFORM', () => {
  test('INIT-REBOOT for an address of another subnet is NAKed; for its own address it is ACKed', async () => {
    const s = await served();
    const { ack } = await dora(s, '52:54:00:00:02:01');
    const wrong = decoded(await s.send(clientPacket({ type: T.Request, mac: '52:54:00:00:02:01', requestedIp: parseIpv4('198.19.1.1') })));
    expect(messageType(wrong)).toBe(T.Nak);
    const right = decoded(await s.send(clientPacket({ type: T.Request, mac: '52:54:00:00:02:01', requestedIp: ack.yiaddr })));
    expect(messageType(right)).toBe(T.Ack);
  });

  test('a REQUEST for an address held by another client is NAKed', async () => {
    const s = await served();
    const { ack } = await dora(s, '52:54:00:00:02:02');
    const reply = decoded(await s.send(clientPacket({ type: T.Request, mac: '52:54:00:00:02:03', requestedIp: ack.yiaddr })));
    expect(messageType(reply)).toBe(T.Nak);
  });

  test('RENEWING (ciaddr set) is ACKed by unicast to the client and journaled as LeaseRenewed', async () => {
    const s = await served();
    const { ack } = await dora(s, '52:54:00:00:02:04');
    const reply = await s.send(clientPacket({ type: T.Request, mac: '52:54:00:00:02:04', ciaddr: ack.yiaddr }));
    expect(messageType(decoded(reply))).toBe(T.Ack);
    expect(reply).toMatchObject({ address: formatIpv4(ack.yiaddr), port: 68 });
    const types = (await env.t.journal.read(leaseSubject(s.network.id, ack.yiaddr))).map((e) => e.event.type);
    expect(types).toStrictEqual(['LeaseBound', 'LeaseRenewed']);
  });

  test('RELEASE frees the address for the next client; DECLINE quarantines it', async () => {
    const s = await served({ dynamic_pools: [{ start: `198.18.${octet}.100`, end: `198.18.${octet}.100` }] });
    const { ack } = await dora(s, '52:54:00:00:03:01');
    expect(await s.send(clientPacket({ type: T.Release, mac: '52:54:00:00:03:01', ciaddr: ack.yiaddr, serverId: s.serverId }))).toBeUndefined();
    expect((await env.t.journal.read(leaseSubject(s.network.id, ack.yiaddr))).map((e) => e.event.type)).toContain('LeaseReleased');
    const next = await dora(s, '52:54:00:00:03:02');
    expect(next.ack.yiaddr).toBe(ack.yiaddr);
    await s.send(clientPacket({ type: T.Decline, mac: '52:54:00:00:03:02', requestedIp: ack.yiaddr, serverId: s.serverId }));
    expect((await env.t.journal.read(leaseSubject(s.network.id, ack.yiaddr))).map((e) => e.event.type)).toContain('LeaseDeclined');
    // The only address is quarantined: nobody gets an offer.
    expect(await s.send(clientPacket({ type: T.Discover, mac: '52:54:00:00:03:03' }))).toBeUndefined();
    expect(s.agent.server.stats.counts['no-address']).toBe(1);
  });

  test('INFORM gets an ACK with options and no lease time, unicast to ciaddr', async () => {
    const s = await served({ dns_nameservers: ['198.19.0.53'] });
    const ciaddr = parseIpv4(`${s.prefix}.20`);
    const reply = await s.send(clientPacket({ type: T.Inform, mac: '52:54:00:00:04:01', ciaddr }));
    const ack = decoded(reply);
    expect(messageType(ack)).toBe(T.Ack);
    expect(ack.yiaddr).toBe(0);
    expect(getOption(ack, DhcpOptionCode.LeaseTime)).toBeUndefined();
    expect(getOption(ack, DhcpOptionCode.DomainNameServers)).toStrictEqual([parseIpv4('198.19.0.53')]);
    expect(reply).toMatchObject({ address: formatIpv4(ciaddr), port: 68 });
  });
});

describe('static ports, relays, pools', () => {
  test('a port\'s MAC gets its fixed IP; an unknown MAC on a network without dynamic pools gets nothing', async () => {
    const s = await served({ dynamic_pools: [] });
    const port = await env.t.client.ports.create({ network_id: s.network.id, mac_address: '52:54:00:00:05:01', dns_name: 'vm5' });
    await expect.poll(() => s.agent.model.portByMac(s.network.id, '52:54:00:00:05:01')).toBeDefined();
    const { offer, ack } = await dora(s, '52:54:00:00:05:01');
    expect(formatIpv4(offer.yiaddr)).toBe(port.fixed_ips[0]!.ip_address);
    expect(messageType(ack)).toBe(T.Ack);
    expect(await s.send(clientPacket({ type: T.Discover, mac: '52:54:00:00:05:99' }))).toBeUndefined();
  });

  test('a relayed DISCOVER is answered to the relay, in the subnet giaddr names, with option 82 echoed', async () => {
    const s = await served();
    const relayInfo = [{ code: 1, data: Uint8Array.from([0x65, 0x74, 0x68, 0x31]) }];
    const giaddr = parseIpv4(`${s.prefix}.254`);
    const reply = await s.send(clientPacket({ type: T.Discover, mac: '52:54:00:00:06:01', giaddr, relayInfo }), 'relay-uplink');
    const offer = decoded(reply);
    expect(reply).toMatchObject({ address: `${s.prefix}.254`, port: 67 });
    expect(offer.giaddr).toBe(giaddr);
    expect(getOption(offer, DhcpOptionCode.RelayAgentInformation)).toStrictEqual(relayInfo);
    expect(offer.options.at(-1)!.code).toBe(DhcpOptionCode.RelayAgentInformation);
  });

  test('a pool of one address serves one of two clients and the second gets nothing until it is free', async () => {
    const s = await served({ dynamic_pools: [{ start: `198.18.${octet}.100`, end: `198.18.${octet}.100` }] });
    await dora(s, '52:54:00:00:07:01');
    expect(await s.send(clientPacket({ type: T.Discover, mac: '52:54:00:00:07:02' }))).toBeUndefined();
  });

  test('500 garbage datagrams are counted as drops and the server still serves', async () => {
    const s = await served();
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 500; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(random() * 600) }, () => Math.floor(random() * 256));
      expect(await s.send(bytes)).toBeUndefined();
    }
    const { counts } = s.agent.server.stats;
    expect(counts.malformed + counts['not-a-request'] + counts['unsupported-type']).toBe(500);
    expect(messageType((await dora(s, '52:54:00:00:08:01')).ack)).toBe(T.Ack);
  });
});

describe('durability and HA', () => {
  test('no ACK leaves when the journal does not acknowledge the write', async () => {
    const s = await served();
    const offer = decoded(await s.send(clientPacket({ type: T.Discover, mac: '52:54:00:00:09:01' })));
    const failing = new DhcpServer({
      agentId: s.agent.config.agentId,
      model: s.agent.model,
      writer: { append: () => Promise.reject(new Error('no JetStream ack')) },
      served: () => s.agent.served(),
      liveAgents: () => [],
    });
    const reply = await failing.handle(clientPacket({ type: T.Request, mac: '52:54:00:00:09:01', requestedIp: offer.yiaddr, serverId: s.serverId }), { ifname: s.ifname, ifaddr: undefined });
    expect(reply).toBeUndefined();
    expect(failing.stats.counts['journal-error']).toBe(1);
  });

  test('two agents on one network answer each DISCOVER exactly once between them', async () => {
    const s = await served();
    const second: RunningAgent = await env.startAgent({ agentId: `${s.agent.config.agentId}-b`, interfaceMappings: s.agent.config.interfaceMappings, configureInterfaces: false, listen: false });
    await env.bind(second, s.network.id);
    await Promise.all([s.agent.heartbeat(), second.heartbeat()]);
    await expect.poll(() => s.agent.model.agents.has(second.config.agentId) && second.model.agents.has(s.agent.config.agentId)).toBe(true);
    let first = 0;
    let other = 0;
    for (let i = 0; i < 40; i++) {
      const mac = `52:54:00:00:0a:${i.toString(16).padStart(2, '0')}`;
      const a = await s.send(clientPacket({ type: T.Discover, mac }));
      const b = await second.server.handle(clientPacket({ type: T.Discover, mac }), { ifname: s.ifname, ifaddr: undefined });
      expect(Number(a !== undefined) + Number(b !== undefined)).toBe(1);
      if (a) first++;
      else other++;
    }
    expect(first).toBeGreaterThan(5);
    expect(other).toBeGreaterThan(5);
  });
});
