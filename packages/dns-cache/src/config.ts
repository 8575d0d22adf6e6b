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
  /** server=tls://ip[#port]: DNS over TLS (RFC 7858, tls-upstream.ts), port 853 unless given. */
  readonly tls?: boolean;
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

/** cname=alias[,alias...],target[,ttl]: each alias answers with a CNAME to target, then target's local records. */
export interface CnameRecord {
  readonly aliases: readonly string[];
  readonly target: string;
  readonly ttl: number | undefined;
}

/**
 * A record given whole in the config (mx-host, srv-host, txt-record,
 * ptr-record, caa-record, naptr-record, dns-rr): answered for its name when
 * the question's type is its type (or ANY); other types of the name are
 * forwarded, as dnsmasq does. Names canonical.
 */
export type ConfigRecord =
  | { readonly name: string; readonly type: 'MX'; readonly data: { readonly preference: number; readonly exchange: string | undefined } }
  | { readonly name: string; readonly type: 'SRV'; readonly data: { readonly priority: number; readonly weight: number; readonly port: number; readonly target: string } }
  | { readonly name: string; readonly type: 'TXT'; readonly data: readonly string[] }
  | { readonly name: string; readonly type: 'PTR'; readonly data: string }
  /** caa-record, naptr-record and dns-rr: the rdata bytes as they go on the wire. */
  | { readonly name: string; readonly type: 'UNKNOWN'; readonly code: number; readonly data: Uint8Array };

/**
 * synth-domain=domain,range[,prefix[*]]: names of the form
 * prefix + address-with-dashes (or prefix + index with '*') under `domain`
 * answer A/AAAA, and the range's addresses answer PTR with them (synth.ts).
 */
export interface SynthDomain {
  /** Canonical. */
  readonly domain: string;
  readonly family: 4 | 6;
  /** The first and last address of the range, as text. */
  readonly start: string;
  readonly end: string;
  /** The /len of an IPv6 range given as a prefix (dnsmasq matches below /64 by the prefix alone). */
  readonly prefixLength: number | undefined;
  /** The label's start, lowercased; '' when none was given. */
  readonly prefix: string;
  /** A prefix ending in '*': names carry the address's index in the range, not the address. */
  readonly indexed: boolean;
}

/** alias=old-ip[-end-ip],new-ip[,mask]: upstream A records in the old range are rewritten (alias.ts). */
export interface AliasRule {
  readonly start: string;
  /** The range's last address (old-ip-end-ip form); undefined: every address in old-ip's masked network. */
  readonly end: string | undefined;
  readonly to: string;
  readonly mask: string;
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
  /** addn-hosts: hosts-format files, or directories whose files are all read (hostsdir too). */
  readonly addnHosts: readonly string[];
  /** no-hosts: /etc/hosts is not read (dnsmasq reads it by default). */
  readonly noHosts: boolean;
  readonly cnames: readonly CnameRecord[];
  readonly records: readonly ConfigRecord[];
  /** mx-target: the exchange of mx-host lines that name none (this host's name if unset, as dnsmasq). */
  readonly mxTarget: string | undefined;
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
  /**
   * use-stale-cache[=s]: an expired answer is sent at once (TTL 0) while a
   * refresh is asked upstream, if it expired at most `s` seconds ago (0: any
   * age; dnsmasq's default a day). undefined: off.
   */
  readonly useStaleCache: number | undefined;
  /**
   * Leasehold extension, CoreDNS's `serve_stale` in its verify mode (RFC
   * 8767): serve-stale[=s]: when every upstream fails for a question, an answer
   * that expired at most `s` seconds ago (an hour if not given) is sent with
   * TTL 30 instead of SERVFAIL. undefined: off.
   */
  readonly serveStale: number | undefined;
  /**
   * Leasehold extension, CoreDNS's cache `prefetch` (with AMOUNT 1):
   * prefetch[=percentage]: a hit in the last `percentage` % of an entry's TTL
   * (10 if not given) refreshes it upstream in the background, so a name asked
   * for steadily never expires. undefined: off.
   */
  readonly prefetch: number | undefined;
  /** stop-dns-rebind: upstream A/AAAA answers with private addresses (dnsmasq's list) become empty NOERROR answers. */
  readonly stopDnsRebind: boolean;
  /** rebind-localhost-ok: 127.0.0.0/8, 0.0.0.0/8, ::1 and :: pass the rebind check. */
  readonly rebindLocalhostOk: boolean;
  /** rebind-domain-ok: answers for these domains (and below) are not checked. Canonical. */
  readonly rebindDomainOk: readonly string[];
  /** bogus-nxdomain=ip[/prefix]: an upstream answer holding such an address becomes NXDOMAIN. */
  readonly bogusNxdomain: readonly string[];
  /** Leasehold extension (minimal-any / no-minimal-any): answer ANY over UDP with one HINFO "RFC8482" record (RFC 8482 4.2), never forwarded. */
  readonly minimalAny: boolean;
  /** log-queries: a line per query and answer, to the sink the cache was started with (query-log.ts). */
  readonly logQueries: boolean;
  /** filterwin2k: SOA and SRV questions, and ANY questions for names with '_', are answered NOERROR with no records instead of forwarded. */
  readonly filterwin2k: boolean;
  readonly synthDomains: readonly SynthDomain[];
  /** In the order given; the last matching line wins, as in dnsmasq. */
  readonly aliases: readonly AliasRule[];
  /**
   * Leasehold extension, CoreDNS forward's `health_check` (health.ts):
   * health-check[=ms]: an upstream that failed max-fails questions in a row is
   * skipped and probed every `ms` (500 when bare; doubling to 30 s) until it
   * answers. undefined: off (failover stays passive, per question).
   */
  readonly healthCheckMs: number | undefined;
  /** Leasehold extension, CoreDNS forward's `max_fails` (max-fails=n): failures in a row that mark an upstream down. */
  readonly maxFails: number;
  /** dns-loop-detect: a TXT probe to each default upstream; one whose probe comes back to this cache is not used (loop-detect.ts). */
  readonly dnsLoopDetect: boolean;
  /** clear-on-reload: a resolv-file read again (changed, or on SIGHUP) empties the answer cache, as in dnsmasq. */
  readonly clearOnReload: boolean;
  /** tls-servername (CoreDNS forward's tls_servername): the name tls:// upstreams' certificates must carry; unset: their address. */
  readonly tlsServername: string | undefined;
  /** tls-ca: a PEM file of the CAs tls:// upstreams' certificates must chain to; unset: Node's default CAs. */
  readonly tlsCa: string | undefined;
  /** dnssec: upstream answers are validated from the trust anchors down (dnssec/): AD on secure ones, SERVFAIL on bogus ones. */
  readonly dnssec: boolean;
  readonly trustAnchors: readonly TrustAnchor[];
  /** dnssec-check-unsigned (dnsmasq 2.80+'s default, `=no` turns it off): an unsigned answer needs proof that its zone is unsigned. */
  readonly dnssecCheckUnsigned: boolean;
  /** dnssec-no-timecheck: signatures are not checked against their validity window. */
  readonly dnssecNoTimecheck: boolean;
}

