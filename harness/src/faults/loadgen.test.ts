import { fc, test } from '@fast-check/vitest';
import {
  BootOp,
  DhcpMessageType,
  DhcpOptionCode,
  decodeDhcp,
  encodeDhcp,
  formatIpv4,
  getOption,
  messageType,
  parseIpv4,
  type DhcpMessage,
} from '@leasehold/protocol';
import { describe, expect } from 'vitest';
import { LoadGenerator, clientMac } from './loadgen.js';
import type { LoadConfig } from './loadgen-records.js';

const SERVERS = ['198.19.1.1', '198.19.2.1'];

interface Sent {
  readonly to: string;
  readonly msg: DhcpMessage;
}

/**
 * A tiny DHCP server per address that hands out addresses from one shared
 * pool (first come), answers through `deliver`, and remembers every ACK it
 * sent. `owner` decides which server answers a DISCOVER (the RFC 3074 split).
 */
function fakeServers(options: { drop?: (i: number) => boolean; silent?: Set<string>; nakRenewals?: boolean } = {}) {
  const holder = new Map<string, number>(); // mac -> ip
  const taken = new Set<number>();
  let next = parseIpv4('198.19.128.10');
  const acked: { mac: string; ip: string; xid: number; server: string }[] = [];
  let n = 0;
  const answer = (to: string, msg: DhcpMessage): Uint8Array | undefined => {
    if (options.silent?.has(to)) return undefined;
    const mac = [...msg.chaddr].map((b) => b.toString(16).padStart(2, '0')).join(':');
    const me = parseIpv4(to);
    const owner = SERVERS[msg.chaddr[5]! % SERVERS.length];
    const reply = (type: number, yiaddr: number) =>
      encodeDhcp({ ...msg, op: BootOp.Reply, hops: 0, yiaddr, options: [{ code: DhcpOptionCode.MessageType, value: type }, { code: DhcpOptionCode.ServerIdentifier, value: me }] });
    const type = messageType(msg);
    if (type === DhcpMessageType.Discover) {
      if (to !== owner && !options.silent?.has(owner!)) return undefined;
      let ip = holder.get(mac);
      if (ip === undefined) {
        while (taken.has(next)) next++;
        ip = next;
      }
      return reply(DhcpMessageType.Offer, ip);
    }
    if (type === DhcpMessageType.Request) {
      const serverId = getOption(msg, DhcpOptionCode.ServerIdentifier);
      if (serverId !== undefined && serverId !== me) return undefined;
      const ip = getOption(msg, DhcpOptionCode.RequestedIpAddress) ?? msg.ciaddr;
      const held = holder.get(mac);
      if (msg.ciaddr !== 0 && options.nakRenewals) return reply(DhcpMessageType.Nak, 0);
      if (held !== ip && taken.has(ip)) return reply(DhcpMessageType.Nak, 0);
      holder.set(mac, ip);
      taken.add(ip);
      acked.push({ mac, ip: formatIpv4(ip), xid: msg.xid, server: to });
      return reply(DhcpMessageType.Ack, ip);
    }
    return undefined;
  };
  const sent: Sent[] = [];
  const queue: Uint8Array[] = [];
  return {
    acked,
    sent,
    send: (bytes: Uint8Array, to: string) => {
      const msg = decodeDhcp(bytes);
      sent.push({ to, msg });
      if (options.drop?.(n++)) return;
      const out = answer(to, msg);
      if (out && !options.drop?.(n++)) queue.push(out);
    },
    /** Hands queued replies to the generator (as the relay's socket would). */
    flush(gen: LoadGenerator, now: number) {
      for (const bytes of queue.splice(0)) gen.receive(bytes, now);
    },
  };
}

const config = (over: Partial<LoadConfig> = {}): LoadConfig => ({
  servers: SERVERS,
  giaddr: '198.19.128.1',
  rate: 50,
  maxClients: 40,
  macPrefix: [0x02, 0x4c, 0x01],
  ...over,
});

/** Runs the generator on a simulated clock, in steps of `stepMs`, for `ms`. */
function drive(gen: LoadGenerator, servers: ReturnType<typeof fakeServers>, from: number, ms: number, stepMs = 10): number {
  let now = from;
  for (; now <= from + ms; now += stepMs) {
    gen.tick(now);
    servers.flush(gen, now);
  }
  return now;
}

