/**
 * The DNS cache's configuration: dnsmasq's DNS options as data. Parsing from
 * dnsmasq-syntax files and flags is in options.ts; this file holds the shape
 * and the defaults (dnsmasq 2.90's, except where the README says otherwise).
 */

/** An upstream nameserver (server=ip[#port], or a resolv-file nameserver line). */
export interface UpstreamServer {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/**
 * server=/domain/... : queries at or below `domain` go to `server`; 'local'
 * (server=/domain/) answers them only from local data, 'default' (server=/domain/#)
 * sends them to the ordinary upstreams.
 */
export interface DomainServer {
  /** Lowercased, no trailing dot. */
  readonly domain: string;
  readonly server: UpstreamServer | 'local' | 'default';
}

/** address=/domain/[ip]: the domain and every name below it answer with `ip`; no ip means NXDOMAIN. */
export interface AddressRule {
  readonly domain: string;
  /** undefined: NXDOMAIN. '#': the unspecified address (0.0.0.0 for A, :: for AAAA). */
  readonly ip: string | '#' | undefined;
}

/** host-record=name[,name...],[ipv4],[ipv6][,ttl]. */
export interface HostRecord {
  readonly names: readonly string[];
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
  readonly ttl: number | undefined;
}

export interface DnsCacheConfig {
  /** listen-address: every address gets a UDP and a TCP listener. */
  readonly listenAddresses: readonly string[];
  /** port: 53 by default; 0 turns DNS off. */
  readonly port: number;
  /** interface: listen on every address of these interfaces (and loopback, as dnsmasq does). */
  readonly interfaces: readonly string[];
  /** resolv-file: nameserver lines are upstreams; re-read when the file changes. */
  readonly resolvFiles: readonly string[];
  readonly noResolv: boolean;
  /** server=ip[#port]: upstreams for every domain, in the order given. */
  readonly servers: readonly UpstreamServer[];
  readonly domainServers: readonly DomainServer[];
  readonly strictOrder: boolean;
  readonly allServers: boolean;
  /** cache-size: entries (one per name, type and class); 0 turns the cache off. */
  readonly cacheSize: number;
  readonly noNegcache: boolean;
  /** neg-ttl: the longest a negative answer is cached, and its TTL when upstream sent no SOA. */
  readonly negTtl: number | undefined;
  readonly minCacheTtl: number;
  readonly maxCacheTtl: number | undefined;
  /** local-ttl: TTL of answers from local data. */
  readonly localTtl: number;
  readonly domain: string | undefined;
  readonly expandHosts: boolean;
  readonly addresses: readonly AddressRule[];
  readonly hostRecords: readonly HostRecord[];
  /** addn-hosts: hosts-format files. */
  readonly addnHosts: readonly string[];
  readonly domainNeeded: boolean;
  readonly bogusPriv: boolean;
  readonly localService: boolean;
  /**
   * Leasehold extension (local-network=cidr): the networks local-service
   * treats as local. Empty: loopback plus the subnets of the listen addresses.
   */
  readonly localNetworks: readonly string[];
  /** dns-forward-max: queries forwarded upstream at once; more are dropped, as in dnsmasq. */
  readonly forwardMax: number;
  /** Leasehold extension (upstream-timeout=ms): how long to wait for one upstream before trying the next. */
  readonly upstreamTimeoutMs: number;
  /**
   * edns-packet-max: the largest UDP reply sent to an EDNS0 client, whatever
   * larger size it advertises, and the size this cache advertises (dnsmasq's
   * default, 1232, as DNS Flag Day 2020 recommends). Clients without EDNS0 get 512.
   */
  readonly ednsPacketMax: number;
  /** Leasehold extension (rrl-rate=n): UDP responses per second per client /24 (IPv6 /56); 0 turns RRL off. */
  readonly rrlRate: number;
  /** Leasehold extension (rrl-slip=n): every n-th response over the rate is sent truncated (TC) instead of dropped; 0 drops all. */
  readonly rrlSlip: number;
  /** Leasehold extension (rrl-table-size=n): prefixes the rate limiter tracks at once (its memory bound). */
  readonly rrlTableSize: number;
  /** Leasehold extension (minimal-any / no-minimal-any): answer ANY over UDP with one HINFO "RFC8482" record (RFC 8482 4.2), never forwarded. */
  readonly minimalAny: boolean;
  /** log-queries: a line per query and answer, to the sink the cache was started with (query-log.ts). */
  readonly logQueries: boolean;
}

export const DEFAULT_CONFIG: DnsCacheConfig = {
  listenAddresses: [],
  port: 53,
  interfaces: [],
  resolvFiles: [],
  noResolv: false,
  servers: [],
  domainServers: [],
  strictOrder: false,
  allServers: false,
  cacheSize: 150,
  noNegcache: false,
  negTtl: undefined,
  minCacheTtl: 0,
  maxCacheTtl: undefined,
  localTtl: 0,
  domain: undefined,
  expandHosts: false,
  addresses: [],
  hostRecords: [],
  addnHosts: [],
  domainNeeded: false,
  bogusPriv: false,
  localService: false,
  localNetworks: [],
  forwardMax: 1000,
  upstreamTimeoutMs: 1500,
  ednsPacketMax: 1232,
  rrlRate: 0,
  rrlSlip: 2,
  rrlTableSize: 65_536,
  minimalAny: true,
  logQueries: false,
};

/** The default resolv-file when neither resolv-file nor no-resolv is given (dnsmasq's). */
export const DEFAULT_RESOLV_FILE = '/etc/resolv.conf';

/** A full config from defaults and the given fields. Pure. */
export function resolveConfig(partial: Partial<DnsCacheConfig> = {}): DnsCacheConfig {
  return { ...DEFAULT_CONFIG, ...partial };
}

/** The resolv-files to read: none with no-resolv, /etc/resolv.conf if none is named. Pure. */
export function effectiveResolvFiles(config: DnsCacheConfig): readonly string[] {
  if (config.noResolv) return [];
  return config.resolvFiles.length > 0 ? config.resolvFiles : [DEFAULT_RESOLV_FILE];
}
