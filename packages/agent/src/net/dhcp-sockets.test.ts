/**
 * The DHCP sockets on the loopback interface with a stand-in server: what
 * the socket hears goes to `handle` with its interface, the reply leaves
 * through it, a failed send is counted.
 */
import { createSocket, type Socket } from 'node:dgram';
import { parseIpv4 } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import type { Arrival, Reply } from '../dhcp/server.js';
import { DhcpStats } from '../dhcp/stats.js';
import { DhcpSockets } from './dhcp-sockets.js';

/** A UDP port free on 127.0.0.1 now. */
async function freePort(): Promise<number> {
  const probe = createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise<void>((resolve) => probe.close(resolve));
  return port;
}

async function client(): Promise<{ socket: Socket; port: number; heard: string[] }> {
  const socket = createSocket('udp4');
  const heard: string[] = [];
  socket.on('message', (m) => heard.push(m.toString()));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port, heard };
}

describe('the DHCP sockets', () => {
  test('a datagram goes to the server with the interface it came in on and its address, and the reply leaves through the same socket', async () => {
    const port = await freePort();
    const c = await client();
    const arrivals: Arrival[] = [];
    const stats = new DhcpStats();
    const server = {
      stats,
      handle: async (data: Uint8Array, arrival: Arrival): Promise<Reply | undefined> => {
        arrivals.push(arrival);
        const text = Buffer.from(data).toString();
        if (text === 'silence') return undefined;
        // Port 0 cannot be sent to: the send fails.
        return { bytes: Buffer.from(`re:${text}`), address: '127.0.0.1', port: text === 'unsendable' ? 0 : c.port };
      },
    };
    const lines: string[] = [];
    const sockets = new DhcpSockets({ server, port, log: (l) => lines.push(l) });
    try {
      await sockets.open('lo');
      await sockets.open('lo');
      expect(sockets.interfaces()).toStrictEqual(['lo']);
      expect(lines).toStrictEqual([`dhcp: listening on lo port ${port}`]);
      const send = (text: string) => new Promise<void>((resolve, reject) => c.socket.send(text, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));

      await send('one');
      await expect.poll(() => c.heard).toStrictEqual(['re:one']);
      // Before the first refresh the interface's address is not known yet.
      expect(arrivals[0]).toStrictEqual({ ifname: 'lo', ifaddr: undefined });

      sockets.refreshAddresses();
      await send('silence');
      await send('unsendable');
      await send('two');
      await expect.poll(() => c.heard).toStrictEqual(['re:one', 're:two']);
      expect(arrivals.slice(1)).toStrictEqual(Array.from({ length: 3 }, () => ({ ifname: 'lo', ifaddr: parseIpv4('127.0.0.1') })));
      await expect.poll(() => stats.counts['send-error']).toBe(1);

      await sockets.closeExcept(new Set(['eth-other']));
      expect(sockets.interfaces()).toStrictEqual([]);
      expect(lines.at(-1)).toBe('dhcp: stopped listening on lo');
      await send('after');
      await new Promise((r) => setTimeout(r, 100));
      expect(arrivals).toHaveLength(4);
    } finally {
      await sockets.closeAll();
      c.socket.close();
    }
  });
});
