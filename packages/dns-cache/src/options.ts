/**
 * dnsmasq-syntax configuration: `name=value` lines, bare flags and '#'
 * comments in a file, or the same names as `--name value` / `--name=value`
 * flags. Each option keeps dnsmasq's name and meaning (dnsmasq(8), 2.90);
 * the first bad line throws a ConfigError with its file, line and option.
 */
import { parseCidr } from '@leasehold/protocol';
import { DEFAULT_CONFIG, type AddressRule, type DnsCacheConfig, type DomainServer, type HostRecord, type UpstreamServer } from './config.js';
import { parseAddressBlock } from './answer-policy.js';
import { parseAlias } from './alias.js';
import { ConfigError } from './errors.js';
import { canonicalName, isIPv4, isIPv6, isValidName } from './names.js';
import { reverseZones } from './rev-server.js';
import { parseSynthDomain } from './synth.js';
import { parseTrustAnchor } from './dnssec/anchors.js';
import { parseCaaRecord, parseCname, parseDnsRr, parseMxHost, parseNaptrRecord, parsePtrRecord, parseSrvHost, parseTxtRecord, type Bad } from './record-options.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer E)[] ? E[] : T[K] };
type Builder = Mutable<DnsCacheConfig>;

/** Where a value came from, for errors. */
interface Where {
  readonly file: string;
  readonly line: number;
  readonly option: string;
}

interface OptionSpec {
  /** Whether the option takes a value (flags take none); 'optional' as getopt's optional arguments (`--name=value` only on the command line). */
  readonly value: boolean | 'optional';
  readonly apply: (config: Builder, value: string, where: Where) => void;
}

const fail = (reason: string, where: Where): never => {
  throw new ConfigError(reason, where.file, where.line, where.option);
};

function integer(text: string, where: Where, max = 0x7fffffff): number {
  if (!/^\d+$/.test(text)) fail('bad number', where);
  const n = Number(text);
  if (n > max) fail(`number over ${max}`, where);
  return n;
}

function address(text: string, where: Where): { address: string; family: 4 | 6 } {
  if (isIPv4(text)) return { address: text, family: 4 };
  if (isIPv6(text)) return { address: text, family: 6 };
  return fail('bad address', where);
}

function upstream(text: string, where: Where): UpstreamServer {
  // DNS over TLS, as CoreDNS's forward writes it (tls://ip); dnsmasq has no TLS form. Port 853 (RFC 7858) unless given.
  const tls = text.startsWith('tls://');
  if (tls) text = text.slice('tls://'.length);
  // dnsmasq writes the port after '#', so IPv6 addresses need no brackets; a source part ("@eth0") is not supported.
  if (text.includes('@')) fail('bad address (source address or interface not supported)', where);
  const hash = text.lastIndexOf('#');
  const host = hash < 0 ? text : text.slice(0, hash);
  const port = hash < 0 ? (tls ? 853 : 53) : integer(text.slice(hash + 1), where, 65535);
  if (port === 0) fail('bad port', where);
  return tls ? { ...address(host, where), port, tls } : { ...address(host, where), port };
}

function name(text: string, where: Where, what = 'bad name'): string {
  if (!isValidName(text)) fail(what, where);
  return canonicalName(text);
}

/** Splits "/a/b/rest" into (["a","b"], "rest"); undefined if the value does not start with '/'. */
function domains(value: string, where: Where): { domains: string[]; rest: string } | undefined {
  if (!value.startsWith('/')) return undefined;
  const end = value.lastIndexOf('/');
  if (end === 0) fail('missing /', where);
  const list = value.slice(1, end).split('/').map((d) => (d === '' || d === '#' ? '' : name(d, where, 'bad domain')));
  return { domains: list, rest: value.slice(end + 1) };
}

