/**
 * The decoded form of the two Neighbor Discovery messages a router speaks
 * (RFC 4861 section 4.1 and 4.2): Router Solicitation (ICMPv6 type 133) and
 * Router Advertisement (134), with their options (section 4.6) and the DNS
 * options of RFC 8106. Options stay an ordered array as they were on the
 * wire; the types the codec knows get typed values, every other type (and a
 * known type whose reserved bits are set, which receivers ignore) keeps its
 * bytes, so every message that decodes re-encodes byte for byte.
 * IPv6 addresses and prefixes are their 16 wire bytes.
 *
 * The ICMPv6 checksum covers a pseudo-header of the IPv6 addresses (RFC 4443
 * 2.3): on a raw ICMPv6 socket the kernel writes it on send and checks it on
 * receipt (RFC 3542 3.1), so senders leave `checksum` out.
 */

/** ICMPv6 types of the messages the codec reads. */
export const NdpType = {
  RouterSolicitation: 133,
  RouterAdvertisement: 134,
} as const;

/** Prefix Information (type 3, RFC 4861 4.6.2). Lifetimes in seconds, 0xFFFFFFFF is infinity. */
export interface NdpPrefixInformation {
  /** 0..128. */
  readonly prefixLength: number;
  /** L: the prefix is on this link. */
  readonly onLink: boolean;
  /** A: hosts may form addresses in it (SLAAC, RFC 4862). */
  readonly autonomous: boolean;
  readonly validLifetime: number;
  readonly preferredLifetime: number;
  /** 16 bytes. */
  readonly prefix: Uint8Array;
}

/** Recursive DNS Server (type 25, RFC 8106 5.1): lifetime in seconds and at least one 16-byte address. */
export interface NdpDnsServers {
  readonly lifetime: number;
  readonly servers: readonly Uint8Array[];
}

/** DNS Search List (type 31, RFC 8106 5.2): lifetime in seconds and at least one fully qualified name in presentation form ("example.org."). */
export interface NdpSearchList {
  readonly lifetime: number;
  readonly domains: readonly string[];
}

/** The value type of each option type the codec decodes. */
export interface NdpOptionTypes {
  /** Source link-layer address (RFC 4861 4.6.1): the option's bytes after type and length (6 for Ethernet; zero padding of longer addresses included). */
  1: Uint8Array;
  3: NdpPrefixInformation;
  /** MTU (RFC 4861 4.6.4), bytes. */
  5: number;
  25: NdpDnsServers;
  31: NdpSearchList;
}

export type KnownNdpOptionType = keyof NdpOptionTypes;

export type TypedNdpOption = {
  [T in KnownNdpOptionType]: { readonly type: T; readonly value: NdpOptionTypes[T] };
}[KnownNdpOptionType];

/** An option kept as bytes: its data after type and length, 8n - 2 bytes. */
export interface RawNdpOption {
  readonly type: number;
  readonly raw: Uint8Array;
}

export type NdpOption = TypedNdpOption | RawNdpOption;

/** Router Solicitation (RFC 4861 4.1). */
export interface NdpRouterSolicitation {
  readonly type: 133;
  /** As received; absent when zero (a sender leaves it to the kernel). */
  readonly checksum?: number;
  /** The reserved 32 bits, absent when zero (receivers ignore them). */
  readonly reserved?: number;
  readonly options: readonly NdpOption[];
}

/** Router Advertisement (RFC 4861 4.2). */
export interface NdpRouterAdvertisement {
  readonly type: 134;
  readonly checksum?: number;
  /** Cur Hop Limit for hosts' packets; 0 leaves it to them. */
  readonly curHopLimit: number;
  /** M: addresses are available from DHCPv6. */
  readonly managed: boolean;
  /** O: other configuration (DNS servers, domains) is available from DHCPv6. */
  readonly other: boolean;
  /** The flag byte's six other bits (H of RFC 6275, Prf of RFC 4191, P of RFC 4389, reserved), as `byte & 0x3f`; absent when zero. */
  readonly otherFlags?: number;
  /** Seconds the sender is a default router (0: it is not one), 0..65535. */
  readonly routerLifetime: number;
  /** Milliseconds; 0 leaves it to hosts. */
  readonly reachableTime: number;
  /** Milliseconds; 0 leaves it to hosts. */
  readonly retransTimer: number;
  readonly options: readonly NdpOption[];
}

export type NdpMessage = NdpRouterSolicitation | NdpRouterAdvertisement;

/** The first option of `type` with a typed value, or undefined. Pure. */
export function getNdpOption<T extends KnownNdpOptionType>(msg: NdpMessage, type: T): NdpOptionTypes[T] | undefined {
  for (const option of msg.options) if (option.type === type && 'value' in option) return option.value as NdpOptionTypes[T];
  return undefined;
}
