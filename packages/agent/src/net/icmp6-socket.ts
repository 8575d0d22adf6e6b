/**
 * The router advertisement sender's socket: a raw ICMPv6 socket from the
 * native addon (native/lh_icmp6.h), bound to one interface and its
 * link-local address, sending with hop limit 255 and hearing only Router
 * Solicitations. Node has no raw sockets, so without the addon there is none.
 */
import { nativeNet } from './udp-socket.js';

/** A Router Solicitation as heard: the ICMPv6 message, its source (16 bytes) and the hop limit it arrived with. */
export type SolicitationHandler = (data: Uint8Array, source: Uint8Array, hopLimit: number) => void;

export interface Icmp6Socket {
  /** Sends one ICMPv6 message to `destination` (16 bytes) on the socket's interface; false when it did not all go. */
  send(data: Uint8Array, destination: Uint8Array): boolean;
  close(): void;
}

/**
 * Opens the socket on `ifname` (in the namespace `netns` made by `ip netns`,
 * when given). Throws an Error whose `code` is EADDRNOTAVAIL while the
 * interface has no link-local address past duplicate address detection.
 */
export function openIcmp6Socket(ifname: string, onSolicitation: SolicitationHandler, netns?: string): Icmp6Socket {
  const addon = nativeNet();
  if (!addon?.openIcmp6 || !addon.sendIcmp6 || !addon.closeIcmp6) throw new Error('router advertisements need the native addon (npm run setup builds it)');
  const { sendIcmp6, closeIcmp6 } = addon;
  const socket = addon.openIcmp6(ifname, netns ? `/run/netns/${netns}` : '', onSolicitation);
  return {
    send: (data, destination) => sendIcmp6(socket, data, destination),
    close: () => closeIcmp6(socket),
  };
}