function server(config: Builder, value: string, where: Where): void {
  // server=/domain/tls://ip: the domains end at the slash before tls://, not at the last slash.
  const tlsAt = value.indexOf('/tls://');
  const parts = tlsAt < 0 ? domains(value, where) : { ...domains(value.slice(0, tlsAt + 1), where)!, rest: value.slice(tlsAt + 1) };
  if (!parts) {
    if (value === '') fail('missing server address', where);
    config.servers.push(upstream(value, where));
    return;
  }
  const target: DomainServer['server'] = parts.rest === '' ? 'local' : parts.rest === '#' ? 'default' : upstream(parts.rest, where);
  for (const domain of parts.domains) config.domainServers.push({ domain, server: target });
}

function addressRule(config: Builder, value: string, where: Where): void {
  const parts = domains(value, where) ?? fail('bad address rule (expected /domain/[ip])', where);
  const ip = parts.rest === '' ? undefined : parts.rest === '#' ? '#' : address(parts.rest, where).address;
  for (const domain of parts.domains) config.addresses.push({ domain, ip } satisfies AddressRule);
}

function hostRecord(config: Builder, value: string, where: Where): void {
  const fields = value.split(',').map((f) => f.trim());
  const record: Mutable<HostRecord> = { names: [], ipv4: [], ipv6: [], ttl: undefined };
  fields.forEach((field, i) => {
    if (isIPv4(field)) record.ipv4.push(field);
    else if (isIPv6(field)) record.ipv6.push(field);
    else if (/^\d+$/.test(field) && i === fields.length - 1 && record.names.length > 0) record.ttl = integer(field, where);
    else if (record.ipv4.length + record.ipv6.length > 0) fail('bad address', where);
    else record.names.push(name(field, where));
  });
  if (record.names.length === 0) fail('missing name', where);
  if (record.ipv4.length + record.ipv6.length === 0) fail('missing address', where);
  config.hostRecords.push(record);
}

/** A config record option: its parser's result appended to config.records. */
const record = (parse: (value: string, bad: Bad) => DnsCacheConfig['records'][number]): OptionSpec =>
  valued((c, v, w) => c.records.push(parse(v, (reason) => fail(reason, w))));

const flag = (set: (config: Builder) => void): OptionSpec => ({ value: false, apply: (config) => set(config) });
const valued = (apply: OptionSpec['apply']): OptionSpec => ({ value: true, apply });
const ignored: OptionSpec = { value: false, apply: () => {} };
const ignoredValue: OptionSpec = { value: true, apply: () => {} };