/** trust-anchor=domain,key-tag,algorithm,digest-type,digest: a DS record the chain of trust starts from (RFC 4034 5). */
export interface TrustAnchor {
  /** Lowercased, no trailing dot; "" is the root. */
  readonly domain: string;
  readonly keyTag: number;
  readonly algorithm: number;
  readonly digestType: number;
  /** Lowercase hex. */
  readonly digest: string;
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
  noHosts: false,
  cnames: [],
  records: [],
  mxTarget: undefined,
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
  prefetch: undefined,
  stopDnsRebind: false,
  rebindLocalhostOk: false,
  rebindDomainOk: [],
  bogusNxdomain: [],
  useStaleCache: undefined,
  serveStale: undefined,
  logQueries: false,
  filterwin2k: false,
  synthDomains: [],
  aliases: [],
  dnsLoopDetect: false,
  clearOnReload: false,
  tlsServername: undefined,
  tlsCa: undefined,
  healthCheckMs: undefined,
  maxFails: 2,
  dnssec: false,
  trustAnchors: [],
  dnssecCheckUnsigned: true,
  dnssecNoTimecheck: false,
};

/** The default resolv-file when neither resolv-file nor no-resolv is given (dnsmasq's). */
export const DEFAULT_RESOLV_FILE = '/etc/resolv.conf';

/** The hosts file read unless no-hosts (dnsmasq's). */
const SYSTEM_HOSTS_FILE = '/etc/hosts';

/** The hosts files and directories to read: /etc/hosts unless no-hosts, then addn-hosts. Pure. */
export function effectiveHostsFiles(config: DnsCacheConfig): readonly string[] {
  return config.noHosts ? config.addnHosts : [SYSTEM_HOSTS_FILE, ...config.addnHosts];
}

/** A full config from defaults and the given fields. Pure. */
export function resolveConfig(partial: Partial<DnsCacheConfig> = {}): DnsCacheConfig {
  return { ...DEFAULT_CONFIG, ...partial };
}

/** The resolv-files to read: none with no-resolv, /etc/resolv.conf if none is named. Pure. */
export function effectiveResolvFiles(config: DnsCacheConfig): readonly string[] {
  if (config.noResolv) return [];
  return config.resolvFiles.length > 0 ? config.resolvFiles : [DEFAULT_RESOLV_FILE];
}
