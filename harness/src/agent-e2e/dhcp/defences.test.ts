/**
 * The DHCP server's flood and pool-starvation defences, driven through
 * `handle()` against a real journal with a clock the test holds: per-MAC
 * and per-relay token buckets, the cap on addresses per chaddr, and bounded
 * limiter memory — and legitimate clients served throughout each attack.
 */
import { randomUUID } from 'node:crypto';
import { DhcpServer, type DhcpLimitsOverrides, type LeaseWriter, type Reply } from '@leasehold/agent';
import { clientPacket, type ClientPacket } from '@leasehold/agent/testing';
import type { Journal } from '@leasehold/journal';
import { leaseSubject, toEnvelope } from '@leasehold/lease-actor';
import { DhcpMessageType as T, DhcpOptionCode, decodeDhcp, encodeDhcp, messageType, parseIpv4, type Ipv4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../../agent-env/agent-env.js';

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

function journalWriter(journal: Journal): LeaseWriter {
  return {
    append: (networkId, event, expected) =>
      journal.append(leaseSubject(networkId, event.ip), [toEnvelope(networkId, event, { id: randomUUID() })], expected).then((r) => r.version),
  };
}

let octet = 60;
/** A served network with a small dynamic pool, and a server of our own on the agent's model with a clock we move. */
async function served(limits: DhcpLimitsOverrides, poolSize = 20) {
  const n = octet++;
  const ifname = `fake${n}`;
  const agent = await env.startAgent({ agentId: `def-${n}`, interfaceMappings: { [`d${n}`]: ifname }, configureInterfaces: false, listen: false });
  const { network, subnet } = await env.network(`d${n}`, {
    cidr: `198.18.${n}.0/24`,
    allocation_pools: [{ start: `198.18.${n}.2`, end: `198.18.${n}.99` }],
    dynamic_pools: [{ start: `198.18.${n}.100`, end: `198.18.${n}.${99 + poolSize}` }],
  });
  await env.bind(agent, network.id);
  const serverId = agent.served()[0]!.serverIps.get(subnet.id)!;
  const clock = { now: 1_800_000_000_000 };
  const server = new DhcpServer({
    agentId: agent.config.agentId,
    model: agent.model,
    writer: journalWriter(env.t.journal),
    served: () => agent.served(),
    liveAgents: () => [],
    limits,
    now: () => clock.now,
  });
  const send = (p: ClientPacket & { clientId?: string }, via: string | undefined = ifname) => server.handle(packet(p), { ifname: via, ifaddr: undefined });
  const table = () => agent.model.table(network.id)!;
  return { server, network, serverId, clock, send, table, prefix: `198.18.${n}`, poolSize };
}

/** clientPacket with an optional client identifier (option 61). */
function packet(p: ClientPacket & { clientId?: string }): Uint8Array {
  const bytes = clientPacket(p);
  if (p.clientId === undefined) return bytes;
  const msg = decodeDhcp(bytes);
  return encodeDhcp({ ...msg, options: [...msg.options, { code: DhcpOptionCode.ClientIdentifier, value: Buffer.from(p.clientId, 'hex') }] });
}

const mac = (i: number) => `52:54:01:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
const typeOf = (reply: Reply | undefined) => (reply ? messageType(decodeDhcp(reply.bytes)) : undefined);
const yiaddr = (reply: Reply | undefined): Ipv4 => decodeDhcp(reply!.bytes).yiaddr;

type Served = Awaited<ReturnType<typeof served>>;
async function dora(s: Served, p: { mac: string; clientId?: string; giaddr?: Ipv4 }, via?: string) {
  const offer = await s.send({ type: T.Discover, ...p }, via);
  if (!offer) return undefined;
  return s.send({ type: T.Request, ...p, requestedIp: yiaddr(offer), serverId: s.serverId }, via);
}

describe('per-MAC rate limit', () => {
  test('a flood from one MAC is cut to its bucket (burst, then the refill rate) while other clients are still served', async () => {
    const s = await served({ perMac: { burst: 10, perSecond: 2 } });
    let answered = 0;
    for (let i = 0; i < 200; i++) if (await s.send({ type: T.Discover, mac: '52:54:00:aa:00:01', xid: i })) answered++;
    expect(answered).toBe(10);
    expect(s.server.stats.counts['rate-limited-mac']).toBe(190);
    // Another client during the flood: a whole DORA.
    expect(typeOf(await dora(s, { mac: '52:54:00:aa:00:02' }))).toBe(T.Ack);
    // One second later the flooder has two more tokens, and no more.
    s.clock.now += 1000;
    let later = 0;
    for (let i = 0; i < 50; i++) if (await s.send({ type: T.Discover, mac: '52:54:00:aa:00:01', xid: 1000 + i })) later++;
    expect(later).toBe(2);
    expect(s.server.stats.received).toBe(200 + 2 + 50);
  });

  test('a client retransmitting at its normal pace is never limited', async () => {
    const s = await served({ perMac: { burst: 10, perSecond: 2 } });
    for (let i = 0; i < 30; i++) {
      expect(typeOf(await s.send({ type: T.Discover, mac: '52:54:00:aa:01:01', xid: i }))).toBe(T.Offer);
      s.clock.now += 1000;
    }
    expect(s.server.stats.counts['rate-limited-mac']).toBe(0);
  });
});

describe('per-relay rate limit', () => {
  test('random chaddrs behind one relay take no more than the relay\'s share of a small pool; clients behind another relay are served', async () => {
    const s = await served({ perRelay: { burst: 8, perSecond: 0 } }, 20);
    const flooder = parseIpv4(`${s.prefix}.254`);
    for (let i = 0; i < 500; i++) await dora(s, { mac: mac(i), giaddr: flooder }, 'relay-uplink');
    expect(s.server.stats.counts['rate-limited-relay']).toBe(500 - 4);
    // Each DORA costs two tokens: four clients of the flood got through, and the pool kept the rest.
    expect(s.table().freeCount()).toBe(s.poolSize - 4);
    const honest = parseIpv4(`${s.prefix}.253`);
    for (let i = 0; i < 4; i++) expect(typeOf(await dora(s, { mac: mac(10_000 + i), giaddr: honest }, 'relay-uplink'))).toBe(T.Ack);
  });
});

describe('addresses per chaddr', () => {
  test('a DISCOVER with a fresh client id but the same chaddr is offered the address that chaddr holds, and its REQUEST renews that lease', async () => {
    const s = await served({});
    const first = await dora(s, { mac: '52:54:00:bb:00:01', clientId: '01aa' });
    expect(typeOf(first)).toBe(T.Ack);
    const held = yiaddr(first);
    const offer = await s.send({ type: T.Discover, mac: '52:54:00:bb:00:01', clientId: '01bb' });
    expect(typeOf(offer)).toBe(T.Offer);
    expect(yiaddr(offer)).toBe(held);
    const ack = await s.send({ type: T.Request, mac: '52:54:00:bb:00:01', clientId: '01bb', requestedIp: held, serverId: s.serverId });
    expect(typeOf(ack)).toBe(T.Ack);
    expect(yiaddr(ack)).toBe(held);
    const events = (await env.t.journal.read(leaseSubject(s.network.id, held))).map((e) => e.event.type);
    expect(events).toStrictEqual(['LeaseBound', 'LeaseRenewed']);
    // A REQUEST of that chaddr for any other address is refused with a NAK.
    const other = await s.send({ type: T.Request, mac: '52:54:00:bb:00:01', clientId: '01cc', requestedIp: parseIpv4(`${s.prefix}.110`) });
    expect(typeOf(other)).toBe(T.Nak);
    expect(s.server.stats.counts['lease-cap']).toBe(1);
  });

  test('one chaddr churning client ids cannot drain the pool, whether it stops at DISCOVER or completes each DORA, and others are still served', async () => {
    const s = await served({ perMac: { burst: 0 } }, 20);
    for (let i = 0; i < 300; i++) {
      const clientId = `ff${i.toString(16).padStart(8, '0')}`;
      if (i % 2 === 1) await s.send({ type: T.Discover, mac: '52:54:00:cc:00:01', clientId });
      else await dora(s, { mac: '52:54:00:cc:00:01', clientId });
    }
    const t = s.table();
    expect(t.freeCount()).toBe(s.poolSize - 1);
    expect(s.server.holdings.held(s.network.id, '52:54:00:cc:00:01', t, s.clock.now)).toHaveLength(1);
    for (let i = 0; i < s.poolSize - 1; i++) expect(typeOf(await dora(s, { mac: mac(20_000 + i) }))).toBe(T.Ack);
    expect(t.freeCount()).toBe(0);
  });

  test('a cap of two lets one chaddr hold two addresses under two client ids, and no third', async () => {
    const s = await served({ maxLeasesPerMac: 2 });
    const a = await dora(s, { mac: '52:54:00:dd:00:01', clientId: '0101' });
    const b = await dora(s, { mac: '52:54:00:dd:00:01', clientId: '0102' });
    expect([typeOf(a), typeOf(b)]).toStrictEqual([T.Ack, T.Ack]);
    expect(yiaddr(a)).not.toBe(yiaddr(b));
    const c = await s.send({ type: T.Discover, mac: '52:54:00:dd:00:01', clientId: '0103' });
    expect([yiaddr(a), yiaddr(b)]).toContain(yiaddr(c));
    expect(s.table().freeCount()).toBe(s.poolSize - 2);
  });

  test('a released address no longer counts: the chaddr may take a new one under another client id', async () => {
    const s = await served({});
    const ack = await dora(s, { mac: '52:54:00:ee:00:01', clientId: '01aa' });
    await s.send({ type: T.Release, mac: '52:54:00:ee:00:01', clientId: '01aa', ciaddr: yiaddr(ack), serverId: s.serverId });
    expect(typeOf(await dora(s, { mac: '52:54:00:ee:00:01', clientId: '01bb' }))).toBe(T.Ack);
    expect(s.server.stats.counts['lease-cap']).toBe(0);
  });
});

describe("dynamic leases per network (dnsmasq's dhcp-lease-max)", () => {
  test('a random-MAC DISCOVER flood takes no more than lease_max addresses, each refusal is counted, and a client holding one still renews', async () => {
    const s = await served({ perMac: { burst: 0 }, leaseMax: 5 }, 20);
    const first = await dora(s, { mac: mac(30_000) });
    expect(typeOf(first)).toBe(T.Ack);
    for (let i = 1; i < 200; i++) await s.send({ type: T.Discover, mac: mac(30_000 + i) });
    expect(s.table().dynamicInUse()).toBe(5);
    expect(s.table().freeCount()).toBe(s.poolSize - 5);
    expect(s.server.stats.counts['lease-max']).toBe(200 - 5);
    // A REQUEST for a free address without an offer (INIT-REBOOT) would take a sixth: NAK, counted.
    expect(typeOf(await s.send({ type: T.Request, mac: mac(39_999), requestedIp: parseIpv4(`${s.prefix}.119`) }))).toBe(T.Nak);
    expect(s.server.stats.counts['lease-max']).toBe(200 - 5 + 1);
    // The client that holds an address renews it (RENEWING, unicast with ciaddr).
    const renew = await s.send({ type: T.Request, mac: mac(30_000), ciaddr: yiaddr(first) });
    expect(typeOf(renew)).toBe(T.Ack);
    // Once the flood's offers lapse, new clients get addresses again.
    s.clock.now += 120_000;
    expect(typeOf(await dora(s, { mac: mac(31_000) }))).toBe(T.Ack);
  });

  test("a port's fixed address is still served while a flood holds every dynamic address, with and without lease_max", async () => {
    for (const leaseMax of [0, 3]) {
      const s = await served({ perMac: { burst: 0 }, leaseMax }, 10);
      const portMac = `52:54:00:f1:00:0${leaseMax}`;
      const port = await env.t.client.ports.create({ network_id: s.network.id, mac_address: portMac });
      await expect.poll(() => s.table().configuration().fixed.some((f) => f.mac === portMac)).toBe(true);
      for (let i = 0; i < 100; i++) await s.send({ type: T.Discover, mac: mac(40_000 + 1000 * leaseMax + i) });
      expect(s.table().freeCount()).toBe(leaseMax === 0 ? 0 : s.poolSize - leaseMax);
      const ack = await dora(s, { mac: portMac });
      expect(typeOf(ack)).toBe(T.Ack);
      expect(yiaddr(ack)).toBe(parseIpv4(port.fixed_ips[0]!.ip_address));
      expect(s.server.stats.counts['lease-max']).toBe(leaseMax === 0 ? 0 : 100 - leaseMax);
    }
  });
});

describe('bounded memory', () => {
  test('20,000 distinct MACs and relays keep the limiter tables at their bounds and the holdings at the pool size', async () => {
    const s = await served({ perMac: { maxKeys: 500 }, perRelay: { maxKeys: 50 } }, 20);
    for (let i = 0; i < 20_000; i++) {
      const giaddr = i % 2 === 0 ? undefined : parseIpv4(`${s.prefix}.${1 + (i % 250)}`);
      if (giaddr === undefined) await s.send({ type: T.Discover, mac: mac(i) });
      else await s.send({ type: T.Discover, mac: mac(i), giaddr }, 'relay-uplink');
      if (i % 100 === 0) s.clock.now += 61_000;
    }
    expect(s.server.macBuckets.size).toBe(500);
    expect(s.server.relayBuckets.size).toBe(50);
    expect(s.server.holdings.size).toBeLessThanOrEqual(s.poolSize);
  });
});
