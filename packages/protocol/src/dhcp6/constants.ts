/**
 * DHCPv6 numbers (RFC 8415 section 7 and IANA's "Dynamic Host Configuration
 * Protocol for IPv6 (DHCPv6)" registry): message types, the option codes the
 * codec types, status codes and DUID types.
 */

/** msg-type values of RFC 8415 section 7.3. Other values decode too (client/server layout) and keep their number. */
export const Dhcp6MessageType = {
  Solicit: 1,
  Advertise: 2,
  Request: 3,
  Confirm: 4,
  Renew: 5,
  Rebind: 6,
  Reply: 7,
  Release: 8,
  Decline: 9,
  Reconfigure: 10,
  InformationRequest: 11,
  RelayForw: 12,
  RelayRepl: 13,
} as const;

/** Option codes the codec gives typed values (RFC 8415 section 21, RFC 3646, RFC 6939). Every other code stays raw. */
export const Dhcp6OptionCode = {
  ClientId: 1,
  ServerId: 2,
  IaNa: 3,
  IaTa: 4,
  IaAddr: 5,
  Oro: 6,
  Preference: 7,
  ElapsedTime: 8,
  RelayMsg: 9,
  StatusCode: 13,
  RapidCommit: 14,
  UserClass: 15,
  VendorClass: 16,
  InterfaceId: 18,
  ReconfAccept: 20,
  DnsServers: 23,
  DomainList: 24,
  InformationRefreshTime: 32,
  SolMaxRt: 82,
  /** RFC 6939: a relay's copy of the client's link-layer address. */
  ClientLinkLayerAddr: 79,
} as const;

/** Status codes of RFC 8415 section 21.13 (and the registry's 6, NoPrefixAvail). */
export const Dhcp6StatusCode = {
  Success: 0,
  UnspecFail: 1,
  NoAddrsAvail: 2,
  NoBinding: 3,
  NotOnLink: 4,
  UseMulticast: 5,
  NoPrefixAvail: 6,
} as const;

/** DUID types of RFC 8415 section 11.1 (DUID-UUID from RFC 6355). */
export const Dhcp6DuidType = {
  LinkLayerPlusTime: 1,
  Enterprise: 2,
  LinkLayer: 3,
  Uuid: 4,
} as const;

/**
 * RFC 8415 section 7.6 HOP_COUNT_LIMIT: a relay discards a RELAY-FORW whose hop
 * count has reached it, so no legitimate message wraps more relay layers
 * than this. The decoder refuses deeper nesting.
 */
export const DHCP6_HOP_COUNT_LIMIT = 32;

/** Options inside options (IA_NA → IAADDR → STATUS_CODE is 3 deep): anything past this is refused. */
export const DHCP6_MAX_OPTION_DEPTH = 8;

/** msg-type (1) + transaction-id (3). */
export const DHCP6_HEADER_SIZE = 4;
/** msg-type (1) + hop-count (1) + link-address (16) + peer-address (16). */
export const DHCP6_RELAY_HEADER_SIZE = 34;
/** An option's code (2) and length (2). */
export const DHCP6_OPTION_HEADER_SIZE = 4;
