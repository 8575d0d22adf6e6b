/**
 * The TFTP server's UDP sockets: dgram, which hands over each datagram's
 * sender (a transfer is identified by it: RFC 1350's TID), bound to one
 * address. In the process's own namespace dgram binds it; a network served
 * in its qdhcp-<network> namespace needs the socket made in there, which
 * dgram cannot do, so the agent's addon makes it (setns around socket()
 * and bind(), on the namespace's interface) and dgram adopts the
 * descriptor. Port 0 gives a transfer's ephemeral port.
 */
import { createSocket, type Socket } from 'node:dgram';
import { parseIpv4 } from '@leasehold/protocol';
import { nativeNet } from '../net/udp-socket.js';

/** Where a socket listens: an address, and for a namespaced network its `ip netns` name and the interface there. */
export interface TftpEndpoint {
  readonly address: string;
  readonly netns?: string;
  readonly ifname?: string;
}

export interface TftpSocket {
  /** The port it is bound to (the kernel's choice for port 0). */
  readonly port: number;
  send(data: Uint8Array, port: number, address: string): Promise<void>;
  close(): void;
}

export type TftpDatagramHandler = (data: Buffer, from: { address: string; port: number }) => void;

/** A socket on endpoint:port; throws (EADDRINUSE, EADDRNOTAVAIL, a missing addon for a namespace) with the endpoint named. */
export async function openTftpSocket(endpoint: TftpEndpoint, port: number, onDatagram: TftpDatagramHandler): Promise<TftpSocket> {
  const where = `${endpoint.address}:${port}${endpoint.netns ? ` in ${endpoint.netns}` : ''}`;
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  socket.on('message', (data, rinfo) => onDatagram(data, { address: rinfo.address, port: rinfo.port }));
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      const listening = () => {
        socket.off('error', reject);
        resolve();
      };
      if (endpoint.netns === undefined) {
        socket.bind({ address: endpoint.address, port }, listening);
        return;
      }
      const addon = nativeNet();
      if (!addon || endpoint.ifname === undefined) throw new Error(`${endpoint.ifname === undefined ? 'no interface named' : 'the native addon (packages/agent/native) is not built'}`);
      const fd = addon.openUdpSocket(0, port, parseIpv4(endpoint.address), `/run/netns/${endpoint.netns}`, endpoint.ifname);
      socket.bind({ fd }, listening);
    });
  } catch (error) {
    socket.close();
    throw new Error(`cannot open a TFTP socket on ${where}: ${(error as Error).message}`, { cause: error });
  }
  // A send failure is the transfer's to count (a rejected promise); the socket itself never throws into the loop.
  socket.on('error', () => {});
  return socketHandle(socket);
}

function socketHandle(socket: Socket): TftpSocket {
  let closed = false;
  return {
    port: socket.address().port,
    send: (data, port, address) =>
      new Promise((resolve, reject) => {
        if (closed) return reject(new Error('socket closed'));
        socket.send(data, port, address, (error) => (error ? reject(error) : resolve()));
      }),
    close() {
      if (closed) return;
      closed = true;
      socket.close();
    },
  };
}
