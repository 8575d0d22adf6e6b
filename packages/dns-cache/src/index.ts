export { startDnsCache } from './server.js';
export type { DnsCacheHandle, DnsCacheStartOptions } from './server.js';
export { DEFAULT_CONFIG } from './config.js';
export type { AddressRule, DnsCacheConfig, DomainServer, HostRecord, UpstreamServer } from './config.js';
export { applyItems, loadDnsConfig, parseConfigText, parseDnsArgs, OPTIONS } from './options.js';
export type { ConfigItem, DnsArgs } from './options.js';
export type { LocalRecordsInput, LocalView } from './local.js';
export type { DnsCacheStats } from './stats.js';
export { ConfigError, DnsCacheError, ListenError } from './errors.js';
