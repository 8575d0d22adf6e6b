/** fast-check generators of protocol messages, for other packages' tests (never the main export). */
export { dnsMailbox, dnsMessage, dnsMessageBytes, dnsMessageWithQuestion, dnsName, dnsOpt, dnsQuestion, dnsRecord, mutatedDnsBytes } from './dns/testing.js';
export { dhcpMessage, domainName, latin1, rawOption, typedOption } from './dhcp/testing.js';
export type { DhcpMessageConstraints } from './dhcp/testing.js';
export { DEFAULT_POOLS, foundationArb, garbageArb, poisonedStreamArb, validEventArb, validMessageArb, valueOf } from './events/testing.js';
export type { DraftEvent, EventPools, RawMessage, StreamMessage } from './events/testing.js';
