/**
 * RFC 8415 section 16: which client messages a server must discard before
 * looking at them, each with a named reason the runtime counts. Pure.
 */
import { Dhcp6MessageType, dhcp6DuidKey, getDhcp6Option, type Dhcp6ClientServerMessage, type Dhcp6Duid } from '@leasehold/protocol';

export type Dhcp6DropReason =
  /** ADVERTISE, REPLY, RECONFIGURE or RELAY-REPL: messages servers send, not answer. */
  | 'server-message'
  /** A msg-type RFC 8415 gives no server behaviour for (leasequery, DHCPv4-over-DHCPv6, unknown). */
  | 'unsupported-message-type'
  | 'relay-reply-received'
  | 'relay-without-message'
  /** Relayed from a link-address no subnet of this link contains. */
  | 'unknown-link'
  | 'no-client-id'
  /** SOLICIT, CONFIRM or REBIND naming a server (16.2, 16.5, 16.7). */
  | 'server-id-present'
  /** REQUEST, RENEW, DECLINE or RELEASE without SERVERID (16.4, 16.6, 16.8, 16.9). */
  | 'no-server-id'
  /** SERVERID names another server. */
  | 'not-our-server-id'
  /** INFORMATION-REQUEST with an IA option (16.12). */
  | 'ia-in-information-request'
  /** SOLICIT, CONFIRM, REBIND or INFORMATION-REQUEST sent to a unicast address (section 16). */
  | 'unicast-not-allowed'
  /** CONFIRM without any address to confirm (18.3.3: no reply). */
  | 'confirm-without-addresses'
  /** REBIND for IAs the server has no binding for, on the right link (18.3.5: no reply). */
  | 'rebind-without-binding';

const { Solicit, Advertise, Request, Confirm, Renew, Rebind, Reply, Release, Decline, Reconfigure, InformationRequest } = Dhcp6MessageType;
const SERVER_SENT: ReadonlySet<number> = new Set([Advertise, Reply, Reconfigure]);
const MUST_NAME_US: ReadonlySet<number> = new Set([Request, Renew, Decline, Release]);
const MUST_NOT_NAME_A_SERVER: ReadonlySet<number> = new Set([Solicit, Confirm, Rebind]);
const MULTICAST_ONLY: ReadonlySet<number> = new Set([Solicit, Confirm, Rebind, InformationRequest]);

const sameDuid = (a: Dhcp6Duid, b: Dhcp6Duid) => dhcp6DuidKey(a) === dhcp6DuidKey(b);

/**
 * Why `msg` must be discarded, or undefined when it may be answered.
 * `unicast`: it reached us at a unicast address, not ff02::1:2 or ff05::1:3
 * (never for relayed messages: the relay unicasts by design).
 */
export function discardReason(msg: Dhcp6ClientServerMessage, serverDuid: Dhcp6Duid, unicast: boolean): Dhcp6DropReason | undefined {
  const type = msg.msgType;
  if (SERVER_SENT.has(type)) return 'server-message';
  if (!MUST_NAME_US.has(type) && !MUST_NOT_NAME_A_SERVER.has(type) && type !== InformationRequest) return 'unsupported-message-type';
  if (unicast && MULTICAST_ONLY.has(type)) return 'unicast-not-allowed';
  const clientId = getDhcp6Option(msg, 1);
  const serverId = getDhcp6Option(msg, 2);
  if (type === InformationRequest) {
    if (serverId !== undefined && !sameDuid(serverId, serverDuid)) return 'not-our-server-id';
    if (msg.options.some((o) => o.code === 3 || o.code === 4 || o.code === 25)) return 'ia-in-information-request';
    return undefined;
  }
  if (clientId === undefined) return 'no-client-id';
  if (MUST_NOT_NAME_A_SERVER.has(type)) return serverId === undefined ? undefined : 'server-id-present';
  if (serverId === undefined) return 'no-server-id';
  return sameDuid(serverId, serverDuid) ? undefined : 'not-our-server-id';
}
