/**
 * Which DHCPv6 datagrams go first in the packet queue (dhcp/packet-queue.ts,
 * the DHCPv4 server's, shared by net/dhcp6-sockets.ts): those that complete
 * an exchange, as REQUESTs do for DHCPv4. A REQUEST, RENEW or REBIND is the
 * client's last step before it holds (or keeps) an address, and the work of
 * its ADVERTISE (or of the lease it extends) is only worth something once it
 * is answered; RELEASE and DECLINE give addresses back. A SOLICIT starts an
 * exchange a client repeats when unanswered, and an INFORMATION-REQUEST asks
 * for options only (it writes nothing): both wait behind, as does CONFIRM
 * and anything unknown. Relayed messages are judged by the message inside
 * their RELAY-FORW layers.
 */
import { Dhcp6MessageType } from '@leasehold/protocol';

const COMPLETING: ReadonlySet<number> = new Set([Dhcp6MessageType.Request, Dhcp6MessageType.Renew, Dhcp6MessageType.Rebind, Dhcp6MessageType.Release, Dhcp6MessageType.Decline]);

/** RELAY-FORW's fixed part (RFC 8415 9): msg-type, hop-count, link-address, peer-address. */
const RELAY_HEADER = 34;
const RELAY_MSG = 9;
/** Relay layers followed at most: RFC 8415's HOP_COUNT_LIMIT is 8; deeper nesting waits with the SOLICITs (the server drops it anyway). */
const MAX_LAYERS = 32;

/**
 * Whether a raw DHCPv6 datagram completes an exchange (REQUEST, RENEW,
 * REBIND, RELEASE, DECLINE, directly or inside RELAY-FORWs), read from the
 * bytes without decoding the message. Anything unreadable does not (the
 * server's decoder then says what is wrong with it). Pure; never throws.
 */
export function dhcp6CompletesExchange(data: Uint8Array): boolean {
  let at = 0;
  let end = data.length;
  for (let layer = 0; layer <= MAX_LAYERS && at < end; layer++) {
    const type = data[at]!;
    if (type !== Dhcp6MessageType.RelayForw) return COMPLETING.has(type);
    const inner = relayedMessage(data, at + RELAY_HEADER, end);
    if (inner === undefined) return false;
    [at, end] = inner;
  }
  return false;
}

/** Where the RELAY_MSG option's value lies among the options in [at, end), if one is whole there. */
function relayedMessage(data: Uint8Array, at: number, end: number): [number, number] | undefined {
  while (at + 4 <= end) {
    const code = (data[at]! << 8) | data[at + 1]!;
    const length = (data[at + 2]! << 8) | data[at + 3]!;
    if (at + 4 + length > end) return undefined;
    if (code === RELAY_MSG) return [at + 4, at + 4 + length];
    at += 4 + length;
  }
  return undefined;
}