/** Every option this cache understands, by dnsmasq's long name. */
export const OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'listen-address': valued((c, v, w) => v.split(',').forEach((a) => c.listenAddresses.push(address(a.trim(), w).address))),
  port: valued((c, v, w) => (c.port = integer(v, w, 65535))),
  interface: valued((c, v, w) => v.split(',').forEach((i) => c.interfaces.push(/^[\w.:-]+$/.test(i) ? i : fail('bad interface name', w)))),
  'resolv-file': valued((c, v, w) => c.resolvFiles.push(v || fail('missing file name', w))),
  'no-resolv': flag((c) => (c.noResolv = true)),
  server: valued(server),
  // dnsmasq(8): "local is a synonym for server to make configuration files clearer" (local=/lan/).
  local: valued(server),
  // rev-server=ip[/len][,server]: server=/<reverse zone>/server for each zone the prefix covers; no server: address=/zone/ (NXDOMAIN).
  'rev-server': valued((c, v, w) => {
    const comma = v.indexOf(',');
    const prefix = comma < 0 ? v : v.slice(0, comma);
    const serverText = comma < 0 ? undefined : v.slice(comma + 1).trim();
    const zones = reverseZones(prefix.trim(), (reason) => fail(reason, w));
    const target = serverText === undefined || serverText === '' ? undefined : upstream(serverText, w);
    for (const domain of zones) {
      if (target === undefined) c.addresses.push({ domain, ip: undefined });
      else c.domainServers.push({ domain, server: target });
    }
  }),
  'strict-order': flag((c) => (c.strictOrder = true)),
  'all-servers': flag((c) => (c.allServers = true)),
  'cache-size': valued((c, v, w) => (c.cacheSize = integer(v, w, 10_000_000))),
  'no-negcache': flag((c) => (c.noNegcache = true)),
  'neg-ttl': valued((c, v, w) => (c.negTtl = integer(v, w))),
  // dnsmasq caps min-cache-ttl at one hour: longer would keep stale data in front of clients.
  'min-cache-ttl': valued((c, v, w) => (c.minCacheTtl = Math.min(integer(v, w), 3600))),
  'max-cache-ttl': valued((c, v, w) => (c.maxCacheTtl = integer(v, w))),
  'local-ttl': valued((c, v, w) => (c.localTtl = integer(v, w))),
  domain: valued((c, v, w) => (c.domain = name(v.split(',')[0] ?? '', w, 'bad domain'))),
  'expand-hosts': flag((c) => (c.expandHosts = true)),
  address: valued(addressRule),
  'host-record': valued(hostRecord),
  'addn-hosts': valued((c, v, w) => c.addnHosts.push(v || fail('missing file name', w))),
  // hostsdir: dnsmasq watches the directory with inotify; here it is polled like addn-hosts, which takes directories too.
  hostsdir: valued((c, v, w) => c.addnHosts.push(v || fail('missing directory name', w))),
  'no-hosts': flag((c) => (c.noHosts = true)),
  cname: valued((c, v, w) => {
    const cname = parseCname(v, (reason) => fail(reason, w));
    // dnsmasq 2.90: an alias named twice, here or by an earlier cname line, is "duplicate CNAME".
    const taken = new Set(c.cnames.flatMap((earlier) => earlier.aliases));
    for (const alias of cname.aliases) {
      if (taken.has(alias)) fail('duplicate CNAME', w);
      taken.add(alias);
    }
    c.cnames.push(cname);
  }),
  'mx-host': record(parseMxHost),
  'mx-target': valued((c, v, w) => (c.mxTarget = name(v, w))),
  'srv-host': record(parseSrvHost),
  'txt-record': record(parseTxtRecord),
  'ptr-record': record(parsePtrRecord),
  'caa-record': record(parseCaaRecord),
  'naptr-record': record(parseNaptrRecord),
  'dns-rr': record(parseDnsRr),
  'domain-needed': flag((c) => (c.domainNeeded = true)),
  'bogus-priv': flag((c) => (c.bogusPriv = true)),
  'local-service': flag((c) => (c.localService = true)),
  'dns-forward-max': valued((c, v, w) => (c.forwardMax = Math.max(1, integer(v, w, 1_000_000)))),
  'local-network': valued((c, v, w) => {
    try {
      parseCidr(v);
    } catch {
      fail('bad network (expected a.b.c.d/len)', w);
    }
    c.localNetworks.push(v);
  }),
  'upstream-timeout': valued((c, v, w) => (c.upstreamTimeoutMs = Math.max(1, integer(v, w, 600_000)))),
  // RFC 6891 6.2.5: below 512 is treated as 512; dnsmasq caps it at 65535 too.
  'edns-packet-max': valued((c, v, w) => (c.ednsPacketMax = Math.max(512, integer(v, w, 65535)))),
  'rrl-rate': valued((c, v, w) => (c.rrlRate = integer(v, w, 10_000_000))),
  'rrl-slip': valued((c, v, w) => (c.rrlSlip = integer(v, w, 10))),
  'rrl-table-size': valued((c, v, w) => (c.rrlTableSize = Math.max(64, integer(v, w, 16_777_216)))),
  // dnsmasq: at most a day past expiry unless given; 0 means any age.
  'use-stale-cache': {
    value: 'optional',
    apply: (c, v, w) => (c.useStaleCache = v === '' ? 86_400 : integer(v, w)),
  },
  // CoreDNS serve_stale: an hour unless given. RFC 8767 5 suggests 1 to 3 days as the upper bound.
  'serve-stale': {
    value: 'optional',
    apply: (c, v, w) => (c.serveStale = v === '' ? 3600 : Math.max(1, integer(v, w, 7 * 86_400))),
  },
  // CoreDNS prefetch's PERCENTAGE: 10 unless given.
  prefetch: {
    value: 'optional',
    apply: (c, v, w) => (c.prefetch = v === '' ? 10 : Math.max(1, integer(v.replace(/%$/, ''), w, 99))),
  },
  'stop-dns-rebind': flag((c) => (c.stopDnsRebind = true)),
  'rebind-localhost-ok': flag((c) => (c.rebindLocalhostOk = true)),
  // rebind-domain-ok=[/<domain>/[domain/]|<domain>]
  'rebind-domain-ok': valued((c, v, w) => {
    const list = domains(v, w)?.domains ?? [name(v, w, 'bad domain')];
    c.rebindDomainOk.push(...list);
  }),
  'bogus-nxdomain': valued((c, v, w) => c.bogusNxdomain.push(parseAddressBlock(v) ? v : fail('bad address', w))),
  filterwin2k: flag((c) => (c.filterwin2k = true)),
  'synth-domain': valued((c, v, w) => c.synthDomains.push(parseSynthDomain(v, (reason) => fail(reason, w)))),
  alias: valued((c, v, w) => c.aliases.push(parseAlias(v, (reason) => fail(reason, w)))),
  'dns-loop-detect': flag((c) => (c.dnsLoopDetect = true)),
  // DNSSEC validation (dnssec/). dnsmasq 2.80+ checks unsigned answers by default: `=no` turns it off, bare restates it.
  dnssec: flag((c) => (c.dnssec = true)),
  'trust-anchor': valued((c, v, w) => c.trustAnchors.push(parseTrustAnchor(v, (reason) => fail(reason, w)))),
  'dnssec-check-unsigned': {
    value: 'optional',
    apply: (c, v, w) => (c.dnssecCheckUnsigned = v === '' ? true : v === 'no' ? false : fail('bad value for dnssec-check-unsigned', w)),
  },
  'dnssec-no-timecheck': flag((c) => (c.dnssecNoTimecheck = true)),
  // DNS over TLS upstreams (server=tls://ip): CoreDNS forward's tls_servername, and the CAs to trust (CoreDNS's tls CA).
  'tls-servername': valued((c, v, w) => (c.tlsServername = name(v, w))),
  'tls-ca': valued((c, v, w) => (c.tlsCa = v || fail('missing file name', w))),
  // CoreDNS forward's health_check (0.5 s unless given) and max_fails (2).
  'health-check': {
    value: 'optional',
    apply: (c, v, w) => (c.healthCheckMs = v === '' ? 500 : Math.max(10, integer(v, w, 600_000))),
  },
  'max-fails': valued((c, v, w) => (c.maxFails = Math.max(1, integer(v, w, 1000)))),
  'minimal-any': flag((c) => (c.minimalAny = true)),
  'no-minimal-any': flag((c) => (c.minimalAny = false)),
  // log-queries: lines go where `leasehold dns` or the agent sends them (query-log.ts).
  'log-queries': { value: false, apply: (c) => (c.logQueries = true) },
  // dnsmasq options with no meaning for this cache (logging, daemon control, DHCP, which the agent does).
  'bind-interfaces': ignored,
  'bind-dynamic': ignored,
  'keep-in-foreground': ignored,
  'no-daemon': ignored,
  'log-dhcp': ignored,
  'log-facility': ignoredValue,
  // log-async[=lines]: dnsmasq's log queue; log-queries lines here are rate-limited and never block answering (query-log.ts).
  'log-async': { value: 'optional', apply: () => {} },
  'pid-file': ignoredValue,
  user: ignoredValue,
  group: ignoredValue,
  // NetworkManager starts dnsmasq with these. No D-Bus interface here; forwarded answers keep upstream's AD bit as sent.
  'enable-dbus': { value: 'optional', apply: () => {} },
  'proxy-dnssec': ignored,
  // clear-on-reload: a resolv-file read again (changed, or on SIGHUP) empties the answer cache, as dnsmasq does with it.
  'clear-on-reload': { value: false, apply: (c) => (c.clearOnReload = true) },
};

