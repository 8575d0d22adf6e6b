/**
 * An IPv6 UDP socket inside a network's own namespace (qdhcp-<network>, a
 * VXLAN network's: net/segment-devices.ts), for the DHCPv6 server there.
 * Node's dgram cannot hold it: it names a link-local sender's scope by
 * looking the interface index up in the agent's namespace, where the
 * tenant's device does not exist (and the lookup throws), and it would
 * resolve a reply's scope there too. So the addon (native/lh_net.c's
 * openBatched6) makes the socket in the namespace, bound to the device and a
 * member of the group on it, reads it with recvmmsg and hands each
 * datagram's source as bytes; a reply to a link-local address leaves
 * through the socket's own device, which the addon knows by its index in
 * the namespace.
 */
import { formatIpv6, ipv6ToBytes, parseIpv6 } from '@leasehold/protocol';
import { ipv6FromBytes } from '../dhcp6/view.js';
import { nativeNet } from './udp-socket.js';

/** Where a datagram came from: its source address (RFC 5952 text, no scope) and port. */
export interface Udp6Source {
  readonly address: string;
  readonly port: number;
}

export interface NamespacedUdp6Socket {
  /** Sends one datagram; throws when it did not all go (a full send buffer, an unreachable address). */
  send(data: Uint8Array, port: number, address: string): void;
  close(): void;
}

/** Reads per wakeup at most (64 datagrams each), as udp-socket.ts: one wakeup cannot hold the loop forever. */
const MAX_ROUNDS = 64;

/**
 * Opens a socket on [`group`]:`port` on `ifname` inside namespace `netns`
 * (an `ip netns` name; undefined: the agent's own, for the batched reads
 * alone) and calls `onDatagram` for each datagram it hears.
 * Throws when the addon is not built (or predates IPv6 sockets), or when
 * the namespace, the interface or the socket cannot be had.
 */
export function openUdp6InNamespace(netns: string | undefined, ifname: string, port: number, group: string, onDatagram: (data: Uint8Array, from: Udp6Source) => void): NamespacedUdp6Socket {
  const addon = nativeNet();
  if (!addon?.openBatched6 || !addon.sendTo6 || !addon.recvBatch || !addon.closeBatched || !addon.SLOTS || !addon.SLOT_SIZE || !addon.NAME6_SIZE) {
    throw new Error(`cannot listen in ${netns === undefined ? "the agent's namespace" : `namespace ${netns}`}: the native addon (packages/agent/native) is not built or predates IPv6 sockets; run \`node packages/agent/native/build.mjs\``);
  }
  const { SLOTS: slots, SLOT_SIZE: slotSize, NAME6_SIZE: nameSize } = addon;
  const input = new ArrayBuffer(slots * slotSize);
  const inputMeta = new ArrayBuffer(slots * 4);
  const inputNames = new ArrayBuffer(slots * nameSize);
  const bytes = new Uint8Array(input);
  const lengths = new Uint32Array(inputMeta);
  const names = new Uint8Array(inputNames);
  let closed = false;
  let socket: unknown;
  const onReadable = (first: number) => {
    let count = first;
    for (let round = 0; round < MAX_ROUNDS && count > 0 && !closed; round++) {
      // Copied out before the next round reads into the same slots. Length 0 was cut short (decodes as malformed).
      const batch = Array.from({ length: count }, (_, i) => ({
        data: bytes.slice(i * slotSize, i * slotSize + lengths[i]!),
        from: { address: formatIpv6(ipv6FromBytes(names.subarray(i * nameSize, i * nameSize + 16))), port: (names[i * nameSize + 16]! << 8) | names[i * nameSize + 17]! },
      }));
      for (const { data, from } of batch) onDatagram(data, from);
      if (count < slots || closed) return;
      count = addon.recvBatch!(socket);
    }
  };
  socket = addon.openBatched6(port, ipv6ToBytes(parseIpv6(group)), input, inputMeta, inputNames, onReadable, netns === undefined ? '/proc/self/ns/net' : `/run/netns/${netns}`, ifname);
  return {
    send(data, toPort, address) {
      if (closed) throw new Error('socket closed');
      // A scope names an interface of the agent's namespace, meaningless here: the socket's own device is the link.
      const bare = address.includes('%') ? address.slice(0, address.indexOf('%')) : address;
      if (!addon.sendTo6!(socket, data, ipv6ToBytes(parseIpv6(bare)), toPort)) throw new Error(`sending ${data.length} bytes to [${bare}]:${toPort}${netns === undefined ? '' : ` in ${netns}`} failed`);
    },
    close() {
      if (closed) return;
      closed = true;
      addon.closeBatched!(socket);
    },
  };
}
