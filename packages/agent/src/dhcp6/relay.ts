/**
 * Relayed DHCPv6 (RFC 8415 section 19): the client's message sits inside
 * RELAY-FORW layers, one per relay. The server decides on the innermost
 * message and wraps its answer in RELAY-REPL layers that mirror the
 * RELAY-FORWs, innermost first, echoing each relay's hop count, link and peer
 * addresses and INTERFACE_ID. Pure.
 */
import {
  Dhcp6MessageType,
  getDhcp6Option,
  isDhcp6Relay,
  type Dhcp6ClientServerMessage,
  type Dhcp6Message,
  type Dhcp6Option,
  type Dhcp6RelayMessage,
  type Ipv6,
} from '@leasehold/protocol';
import { ipv6FromBytes } from './view.js';

export interface Unwrapped {
  readonly inner: Dhcp6ClientServerMessage;
  /** The RELAY-FORW layers, outermost (the one the server received) first. */
  readonly layers: readonly Dhcp6RelayMessage[];
}

/**
 * The client's message and the relay layers around it, or why it is not one
 * to answer: a RELAY-REPL (a server's message), or a RELAY-FORW without
 * RELAY_MSG. The codec has already bounded the depth (HOP_COUNT_LIMIT).
 */
export function unwrapRelay(msg: Dhcp6Message): Unwrapped | { readonly drop: 'relay-reply-received' | 'relay-without-message' } {
  const layers: Dhcp6RelayMessage[] = [];
  let at = msg;
  while (isDhcp6Relay(at)) {
    if (at.msgType === Dhcp6MessageType.RelayRepl) return { drop: 'relay-reply-received' };
    const inner = getDhcp6Option(at, 9);
    if (inner === undefined) return { drop: 'relay-without-message' };
    layers.push(at);
    at = inner;
  }
  return { inner: at, layers };
}

/**
 * The link the client is on, as the relays name it: the link-address of the
 * relay closest to the client that set one (a lightweight relay leaves it
 * zero, RFC 6221), or undefined for a message that came directly.
 */
export function clientLink(layers: readonly Dhcp6RelayMessage[]): Ipv6 | undefined {
  for (let i = layers.length - 1; i >= 0; i--) {
    const address = ipv6FromBytes(layers[i]!.linkAddress);
    if (address !== 0n) return address;
  }
  return undefined;
}

/**
 * The client's MAC as the relay next to it saw it (CLIENT_LINKLAYER_ADDR,
 * RFC 6939, Ethernet only), for a client whose DUID carries none. Pure.
 */
export function relayedClientMac(layers: readonly Dhcp6RelayMessage[]): string | undefined {
  const closest = layers[layers.length - 1];
  const lla = closest === undefined ? undefined : getDhcp6Option(closest, 79);
  if (lla === undefined || lla.linkLayerType !== 1 || lla.address.length !== 6) return undefined;
  return Array.from(lla.address, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The reply wrapped in one RELAY-REPL per RELAY-FORW it answers (RFC 8415 19.3). Pure. */
export function wrapReply(reply: Dhcp6ClientServerMessage, layers: readonly Dhcp6RelayMessage[]): Dhcp6Message {
  let out: Dhcp6Message = reply;
  for (let i = layers.length - 1; i >= 0; i--) {
    const forw = layers[i]!;
    const interfaceId = getDhcp6Option(forw, 18);
    const options: Dhcp6Option[] = interfaceId === undefined ? [] : [{ code: 18, value: interfaceId }];
    options.push({ code: 9, value: out });
    out = { msgType: Dhcp6MessageType.RelayRepl, hopCount: forw.hopCount, linkAddress: forw.linkAddress, peerAddress: forw.peerAddress, options };
  }
  return out;
}