/**
 * Options dnsmasq 2.90 takes once (its ARG_ONE): a second one in the config
 * files is "illegal repeated keyword", a second flag "illegal repeated flag";
 * a flag overrides the files' value, as the command line comes last.
 */
const ONCE: ReadonlySet<string> = new Set([
  'port', 'cache-size', 'neg-ttl', 'min-cache-ttl', 'max-cache-ttl', 'local-ttl', 'mx-target', 'local-service', 'dns-forward-max',
  'edns-packet-max', 'use-stale-cache', 'log-facility', 'log-async', 'pid-file', 'user', 'group', 'enable-dbus',
]);

/** One `name[=value]` item, from a file line or a flag. */
export interface ConfigItem {
  readonly name: string;
  readonly value: string | undefined;
  readonly file: string;
  readonly line: number;
}

/** Applies items in order onto a config (defaults if none). Pure; throws ConfigError on the first bad item. */
export function applyItems(items: Iterable<ConfigItem>, base: DnsCacheConfig = DEFAULT_CONFIG): DnsCacheConfig {
  const config = structuredClone(base) as Builder;
  const given = new Set<string>();
  for (const item of items) {
    const where = { file: item.file, line: item.line, option: item.name };
    if (ONCE.has(item.name)) {
      const from = `${item.file === 'command line' ? 'flag' : 'file'} ${item.name}`;
      if (given.has(from)) fail(item.file === 'command line' ? 'illegal repeated flag' : 'illegal repeated keyword', where);
      given.add(from);
    }
    // DHCP and TFTP options belong to the agent's servers; a shared dnsmasq.conf may hold them.
    if (item.name.startsWith('dhcp-') || item.name === 'enable-tftp' || item.name.startsWith('tftp-')) continue;
    const spec = OPTIONS[item.name] ?? fail('bad option', where);
    if (spec.value === true && item.value === undefined) fail('missing parameter', where);
    if (!spec.value && item.value !== undefined) fail('extraneous parameter', where);
    spec.apply(config, (item.value ?? '').trim(), where);
  }
  return config;
}

