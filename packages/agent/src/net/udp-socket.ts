/**
 * UDP sockets for the DHCP server. One socket per served interface, each on
 * 0.0.0.0:67 but bound to its interface with SO_BINDTOIFINDEX (our small
 * N-API addon, native/lh_net.c): it hears broadcasts of that interface only
 * and its broadcast replies leave through it. Hundreds of interfaces cost
 * hundreds of descriptors and no per-packet work.
 *
 * With the addon, the socket is read in batches: recvmmsg(2) up to 64
 * datagrams per call, and the whole kernel queue (up to `MAX_ROUNDS` calls)
 * at each wakeup, all stamped with one receive time, so the server's packet
 * queue sees the whole backlog and how old it is (dgram reads one datagram
 * per callback, and what waits in the kernel's 4 MB queue has no age).
 * Without the addon, the agent can still serve one interface (or relays)
 * from a plain dgram socket, each datagram stamped as it is read.
 */
import { createSocket } from 'node:dgram';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { parseIpv4 } from '@leasehold/protocol';
import { interfaceIndex } from './interfaces.js';

interface NativeNet {
  readonly SLOTS?: number;
  readonly SLOT_SIZE?: number;
  /** With `netnsPath` and `ifname`, the socket is made inside that namespace on the interface named there (ifindex unused). */
  openUdpSocket(ifindex: number, port: number, address?: number, netnsPath?: string, ifname?: string): number;
  /** Absent from an addon built before batched receive. */
  /** With `netnsPath`, the socket is made inside that namespace, on the interface named `ifname` there (ifindex unused). */
  openBatched?(ifindex: number, port: number, address: number, input: ArrayBuffer, inputMeta: ArrayBuffer, onReadable: (count: number) => void, netnsPath?: string, ifname?: string): unknown;
  recvBatch?(socket: unknown): number;
  sendTo?(socket: unknown, data: Uint8Array, address: number, port: number): boolean;
  closeBatched?(socket: unknown): void;
  /** Bytes per datagram source in openBatched6's names buffer (16 address bytes, the port big-endian, 2 spare). */
  readonly NAME6_SIZE?: number;
  /**
   * An IPv6 socket on [group]:port in the namespace at `netnsPath`, bound to `ifname` there and a member of
   * the group on it; each datagram's source lands in `inputNames`. Absent from an addon built before it.
   */
  openBatched6?(port: number, group: Uint8Array, input: ArrayBuffer, inputMeta: ArrayBuffer, inputNames: ArrayBuffer, onReadable: (count: number) => void, netnsPath: string, ifname: string): unknown;
  /** Sends on an openBatched6 socket; a link-local address is reached on the socket's interface. */
  sendTo6?(socket: unknown, data: Uint8Array, address: Uint8Array, port: number): boolean;
  /** A raw ICMPv6 socket on `ifname` for router advertisements (lh_icmp6.h); absent from an addon built before it. */
  openIcmp6?(ifname: string, netnsPath: string, onSolicitation: (data: Uint8Array, source: Uint8Array, hopLimit: number) => void): unknown;
  sendIcmp6?(socket: unknown, data: Uint8Array, destination: Uint8Array): boolean;
  closeIcmp6?(socket: unknown): void;
  /** A listening TCP socket's descriptor, on `ifname` ("" none) in the namespace at `netnsPath` ("" this one); absent from an addon built before it. */
  openTcpListener?(address: number, port: number, backlog: number, ifname: string, netnsPath: string): number;
  /** The same on an IPv6 address (16 bytes) of `ifname`, bound to it; absent from an addon built before it. */
  openTcpListener6?(address: Uint8Array, port: number, backlog: number, ifname: string, netnsPath: string): number;
  /** A connected socket's peer address (IPv6 text, no zone), where Node's remoteAddress would throw (a peer on a device of another namespace). */
  peerAddress6?(fd: number): string;
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

/** Datagrams read together and the time they were read, on the clock the socket was given. */
export type DatagramsHandler = (datagrams: readonly Uint8Array[], receivedAt: number) => void;

export interface BoundSocket {
  /** The interface this socket serves, or undefined for an unbound socket (hears every interface). */
  readonly ifname: string | undefined;
  /** Read with recvmmsg through the addon (else with dgram, one datagram at a time). */
  readonly batched: boolean;
  send(data: Uint8Array, port: number, address: string): Promise<void>;
  close(): Promise<void>;
}

/** Reads per wakeup at most (64 datagrams each): a bound, so one wakeup cannot hold the loop forever. */
const MAX_ROUNDS = 64;

/**
 * Opens a UDP socket on 0.0.0.0:`port` that hears only `ifname` (or every
 * interface when ifname is undefined). `clock` stamps each read (a monotonic
 * millisecond clock; the packet queue measures ages on it). With `netns`
 * (a namespace `ip netns` made), the socket lives in that namespace and
 * `ifname` is one of its interfaces; that needs the batched addon.
 */
export async function openUdpSocket(
  ifname: string | undefined,
  port: number,
  onDatagrams: DatagramsHandler,
  clock: () => number = performance.now.bind(performance),
  netns?: string,
): Promise<BoundSocket> {
  const addon = nativeNet();
  if (netns !== undefined && (ifname === undefined || !addon?.openBatched)) {
    throw new Error(`cannot listen in namespace ${netns}: ${ifname === undefined ? 'no interface named' : 'the native addon (packages/agent/native) is not built or predates namespaces'}`);
  }
  if (addon?.openBatched) return openBatched(addon as Required<NativeNet>, ifname, port, onDatagrams, clock, netns);
  const socket = createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: 4 << 20 });
  socket.on('message', (data) => onDatagrams([data], clock()));
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
    batched: false,
    send: (data, toPort, address) =>
      new Promise((resolve, reject) => socket.send(data, toPort, address, (error) => (error ? reject(error) : resolve()))),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

