/**
 * What the DHCP server reads of a client's message besides its options'
 * values: who the client is (chaddr and client identifier, the lease
 * table's key), the host name it sent, and where the reply goes. Pure.
 */
import { DhcpMessageType, DhcpOptionCode, formatIpv4, getOption, type DhcpMessage } from '@leasehold/protocol';
import type { ClientRef } from '@leasehold/lease-actor';

const SERVER_PORT = 67;
const CLIENT_PORT = 68;
const BROADCAST = '255.255.255.255';

/**
 * RFC 2131 4.1: to the relay when there is one; a NAK is broadcast; to
 * ciaddr when the client has an address; else broadcast. (Unicast to yiaddr
 * would need an ARP entry for a client without an address; broadcast reaches
 * it on every client.)
 */
export function destination(msg: DhcpMessage, type: number): { address: string; port: number } {
  if (msg.giaddr !== 0) return { address: formatIpv4(msg.giaddr), port: SERVER_PORT };
  if (type !== DhcpMessageType.Nak && msg.ciaddr !== 0) return { address: formatIpv4(msg.ciaddr), port: CLIENT_PORT };
  return { address: BROADCAST, port: CLIENT_PORT };
}

/** chaddr as lowercase colon-separated hex ("52:54:00:00:00:01"). */
export function formatMac(chaddr: Uint8Array): string {
  let out = '';
  for (let i = 0; i < chaddr.length; i++) out += (i ? ':' : '') + chaddr[i]!.toString(16).padStart(2, '0');
  return out;
}

export function clientOf(msg: DhcpMessage): ClientRef {
  const id = getOption(msg, DhcpOptionCode.ClientIdentifier);
  const mac = formatMac(msg.chaddr);
  return id ? { mac, clientId: Buffer.from(id).toString('hex') } : { mac };
}

/** Option 12, else the name in option 81 (RFC 4702), first label only. */
export function hostnameOf(msg: DhcpMessage): string | undefined {
  const name = getOption(msg, DhcpOptionCode.HostName) ?? getOption(msg, DhcpOptionCode.ClientFqdn)?.name;
  const label = name?.split('.')[0]?.trim();
  return label ? label.toLowerCase() : undefined;
}