/** The items of a dnsmasq-syntax config text: blank lines and '#' comments skipped. Pure. */
export function parseConfigText(text: string, file: string): ConfigItem[] {
  const items: ConfigItem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    // As in dnsmasq, '#' starts a comment only at the start of a line or after white space (server=198.18.255.4#53 keeps it).
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) return;
    const eq = line.indexOf('=');
    const name = (eq < 0 ? line : line.slice(0, eq)).trim();
    items.push({ name, value: eq < 0 ? undefined : line.slice(eq + 1).trim(), file, line: index + 1 });
  });
  return items;
}

/** What the command line asked for, besides config items. */
export interface DnsArgs {
  readonly items: ConfigItem[];
  readonly confFiles: string[];
  /** `--conf-dir DIR[,suffixes]`: dnsmasq's -7, read as a conf-dir line. */
  readonly confDirs: string[];
  readonly test: boolean;
}

/**
 * Reads `--name value`, `--name=value` and `--flag` arguments; whether an
 * option takes a value comes from the option table. `--conf-file F` and
 * `--test` are the command's own. Pure; throws ConfigError naming the argument.
 */
export function parseDnsArgs(argv: readonly string[]): DnsArgs {
  const items: ConfigItem[] = [];
  const confFiles: string[] = [];
  const confDirs: string[] = [];
  let test = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const where = { file: 'command line', line: i + 1, option: arg };
    if (!arg.startsWith('--')) fail('bad argument', where);
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    let value = eq < 0 ? undefined : arg.slice(eq + 1);
    if (name === 'test') {
      test = true;
      continue;
    }
    const takesValue = name === 'conf-file' || name === 'conf-dir' || OPTIONS[name]?.value === true;
    if (takesValue && value === undefined) {
      value = argv[i + 1] ?? fail('missing parameter', { ...where, option: name });
      i++;
    }
    if (name === 'conf-file') confFiles.push(value!);
    else if (name === 'conf-dir') confDirs.push(value!);
    else items.push({ name, value, file: 'command line', line: where.line });
  }
  return { items, confFiles, confDirs, test };
}
