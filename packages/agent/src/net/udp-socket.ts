/**
 * UDP sockets for the DHCP server. One socket per served interface, each on
 * 0.0.0.0:67 but bound to its interface with SO_BINDTOIFINDEX (our small
 * N-API addon, native/lh_net.c): it hears broadcasts of that interface only
 * and its broadcast replies leave through it. Hundreds of interfaces cost
 * hundreds of descriptors and no per-packet work. Without the addon, the
 * agent can still serve one interface (or relays) from a plain socket.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createRequire } from 'node:module';
import { interfaceIndex } from './interfaces.js';

interface NativeNet {
  openUdpSocket(ifindex: number, port: number, address?: number): number;
}

let native: NativeNet | null | undefined;

/** The addon, or null when it was not built (then only unbound sockets are available). */
export function nativeNet(): NativeNet | null {
  if (native === undefined) {
    try {
      native = createRequire(import.meta.url)('../../native/build/lh_net.node') as NativeNet;
    } catch {
      native = null;
    }
  }
  return native;
}

export type DatagramHandler = (data: Buffer, from: RemoteInfo) => void;

export interface BoundSocket {
  /** The interface this socket serves, or undefined for an unbound socket (hears every interface). */
  readonly ifname: string | undefined;
  readonly socket: Socket;
  send(data: Uint8Array, port: number, address: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens a UDP socket on 0.0.0.0:`port` that hears only `ifname` (or every interface when ifname is undefined). */
export async function openUdpSocket(ifname: string | undefined, port: number, onDatagram: DatagramHandler): Promise<BoundSocket> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: 4 << 20 });
  socket.on('message', onDatagram);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    const listening = () => {
      socket.off('error', reject);
      resolve();
    };
    if (ifname === undefined) {
      socket.bind({ port, address: '0.0.0.0' }, listening);
      return;
    }
    const addon = nativeNet();
    if (!addon) {
      reject(new Error(`cannot bind a socket to ${ifname}: the native addon (packages/agent/native) is not built; run \`node packages/agent/native/build.mjs\``));
      return;
    }
    try {
      socket.bind({ fd: addon.openUdpSocket(interfaceIndex(ifname), port) }, listening);
    } catch (error) {
      reject(error);
    }
  });
  socket.setBroadcast(true);
  // A send failure must never crash the server loop: callers count it.
  socket.on('error', () => {});
  return {
    ifname,
    socket,
    send: (data, toPort, address) =>
      new Promise((resolve, reject) => socket.send(data, toPort, address, (error) => (error ? reject(error) : resolve()))),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
