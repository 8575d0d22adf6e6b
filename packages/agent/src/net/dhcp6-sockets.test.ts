import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { promisify } from 'node:util';
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
