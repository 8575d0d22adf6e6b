export { DecodeError, EnvelopeDecodeError, InvalidEventError, UnknownEventTypeError, UnsupportedEventVersionError } from './errors.js';
export { decodeEvent, decodeStoredEvent, encodeEvent, eventEnvelope, eventRegistry, flatEventEnvelope, flattenEnvelope, pack, unpack } from './envelope.js';
export type { EnvelopeIds, EventEnvelope, EventRegistry, FlatEvent } from './envelope.js';
export { EVENT_SUBJECT_PREFIX, aggregateSubject, isSubjectPattern, subjectMatches, subjectToken } from './subjects.js';
export type { AggregateKind } from './subjects.js';
export { FNV_OFFSET, fmix32, fnv1a } from './hash.js';
export { LruMap } from './limits/lru-map.js';
export { KeyedTokenBuckets, TokenBucket } from './limits/token-bucket.js';
export type { RateLimit, TokenBucketLimit } from './limits/token-bucket.js';
export {
  MAX_EVENT_TIME,
  checkEventData,
  checkStoredEvent,
  knownEventRegistry,
  leaseEventRegistry,
  networkSegment,
  pools6Problem,
  poolsProblem,
  segmentClaimTokens,
  segmentKey,
  segmentProblem,
  resourceEventRegistry,
} from './events/index.js';
export type { Infer, Optional, Schema, SchemaNode, SchemaProblem } from './events/schema.js';
export type {
  AgentEventData,
  AgentHeartbeatData,
  BindingEventData,
  BindingReason,
  Lease6BoundData,
  Lease6EventData,
  Lease6EventType,
  Lease6Holder,
  Lease6Message,
  Lease6Source,
  LeaseBoundData,
  LeaseClientRef,
  LeaseDeclinedData,
  LeaseEventData,
  LeaseExpiredData,
  LeaseReleasedData,
  LeaseRenewedData,
  NetworkScheduledData,
  NetworkUnscheduledData,
  ClaimEventData,
  ExtraDhcpOpt,
  FixedIp,
  FixedIp6,
  Ipv6Mode,
  Ipv6TextRange,
  HostRoute,
  NetworkChanges,
  NetworkEventData,
  NetworkSegment,
  NetworkState,
  NetworkType,
  PortChanges,
  PortEventData,
  PortState,
  Subnet6Changes,
  Subnet6State,
  SubnetChanges,
  SubnetState,
} from './events/index.js';
export {
  compareIpv4,
  formatIpv4,
  ipv4ToBytes,
  isIpv4,
  parseIpv4,
  readIpv4,
  tryParseIpv4,
  writeIpv4,
} from './ipv4/address.js';
export type { Ipv4 } from './ipv4/address.js';
export {
  cidr,
  cidrBroadcast,
  cidrContains,
  cidrContainsCidr,
  cidrFirstHost,
  cidrHostCount,
  cidrLastHost,
  cidrNetwork,
  cidrOverlaps,
  cidrSize,
  compareCidr,
  formatCidr,
  isNetmask,
  maskToPrefix,
  parseCidr,
  prefixToMask,
} from './ipv4/cidr.js';
export type { Ipv4Cidr, ParseCidrOptions } from './ipv4/cidr.js';
export { cidrHostRange, ipv4Range, iterateIpv4, parseIpv4Range, rangeContains, rangeSize, rangesOverlap } from './ipv4/range.js';
export type { Ipv4Range } from './ipv4/range.js';
export { InvalidCidrError, InvalidIpv4Error, InvalidPrefixError, InvalidRangeError, Ipv4Error } from './ipv4/errors.js';
export { canonicalIpv6, compareIpv6, formatIpv6, ipv6ToBytes, parseIpv6, tryParseIpv6 } from './ipv6/address.js';
export type { Ipv6 } from './ipv6/address.js';
export { formatIpv6Prefix, ipv6PrefixContains, ipv6PrefixLast, ipv6PrefixesOverlap, parseIpv6Prefix } from './ipv6/prefix.js';
export type { Ipv6Prefix } from './ipv6/prefix.js';
export { eui64Address, eui64InterfaceId } from './ipv6/eui64.js';
export { ip6ArpaName, parseIp6ArpaName } from './ipv6/reverse.js';
export { InvalidIpv6Error, InvalidIpv6PrefixError, InvalidMacError, Ipv6Error } from './ipv6/errors.js';
export { decodeDns } from './dns/decode.js';
export { dnsEncodingLength, encodeDns, encodeDnsInto } from './dns/encode.js';
export { DnsDecodeError, DnsEncodeError } from './dns/errors.js';
export { DEFAULT_DNS_DOMAIN, defaultHostname, portDnsDomain } from './dns/host-names.js';
export type { DnsDecodeErrorKind } from './dns/errors.js';
export {
  copyQuestionCase,
  dnsCacheKey,
  hasFlag,
  readDnsId,
  readFlags,
  readOpcode,
  readQuestion,
  readRcode,
  rewriteId,
  setFlag,
  setRcode,
} from './dns/question.js';
export type { DnsQuestionView } from './dns/question.js';
export { minTtl, rewriteTtls } from './dns/ttl.js';
export type { DnsSection, TtlChange } from './dns/ttl.js';
export { DnsClass, DnsFlag, DnsRcode, DnsType } from './dns/types.js';
export type { DnsMessage, DnsOption, DnsOptRecord, DnsQuestion, DnsRecord, DnsSoa } from './dns/types.js';
export {
  BootOp,
  DHCP_FLAG_BROADCAST,
  DhcpMessageType,
  DhcpOptionCode,
} from './dhcp/constants.js';
export { decodeDhcp } from './dhcp/decode.js';
export { dhcpEncodingLength, encodeDhcp } from './dhcp/encode.js';
export type { DhcpEncodeOptions } from './dhcp/encode.js';
export {
  DhcpDecodeError,
  DhcpDomainNameError,
  DhcpEncodeError,
  DhcpHeaderError,
  DhcpMagicCookieError,
  DhcpOptionOverrunError,
  DhcpOptionValueError,
  DhcpOverloadError,
  DhcpTruncatedError,
} from './dhcp/errors.js';
export { findOption, getOption, getRawOption, isBroadcast, messageType, withOption, withoutOption } from './dhcp/message.js';
export { checkDhcpOption } from './dhcp/options/check.js';
export type { DhcpOptionAccepted, DhcpOptionCheck, DhcpOptionRefused, DhcpTagTest } from './dhcp/options/check.js';
export { encodeClasslessRoutes } from './dhcp/options/encode-value.js';
export type { DhcpOptionTextContext } from './dhcp/options/encode-value.js';
export { dhcpOptionCode } from './dhcp/options/table.js';
export { dhcpOptionBytes } from './dhcp/option-values.js';
export type {
  ClasslessRoute,
  ClientFqdn,
  DhcpMessage,
  DhcpOption,
  DhcpOptionArea,
  DhcpOptionTypes,
  KnownOptionCode,
  RawDhcpOption,
  RelayAgentSubOption,
  TypedDhcpOption,
} from './dhcp/message.js';
export { compressDns } from './dns/compress.js';
export { Dhcp6MessageType, Dhcp6StatusCode } from './dhcp6/constants.js';
export { decodeDhcp6 } from './dhcp6/decode.js';
export { dhcp6DuidKey } from './dhcp6/duid.js';
export { encodeDhcp6 } from './dhcp6/encode.js';
export { Dhcp6DecodeError } from './dhcp6/errors.js';
export { getDhcp6Option, getDhcp6Options, isDhcp6Relay } from './dhcp6/message.js';
export type {
  Dhcp6ClientServerMessage,
  Dhcp6Duid,
  Dhcp6IaNa,
  Dhcp6Message,
  Dhcp6Option,
  Dhcp6RelayMessage,
} from './dhcp6/message.js';
export { decodeNdp } from './ndp/decode.js';
export { encodeNdp } from './ndp/encode.js';
export { NdpDecodeError } from './ndp/errors.js';
export { NdpType } from './ndp/message.js';
export type { NdpMessage, NdpOption, NdpRouterAdvertisement } from './ndp/message.js';
export { PcapDecodeError, PcapLinkTypeError } from './pcap/errors.js';
export type { PcapTimestamp } from './pcap/pcap-file.js';
export { readPcap } from './pcap/read-pcap.js';
export type { PcapRecord, ReadPcapOptions } from './pcap/read-pcap.js';
export { decodeTftp, encodeTftp, tftpEncodingLength } from './tftp/codec.js';
export type { TftpEncodeOptions } from './tftp/codec.js';
export { TftpDecodeError, TftpEncodeError } from './tftp/errors.js';
export { negotiateTftpOptions, TFTP_MAX_BLOCK_SIZE } from './tftp/options.js';
export type { TftpNegotiated } from './tftp/options.js';
export { TftpErrorCode } from './tftp/packet.js';
export type { TftpOption, TftpPacket } from './tftp/packet.js';
