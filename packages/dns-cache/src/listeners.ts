/**
 * UDP and TCP listeners on one address (RFC 1035 4.2; TCP per RFC 7766:
 * 2-byte length prefix, several queries per connection, answers in any
 * order). Both hand every message to the resolver and never throw out of
 * their event handlers: what one throws is reported to the resolver's
 * ErrorGuard (counted, logged once per interval) and that message is lost.
 *
 * A listener may live in another network namespace (an agent's network
 * served in qdhcp-<network>, issue 18): the addon makes its UDP socket and
 * its TCP listening socket there (setns around socket and bind), and Node
 * takes the TCP one over by descriptor. Such a listener's queries name it
 * `address@netns` (listenerKey), so two namespaces with the same address are
 * two listeners, each with its own view. An IPv6 one there is bound to the
 * device it names (batched-udp6.ts): its address may be link-local.
 */
import { createSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { isIPv4, isIPv6 } from 'node:net';
import { listenBatchedUdp, nativeUdp, type BatchedUdp } from './batched-udp.js';
import { listenBatchedUdp6, nativeUdp6 } from './batched-udp6.js';
import { ListenError } from './errors.js';
import type { Resolver } from './resolver.js';

/** RFC 7766 6.2.3: close idle connections; dnsmasq allows a few at once. */
const TCP_IDLE_MS = 10_000;
const TCP_MAX_CONNECTIONS = 128;

export interface Listener {
  readonly address: string;
  /** The network namespace (an `ip netns` name) it listens in; undefined: the process's own. */
  readonly netns: string | undefined;
  readonly port: number;
  /** How UDP is read and written: the batched addon or Node's dgram. */
  readonly udp: 'batched' | 'dgram';
  close(): Promise<void>;
}

/**
 * What a query's `listener` says, and a view's address must say to be
 * answered there: the address, or `address@netns` in another namespace. Pure.
 */
function listenerKey(address: string, netns: string | undefined): string {
  return netns === undefined ? address : `${address}@${netns}`;
}

/** Tries at port 0 before giving up: the UDP port the kernel picks may be taken for TCP (an outgoing connection's). */
const EPHEMERAL_ATTEMPTS = 8;

/**
 * Opens UDP and TCP on address:port (port 0 only in tests: the kernel's
 * choice, the same for both). IPv4 UDP goes through the batched native
 * socket when the addon is built, else through dgram. In namespace `netns`
 * only through the addon (IPv6 there on the device `ifname`, which it
 * needs): without it, ListenError.
 */
export async function listen(address: string, port: number, resolver: Resolver, dgramOnly = false, netns?: string, ifname?: string): Promise<Listener> {
  for (let attempt = 1; ; attempt++) {
    try {
      return netns === undefined ? await listenOnce(address, port, resolver, dgramOnly) : await listenInNamespace(address, port, resolver, dgramOnly, netns, ifname);
    } catch (error) {
      const inUse = (error as { cause?: { code?: string } }).cause?.code === 'EADDRINUSE';
      if (port !== 0 || !inUse || attempt >= EPHEMERAL_ATTEMPTS) throw error;
    }
  }
}

async function listenOnce(address: string, port: number, resolver: Resolver, dgramOnly: boolean): Promise<Listener> {
  const native = isIPv6(address) || dgramOnly ? undefined : nativeUdp();
  const udp = native ? listenBatchedUdp(native, address, port, resolver) : await listenDgram(address, port, resolver);
  let tcp: Server;
  try {
    tcp = await listenTcp(address, udp.port, resolver);
  } catch (error) {
    udp.close();
    throw error;
  }
  return listenerOf(address, undefined, udp, tcp, native ? 'batched' : 'dgram');
}

function listenerOf(address: string, netns: string | undefined, udp: { port: number; close(): void }, tcp: Server, kind: Listener['udp']): Listener {
  return {
    address,
    netns,
    port: udp.port,
    udp: kind,
    close: () =>
      new Promise<void>((resolve) => {
        udp.close();
        tcp.close(() => resolve());
      }),
  };
}

async function listenInNamespace(address: string, port: number, resolver: Resolver, dgramOnly: boolean, netns: string, ifname: string | undefined): Promise<Listener> {
  const key = listenerKey(address, netns);
  const native = dgramOnly ? undefined : nativeUdp();
  const v6 = isIPv6(address);
  if (!(isIPv4(address) || (v6 && ifname !== undefined && ifname !== '')) || netns === '' || netns.includes('/')) {
    throw new ListenError(`cannot listen on ${key}: an IPv4 address, or an IPv6 address and its device, and a namespace name expected`);
  }
  const native6 = v6 ? nativeUdp6(native) : undefined;
  if ((v6 ? native6 : native?.tcpListen) === undefined) {
    throw new ListenError(
      `cannot listen on ${key}: a namespace needs the native addon${v6 ? ' with IPv6 listeners' : ''} (node packages/dns-cache/native/build.mjs)${dgramOnly ? ', and dgram was asked for' : ''}`,
    );
  }
  const netnsPath = `/run/netns/${netns}`;
  const udp: BatchedUdp = native6 ? listenBatchedUdp6(native6, address, port, resolver, netns, ifname!, key) : listenBatchedUdp(native!, address, port, resolver, netns, key);
  try {
    let fd: number;
    try {
      fd = native6 ? native6.tcpListen6(address, udp.port, netnsPath, ifname!) : native!.tcpListen!(address, udp.port, netnsPath);
    } catch (error) {
      throw new ListenError(`cannot listen on tcp ${key}#${udp.port}: ${(error as Error).message}`, { cause: error });
    }
    // From here the descriptor is Node's (a TCP handle wraps it; closing the server closes it).
    const tcp = await listenTcp(address, udp.port, resolver, key, fd);
    return listenerOf(address, netns, udp, tcp, 'batched');
  } catch (error) {
    udp.close();
    throw error;
  }
}

async function listenDgram(address: string, port: number, resolver: Resolver): Promise<{ port: number; close(): void }> {
  // As in the addon: a larger receive queue for bursts (capped by net.core.rmem_max).
  const udp = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', recvBufferSize: 4 << 20 });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', (error) => reject(new ListenError(`cannot listen on udp ${address}#${port}: ${error.message}`, { cause: error })));
    udp.bind({ address, port }, () => resolve());
  });
  // Send errors (a full buffer under load) come here: the reply is lost, as a busy UDP server's are.
  udp.on('error', () => {});
  udp.on(
    'message',
    resolver.errors.wrap('the UDP listener', (msg: Buffer, rinfo: { address: string; port: number }) => {
      resolver.handle(msg, { address: rinfo.address, tcp: false, listener: address }, (reply) => {
        try {
          udp.send(reply, rinfo.port, rinfo.address);
        } catch {
          // Closed while the question was upstream: nobody to answer.
        }
      });
    }),
  );
  return { port: udp.address().port, close: () => udp.close() };
}

