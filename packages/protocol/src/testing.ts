/** fast-check generators of protocol messages, for other packages' tests (never the main export). */
export { dnsMessage, dnsMessageBytes, mutatedDnsBytes } from './dns/testing.js';
export { dhcpMessage } from './dhcp/testing.js';
export type { DhcpMessageConstraints } from './dhcp/testing.js';
export { dhcp6Message } from './dhcp6/testing.js';
export type { Dhcp6MessageConstraints } from './dhcp6/testing.js';
export { DEFAULT_POOLS, garbageArb, poisonedStreamArb, validEventArb } from './events/testing.js';
export type { DraftEvent, EventPools, RawMessage, StreamMessage } from './events/testing.js';
