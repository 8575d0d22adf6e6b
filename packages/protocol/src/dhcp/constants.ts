/** Numbers from RFC 951, RFC 2131, RFC 2132 and the option RFCs. */

/** BOOTP op field (RFC 951). */
export const BootOp = { Request: 1, Reply: 2 } as const;
export type BootOp = (typeof BootOp)[keyof typeof BootOp];

/** Option 53 values: RFC 2132 section 9.6, RFC 3203 (FORCERENEW) and RFC 4388 (lease query). */
export const DhcpMessageType = {
  Discover: 1,
  Offer: 2,
  Request: 3,
  Decline: 4,
  Ack: 5,
  Nak: 6,
  Release: 7,
  Inform: 8,
  ForceRenew: 9,
  LeaseQuery: 10,
  LeaseUnassigned: 11,
  LeaseUnknown: 12,
  LeaseActive: 13,
} as const;
export type DhcpMessageType = (typeof DhcpMessageType)[keyof typeof DhcpMessageType];

/** Option codes the codec gives typed values (plus pad, overload and end). */
export const DhcpOptionCode = {
  Pad: 0,
  SubnetMask: 1,
  Routers: 3,
  DomainNameServers: 6,
  HostName: 12,
  DomainName: 15,
  InterfaceMtu: 26,
  BroadcastAddress: 28,
  NtpServers: 42,
  RequestedIpAddress: 50,
  LeaseTime: 51,
  Overload: 52,
  MessageType: 53,
  ServerIdentifier: 54,
  ParameterRequestList: 55,
  MaxMessageSize: 57,
  RenewalTime: 58,
  RebindingTime: 59,
  VendorClassIdentifier: 60,
  ClientIdentifier: 61,
  TftpServerName: 66,
  BootfileName: 67,
  ClientFqdn: 81,
  RelayAgentInformation: 82,
  DomainSearch: 119,
  ClasslessStaticRoutes: 121,
  End: 255,
} as const;
export type DhcpOptionCode = (typeof DhcpOptionCode)[keyof typeof DhcpOptionCode];

/** Option 52 values (RFC 2132 section 9.3): which header fields carry options. */
export const DhcpOverload = { File: 1, Sname: 2, Both: 3 } as const;
export type DhcpOverload = (typeof DhcpOverload)[keyof typeof DhcpOverload];

/** The broadcast bit of the flags field (RFC 2131 section 2, figure 2). */
export const DHCP_FLAG_BROADCAST = 0x8000;

/** RFC 2131 section 3: the first four bytes of the options field, 99.130.83.99. */
export const DHCP_MAGIC_COOKIE = 0x63825363;

/** Byte offsets of the fixed header (RFC 2131 figure 1). */
export const HeaderOffset = {
  op: 0,
  htype: 1,
  hlen: 2,
  hops: 3,
  xid: 4,
  secs: 8,
  flags: 10,
  ciaddr: 12,
  yiaddr: 16,
  siaddr: 20,
  giaddr: 24,
  chaddr: 28,
  sname: 44,
  file: 108,
  cookie: 236,
  options: 240,
} as const;

export const CHADDR_SIZE = 16;
export const SNAME_SIZE = 64;
export const FILE_SIZE = 128;
/** Fixed header plus magic cookie: the smallest datagram that is a DHCP message. */
export const DHCP_HEADER_SIZE = 240;
/** RFC 951 / RFC 1542 section 2.1: a BOOTP message is at least 300 bytes; relays may drop shorter ones. */
export const BOOTP_MIN_SIZE = 300;
/** RFC 2131 section 2 / RFC 2132 section 9.10: every client accepts 576-byte IP datagrams, so option 57 is at least 576. */
export const DHCP_MIN_MAX_MESSAGE_SIZE = 576;