/** TCP on address:port, or (with `fd`) on the listening socket the addon made in a namespace; queries name `listener`. */
function listenTcp(address: string, port: number, resolver: Resolver, listener = address, fd?: number): Promise<Server> {
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    let buffered: Buffer = Buffer.alloc(0);
    const remote = remoteAddressOf(socket);
    socket.on('data', (chunk: Buffer) => {
      try {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        while (buffered.length >= 2) {
          const length = buffered.readUInt16BE(0);
          if (buffered.length < length + 2) break;
          const message = buffered.subarray(2, length + 2);
          buffered = buffered.subarray(length + 2);
          resolver.handle(message, { address: remote, tcp: true, listener }, (reply) => {
            if (socket.destroyed || !socket.writable) return;
            const frame = Buffer.allocUnsafe(reply.length + 2);
            frame.writeUInt16BE(reply.length, 0);
            frame.set(reply, 2);
            socket.write(frame);
          });
        }
      } catch (error) {
        // The connection's framing can no longer be trusted: it goes, the server stays.
        resolver.errors.report('a TCP connection', error);
        socket.destroy();
      }
    });
  });
  // After listen: accept(2) failures (EMFILE when descriptors run out under a connection flood) are
  // emitted here; without a listener they would be an uncaught 'error' event.
  server.on('listening', () => server.on('error', (error) => resolver.errors.report('the TCP listener', error)));
  server.maxConnections = TCP_MAX_CONNECTIONS;
  // server.close() waits for every connection to end; idle clients would hold stop() for TCP_IDLE_MS.
  const close = server.close.bind(server);
  server.close = (callback) => {
    for (const socket of open) socket.destroy();
    return close(callback);
  };
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new ListenError(`cannot listen on tcp ${listener}#${port}: ${error.message}`, { cause: error })));
    if (fd === undefined) server.listen({ host: address, port }, () => resolve(server));
    else server.listen({ fd }, () => resolve(server));
  });
}

/**
 * A TCP client's address, '' when Node cannot say: it names a link-local
 * peer's zone by looking its interface up in the process's namespace, and
 * throws for one in another namespace (an IPv6 listener of a VXLAN network).
 */
function remoteAddressOf(socket: Socket): string {
  try {
    return socket.remoteAddress ?? '';
  } catch {
    return '';
  }
}