describe('the DHCP load generator', () => {
  test('every client of a lossless server ends bound to its own address, and the ACKs recorded are exactly the ones the servers sent', () => {
    const servers = fakeServers();
    const gen = new LoadGenerator(config(), servers.send);
    drive(gen, servers, 1_000_000, 2_000);
    expect(gen.stats()).toMatchObject({ started: 40, bound: 40, busy: 0, acks: 40, retransmits: 0 });
    expect(new Set(gen.acks.map((a) => a.ip)).size).toBe(40);
    expect(gen.acks.map((a) => ({ mac: a.mac, ip: a.ip, xid: a.xid, server: a.server })).sort((a, b) => a.xid - b.xid)).toStrictEqual(
      [...servers.acked].sort((a, b) => a.xid - b.xid),
    );
    // A relay: every client message carries giaddr and reaches every server.
    expect(servers.sent.every((s) => s.msg.giaddr === parseIpv4('198.19.128.1'))).toBe(true);
    expect(servers.sent.filter((s) => s.to === SERVERS[0]).length).toBe(servers.sent.filter((s) => s.to === SERVERS[1]).length);
  });

  test.prop([fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 500 }), fc.integer({ min: 0, max: 4000 })])(
    'clients start at the configured rate, never more than maxClients, and none after stopStarting',
    (rate, maxClients, stopAfter) => {
      const gen = new LoadGenerator(config({ rate, maxClients }), () => {});
      const t0 = 5_000;
      gen.stopStarting(t0 + stopAfter);
      for (let now = t0; now <= t0 + 5_000; now += 7) {
        gen.tick(now);
        const started = gen.stats().started;
        const allowed = Math.min(maxClients, Math.floor(((Math.min(now, t0 + stopAfter - 1) - t0) / 1000) * rate) + 1);
        expect(started).toBeLessThanOrEqual(allowed);
        if (now < t0 + stopAfter) expect(started).toBe(Math.min(maxClients, Math.floor(((now - t0) / 1000) * rate) + 1));
      }
    },
  );

  test('a silent server sees each DISCOVER sent once and retransmitted three times a second apart, then a new exchange with a new xid', () => {
    const servers = fakeServers({ silent: new Set(SERVERS) });
    const gen = new LoadGenerator(config({ maxClients: 1, servers: [SERVERS[0]!] }), servers.send);
    drive(gen, servers, 0, 4_500);
    const discovers = servers.sent.filter((s) => messageType(s.msg) === DhcpMessageType.Discover);
    expect(discovers.length).toBe(5);
    expect(new Set(discovers.slice(0, 4).map((d) => d.msg.xid)).size).toBe(1);
    expect(discovers[4]!.msg.xid).not.toBe(discovers[0]!.msg.xid);
    expect(gen.stats()).toMatchObject({ retransmits: 3, restarts: 1, acks: 0 });
  });

  test.prop([fc.integer({ min: 0, max: 2 ** 31 }), fc.double({ min: 0, max: 0.5, noNaN: true })], { numRuns: 30 })(
    'over a lossy path every ACK recorded is one a server sent to that client, no two clients hold one address, and all bind in the end',
    (seed, loss) => {
      let s = seed;
      const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      const servers = fakeServers({ drop: () => rand() < loss });
      const gen = new LoadGenerator(config({ maxClients: 20 }), servers.send, rand);
      // At half the datagrams lost each way, a client can need more than a minute (seed 1302076582 binds its last at 70 s).
      let now = drive(gen, servers, 0, 60_000, 50);
      while (gen.stats().busy > 0 && now < 600_000) now = drive(gen, servers, now, 10_000, 50);
      const sent = new Set(servers.acked.map((a) => `${a.mac} ${a.ip} ${a.xid}`));
      for (const ack of gen.acks) expect(sent.has(`${ack.mac} ${ack.ip} ${ack.xid}`)).toBe(true);
      const held = gen.holdings().map((h) => h.ip);
      expect(held.every((ip) => ip !== undefined)).toBe(true);
      expect(new Set(held).size).toBe(held.length);
    },
  );

  test.prop([fc.integer({ min: 0, max: 2 ** 31 }), fc.double({ min: 0, max: 0.6, noNaN: true })], { numRuns: 30 })(
    'every ACK and NAK ends a request its client began earlier (waitMs is measured from it), and each client has at most one request open',
    (seed, loss) => {
      let s = seed;
      const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      const servers = fakeServers({ drop: () => rand() < loss });
      const gen = new LoadGenerator(config({ maxClients: 10, renewAfterMs: 2_000 }), servers.send, rand);
      drive(gen, servers, 0, 20_000, 50);
      expect(gen.requests.map((r) => r.id)).toStrictEqual(gen.requests.map((_, i) => i));
      const ended = new Set<number>();
      for (const answer of [...gen.acks, ...gen.naks]) {
        const request = gen.requests[answer.request]!;
        expect(request.client).toBe(answer.client);
        expect(request.at).toBeLessThanOrEqual(answer.at);
        expect(ended.has(request.id)).toBe(false);
        ended.add(request.id);
      }
      for (const a of gen.acks) expect(a.waitMs).toBe(a.at - gen.requests[a.request]!.at);
      const open = gen.requests.filter((r) => !ended.has(r.id));
      expect(new Set(open.map((r) => r.client)).size).toBe(open.length);
      expect(open.length).toBe(gen.stats().busy);
    },
  );

  test('a client whose server never answers keeps one request open across retransmissions and exchanges started over', () => {
    const servers = fakeServers({ silent: new Set(SERVERS) });
    const gen = new LoadGenerator(config({ maxClients: 1 }), servers.send);
    drive(gen, servers, 1_000, 10_000);
    expect(gen.stats().restarts).toBeGreaterThanOrEqual(2);
    expect(gen.requests).toStrictEqual([{ id: 0, client: 0, mac: clientMac([0x02, 0x4c, 0x01], 0), kind: 'bind', at: 1_000 }]);
  });

  test('a renewal goes to the server of the lease, then to every server when it stays silent, and keeps the address', () => {
    const silent = new Set<string>();
    const servers = fakeServers({ silent });
    const gen = new LoadGenerator(config({ maxClients: 1, renewAfterMs: 500 }), servers.send);
    const first = drive(gen, servers, 0, 100);
    const bind = gen.acks[0]!;
    expect(bind.kind).toBe('bind');
    silent.add(bind.server);
    servers.sent.length = 0;
    drive(gen, servers, first, 6_000);
    const renewals = servers.sent.filter((s) => s.msg.ciaddr === parseIpv4(bind.ip));
    // Four tries to the lease's server alone, then the rebinding reaches the other one too.
    expect(renewals.slice(0, 4).every((r) => r.to === bind.server)).toBe(true);
    expect(renewals.slice(4).some((r) => r.to !== bind.server)).toBe(true);
    const renew = gen.acks.find((a) => a.kind === 'renew');
    expect(renew).toMatchObject({ ip: bind.ip, mac: bind.mac });
    expect(renew!.server).not.toBe(bind.server);
    expect(renew!.latencyMs).toBeGreaterThanOrEqual(4_000);
  });

  test('renewAll counts clients already renewing on their own timer among those that renew (the fault test waits for that many)', () => {
    const servers = fakeServers();
    const gen = new LoadGenerator(config({ maxClients: 3, rate: 1000, renewAfterMs: 1_000 }), servers.send);
    const t = drive(gen, servers, 0, 100);
    expect(gen.stats()).toMatchObject({ bound: 3, busy: 0 });
    // Their own renewal timers fire; the answers are not in yet when renewAll is asked.
    gen.tick(t + 1_000);
    expect(gen.stats()).toMatchObject({ bound: 0, busy: 3 });
    expect(gen.renewAll(t + 1_000)).toBe(3);
  });

  test('a NAK to a renewal is recorded as a lost address and the client starts over from DISCOVER', () => {
    const servers = fakeServers({ nakRenewals: true });
    const gen = new LoadGenerator(config({ maxClients: 1 }), servers.send);
    const t = drive(gen, servers, 0, 100);
    expect(gen.renewAll(t)).toBe(1);
    drive(gen, servers, t, 100);
    expect(gen.naks).toMatchObject([{ during: 'renew', mac: clientMac([0x02, 0x4c, 0x01], 0) }]);
    expect(gen.acks.filter((a) => a.kind === 'bind')).toHaveLength(2);
  });

  test('with a reboot share of 1 every renewal time is a new DORA that gets the same address back', () => {
    const servers = fakeServers();
    const gen = new LoadGenerator(config({ maxClients: 5, renewAfterMs: 300, rebootShare: 1 }), servers.send);
    drive(gen, servers, 0, 1_000);
    const discovers = servers.sent.filter((s) => messageType(s.msg) === DhcpMessageType.Discover);
    expect(gen.acks.every((a) => a.kind === 'bind')).toBe(true);
    expect(gen.acks.length).toBeGreaterThanOrEqual(10);
    expect(discovers.length).toBeGreaterThanOrEqual(gen.acks.length);
    for (const a of gen.acks) expect(a.ip).toBe(gen.acks.find((b) => b.mac === a.mac)!.ip);
  });

  test('replies for unknown transactions, other clients or garbage are ignored, never thrown', () => {
    const gen = new LoadGenerator(config({ maxClients: 1 }), () => {});
    gen.tick(0);
    gen.receive(Uint8Array.of(1, 2, 3), 1);
    gen.receive(encodeDhcp({ op: BootOp.Reply, htype: 1, hops: 0, xid: 42, secs: 0, flags: 0, ciaddr: 0, yiaddr: 5, siaddr: 0, giaddr: 0, chaddr: new Uint8Array(6), sname: '', file: '', options: [{ code: DhcpOptionCode.MessageType, value: DhcpMessageType.Ack }] }), 1);
    expect(gen.stats()).toMatchObject({ ignored: 2, acks: 0, busy: 1 });
  });
});