function openBatched(addon: Required<NativeNet>, ifname: string | undefined, port: number, onDatagrams: DatagramsHandler, clock: () => number, netns: string | undefined): BoundSocket {
  const slots = addon.SLOTS;
  const slotSize = addon.SLOT_SIZE;
  const input = new ArrayBuffer(slots * slotSize);
  const inputMeta = new ArrayBuffer(slots * 4);
  const bytes = new Uint8Array(input);
  const lengths = new Uint32Array(inputMeta);
  let closed = false;
  let socket: unknown;
  const onReadable = (first: number) => {
    // One stamp for everything this wakeup reads: the reads take microseconds, a packet's wait far longer.
    const receivedAt = clock();
    let count = first;
    for (let round = 0; round < MAX_ROUNDS && count > 0 && !closed; round++) {
      const datagrams: Uint8Array[] = [];
      // Copied out: the slots are read into again by the next round. Length 0 was cut short (decodes as malformed).
      for (let i = 0; i < count; i++) datagrams.push(bytes.slice(i * slotSize, i * slotSize + lengths[i]!));
      onDatagrams(datagrams, receivedAt);
      if (count < slots || closed) return;
      count = addon.recvBatch(socket);
    }
  };
  socket =
    netns === undefined
      ? addon.openBatched(ifname === undefined ? 0 : interfaceIndex(ifname), port, 0, input, inputMeta, onReadable)
      : addon.openBatched(0, port, 0, input, inputMeta, onReadable, `/run/netns/${netns}`, ifname);
  return {
    ifname,
    batched: true,
    send: async (data, toPort, address) => {
      if (closed) throw new Error('socket closed');
      if (!addon.sendTo(socket, data, parseIpv4(address), toPort)) throw new Error(`sending ${data.length} bytes to ${address}:${toPort} failed`);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      addon.closeBatched(socket);
    },
  };
}
