import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { promisify } from 'node:util';
import { Dhcp6MessageType as T } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import type { Dhcp6Arrival } from '../dhcp6/server.js';
import { Dhcp6Stats } from '../dhcp6/stats.js';
import { createTestLink, type TestLink } from '../testing/netns.js';
import { Dhcp6Sockets } from './dhcp6-sockets.js';

const run = promisify(execFile);

/** The host end's link-local address, once both ends' are past duplicate address detection. */
async function hostLinkLocal(link: TestLink): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const host = (await run('ip', ['-6', 'addr', 'show', 'dev', link.hostIf])).stdout;
    const client = (await link.exec('ip', ['-6', 'addr', 'show', 'dev', link.clientIf])).stdout;
    const address = /inet6 (fe80::[0-9a-f:]+)\//.exec(host)?.[1];
    if (address && client.includes('fe80::') && !`${host}${client}`.includes('tentative')) return address;
    if (Date.now() > deadline) throw new Error(`link-local addresses not ready:\n${host}\n${client}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('DHCPv6 sockets in a namespace', () => {
  test("a network's socket in its namespace hands the server each datagram with its interface and sender, answers through that interface, is opened anew with a renewed namespace and closed when no longer wanted", async () => {
    await using link = await createTestLink();
    const source = await hostLinkLocal(link);
    const arrivals: Dhcp6Arrival[] = [];
    const server = {
      stats: new Dhcp6Stats(),
      handle: async (data: Uint8Array, arrival: Dhcp6Arrival) => {
        arrivals.push(arrival);
        return { bytes: Uint8Array.from([...data].reverse()), address: arrival.address, port: arrival.port };
      },
    };
    const port = 15_647;
    const logged: string[] = [];
    const sockets = new Dhcp6Sockets({ server, port, log: (line) => logged.push(line) });
    const client = createSocket({ type: 'udp6' });
    const answers: string[] = [];
    client.on('message', (m) => answers.push(m.toString()));
    await new Promise<void>((resolve) => client.bind(0, `${source}%${link.hostIf}`, resolve));
    try {
      const namespaced = new Map([[link.clientIf, link.ns]]);
      await sockets.listenOn(new Set(), new Set(), namespaced);
      expect(sockets.interfaces()).toStrictEqual([`${link.clientIf}@${link.ns}`]);
      client.send('abc', port, `ff02::1:2%${link.hostIf}`);
      await expect.poll(() => answers, { timeout: 5000 }).toStrictEqual(['cba']);
      // The sender as the namespace names it: no scope from the agent's namespace, the socket's interface for the reply.
      expect(arrivals).toStrictEqual([{ ifname: link.clientIf, address: `${source}%${link.clientIf}`, port: client.address().port, unicast: false, relay: false }]);

      await sockets.listenOn(new Set(), new Set(), namespaced);
      await sockets.listenOn(new Set(), new Set(), namespaced, new Set([link.ns]));
      expect(logged.filter((l) => l.startsWith(`dhcp6: listening on ${link.clientIf} in ${link.ns}`))).toHaveLength(2);
      client.send('xyz', port, `ff02::1:2%${link.hostIf}`);
      await expect.poll(() => answers, { timeout: 5000 }).toStrictEqual(['cba', 'zyx']);

      await sockets.listenOn(new Set());
      expect(sockets.interfaces()).toStrictEqual([]);
      client.send('late', port, `ff02::1:2%${link.hostIf}`);
      await new Promise((r) => setTimeout(r, 300));
      expect(arrivals).toHaveLength(2);
    } finally {
      client.close();
      await sockets.closeAll();
    }
  });
});

describe('DHCPv6 sockets under overload', () => {
  /** A datagram of msg-type `type`, numbered `n`: the queue reads the type only, the fake server records both. */
  const message = (type: number, n: number) => Uint8Array.from([type, 0, 0, n]);

  /**
   * Sockets in the link's namespace before a server that records each message it is handed, with the
   * test's clock and pump turns (held until `release`), so nothing depends on this machine's speed.
   */
  async function overloadRig(link: TestLink, source: string, port: number, capacity: number) {
    const clock = { now: 0 };
    const turns: (() => void)[] = [];
    const handled: number[][] = [];
    const stats = new Dhcp6Stats();
    const server = {
      stats,
      handle: async (data: Uint8Array, arrival: Dhcp6Arrival) => {
        handled.push([...data]);
        return { bytes: data, address: arrival.address, port: arrival.port };
      },
    };
    const sockets = new Dhcp6Sockets({ server, port, log: () => {}, queue: { capacity, maxAgeMs: 1000, maxInFlight: 256 }, clock: () => clock.now, schedule: (run) => turns.push(run) });
    await sockets.listenOn(new Set(), new Set(), new Map([[link.clientIf, link.ns]]));
    const client = createSocket({ type: 'udp6' });
    await new Promise<void>((resolve) => client.bind(0, `${source}%${link.hostIf}`, resolve));
    return {
      clock,
      handled,
      stats,
      sockets,
      send: (bytes: Uint8Array) => new Promise<void>((resolve, reject) => client.send(bytes, port, `ff02::1:2%${link.hostIf}`, (e) => (e ? reject(e) : resolve()))),
      /** Runs the held turns, and those they schedule, until none is left (bounded). */
      release: async () => {
        for (let i = 0; i < 1000 && turns.length > 0; i++) turns.shift()!();
        await new Promise((r) => setImmediate(r));
      },
      [Symbol.asyncDispose]: async () => {
        client.close();
        await sockets.closeAll();
      },
    };
  }

  test('SOLICITs that aged past max age in the queue are dropped and counted as stale; the fresh messages behind them are handed over, REQUEST, RENEW and REBIND before SOLICIT and INFORMATION-REQUEST', async () => {
    await using link = await createTestLink();
    const source = await hostLinkLocal(link);
    await using rig = await overloadRig(link, source, 15_648, 100);

    rig.clock.now = 10_000;
    for (let n = 0; n < 20; n++) await rig.send(message(T.Solicit, n));
    await rig.send(message(T.InformationRequest, 20));
    await expect.poll(() => rig.sockets.waiting, { timeout: 5000 }).toBe(21);

    // Five seconds later on the queue's clock, with nothing handled yet.
    rig.clock.now = 15_000;
    await rig.send(message(T.Solicit, 30));
    await rig.send(message(T.Request, 31));
    await rig.send(message(T.InformationRequest, 32));
    await rig.send(message(T.Renew, 33));
    await rig.send(message(T.Rebind, 34));
    await expect.poll(() => rig.sockets.waiting, { timeout: 5000 }).toBe(26);

    await rig.release();
    expect(rig.handled.map((m) => m[3])).toStrictEqual([31, 33, 34, 30, 32]);
    expect(rig.stats.dropped).toStrictEqual({ stale: 21, queue_full: 0 });
    expect(rig.sockets.waiting).toBe(0);
  });

  test('a full queue drops its oldest SOLICITs, counted as queue_full, and keeps the RELEASE and DECLINE', async () => {
    await using link = await createTestLink();
    const source = await hostLinkLocal(link);
    await using rig = await overloadRig(link, source, 15_649, 4);

    await rig.send(message(T.Release, 0));
    for (let n = 1; n <= 6; n++) await rig.send(message(T.Solicit, n));
    await rig.send(message(T.Decline, 7));
    await expect.poll(() => rig.stats.dropped.queue_full, { timeout: 5000 }).toBe(4);
    expect(rig.sockets.waiting).toBe(4);

    await rig.release();
    expect(rig.handled.map((m) => m[3])).toStrictEqual([0, 7, 5, 6]);
    expect(rig.stats.dropped.stale).toBe(0);
  });
});
