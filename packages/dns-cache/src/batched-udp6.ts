/**
 * IPv6 UDP listeners inside another network namespace (an agent's VXLAN
 * network, served in qdhcp-<network>: its DHCP port's IPv6 address on its
 * device there), through the addon's IPv6 functions (native/lh_dns6.h).
 * Node's dgram cannot serve there: it names a link-local sender's scope by
 * the interface index looked up in the process's own namespace, where the
 * tenant's device is unknown, and throws. The addon reads with recvmmsg,
 * answers hot-table hits itself, and sends a batch's replies with one
 * sendmmsg, as batched-udp.ts does for IPv4; a reply to a link-local
 * address leaves through the socket's device. Each slot's meta is META6
 * bytes: length (u32) at 0, port (u16) at 8, the hot table's mark at 12,
 * the address's 16 bytes at 16 (lh_dns6.h).
 */
import { formatIpv6 } from '@leasehold/protocol';
import type { BatchedUdp, NativeUdp } from './batched-udp.js';
import { ListenError } from './errors.js';
import type { Resolver } from './resolver.js';

/** The addon's IPv6 functions; absent from an addon built before them. */
export interface NativeUdp6 {
  readonly META6: number;
  open6(
    address: string,
    port: number,
    input: ArrayBuffer,
    inputMeta: ArrayBuffer,
    output: ArrayBuffer,
    outputMeta: ArrayBuffer,
    onReadable: (count: number, answered: number) => void,
    hot: unknown,
    netnsPath: string,
    ifname: string,
  ): unknown;
  recv6(socket: unknown): number;
  send6(socket: unknown, count: number): number;
  sendOne6(socket: unknown, data: Uint8Array, address: Uint8Array, port: number): boolean;
  /** A TCP socket listening on [address]:port on `ifname` in the namespace at `netnsPath`, bound to it, for net.Server's listen({ fd }). */
  tcpListen6(address: string, port: number, netnsPath: string, ifname: string): number;
}

/** The addon's IPv6 functions, when it has them. Pure. */
export function nativeUdp6(native: NativeUdp | undefined): (NativeUdp & NativeUdp6) | undefined {
  const n = native as (NativeUdp & Partial<NativeUdp6>) | undefined;
  return n?.open6 && n.recv6 && n.send6 && n.sendOne6 && n.tcpListen6 && n.META6 ? (n as NativeUdp & NativeUdp6) : undefined;
}

/** Batches handled per readable event before yielding to the event loop (as batched-udp.ts). */
const ROUNDS = 4;

/**
 * Listens on [address]:port on device `ifname` of namespace `netns` and
 * hands each datagram the hot table did not answer to the resolver, its
 * query naming `listener`. Throws ListenError. Nothing thrown while a batch
 * is handled leaves the callback (reported to `resolver.errors`).
 */
export function listenBatchedUdp6(native: NativeUdp & NativeUdp6, address: string, port: number, resolver: Resolver, netns: string, ifname: string, listener: string): BatchedUdp {
  const { SLOTS: slots, SLOT_SIZE: slotSize, META6: meta } = native;
  const input = new ArrayBuffer(slots * slotSize);
  const inputMeta = new ArrayBuffer(slots * meta);
  const output = new ArrayBuffer(slots * slotSize);
  const outputMeta = new ArrayBuffer(slots * meta);
  const inBytes = Buffer.from(input);
  const inMeta = Buffer.from(inputMeta);
  const outBytes = Buffer.from(output);
  const outMeta = Buffer.from(outputMeta);
  let socket: unknown;
  let batching = false;
  let outCount = 0;
  let deferred = false;
  let closed = false;
  let reading = false;

  const put = (reply: Uint8Array, from: Uint8Array, clientPort: number) => {
    outBytes.set(reply, outCount * slotSize);
    const m = outCount * meta;
    outMeta.writeUInt32LE(reply.length, m);
    outMeta.writeUInt16LE(clientPort, m + 8);
    outMeta.set(from, m + 16);
    outCount++;
  };
  const sendSlots = () => {
    const count = outCount;
    // Emptied before sending: a reply given later must not send these slots again.
    outCount = 0;
    if (count > 0 && !closed) native.send6(socket, count);
  };
  const flush = () => {
    deferred = false;
    try {
      sendSlots();
    } catch (error) {
      resolver.errors.report('sending UDP replies', error);
    }
  };
  const sender = (from: Uint8Array, clientPort: number) => (reply: Uint8Array) => {
    if (closed) return;
    if (reply.length > slotSize) return void native.sendOne6(socket, reply, from, clientPort);
    if (outCount >= slots) sendSlots();
    put(reply, from, clientPort);
    // A reply given later (a forwarded question answered) leaves with the others of its turn, from a microtask.
    if (!batching && !deferred) {
      deferred = true;
      queueMicrotask(flush);
    }
  };

  const readBatches = (first: number, firstAnswered: number) => {
    for (let round = 0; round < ROUNDS; round++) {
      let n = first;
      let answered = firstAnswered;
      if (round > 0) {
        if (closed) return;
        const got = native.recv6(socket);
        n = got & 255;
        answered = got >>> 8;
      }
      if (n === 0) return;
      batching = true;
      // The addon's answers fill the first out slots; ours follow.
      outCount = answered;
      try {
        for (let i = 0; i < n; i++) {
          const m = i * meta;
          if (inMeta[m + 12] === 1) continue;
          const length = inMeta.readUInt32LE(m);
          // Length 0: empty, or cut short by the slot; either way not a DNS query we can answer.
          if (length === 0) {
            resolver.stats.queries++;
            resolver.stats.dropped++;
            continue;
          }
          // Copied: the slot is read into again by the next batch, and a forwarded question answers later.
          const from = inMeta.subarray(m + 16, m + 32).slice();
          const client = { address: formatIpv6(BigInt(`0x${from.toString('hex')}`)), tcp: false, batched: true, listener };
          const start = i * slotSize;
          try {
            resolver.handle(inBytes.subarray(start, start + length), client, sender(from, inMeta.readUInt16LE(m + 8)));
          } catch (error) {
            resolver.errors.report('handling a UDP query', error);
          }
        }
      } finally {
        batching = false;
        sendSlots();
      }
      if (n < slots) return;
    }
  };
  const onReadable = (first: number, firstAnswered: number) => {
    if (closed) return;
    reading = true;
    try {
      readBatches(first, firstAnswered);
    } catch (error) {
      resolver.errors.report('the UDP listener', error);
    } finally {
      reading = false;
      if (closed) native.close(socket);
    }
  };
  try {
    socket = native.open6(address, port, input, inputMeta, output, outputMeta, onReadable, resolver.hot?.table, `/run/netns/${netns}`, ifname);
  } catch (error) {
    throw new ListenError(`cannot listen on udp ${listener}#${port} (${ifname}): ${(error as Error).message}`, { cause: error });
  }
  return {
    port: native.port(socket),
    close: () => {
      closed = true;
      if (!reading) native.close(socket);
    },
  };
}

