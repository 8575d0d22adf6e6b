/**
 * Local data answered authoritatively: host-record, hosts files (/etc/hosts,
 * addn-hosts), cname, the config's records (mx-host, srv-host, txt-record,
 * ptr-record, caa-record, naptr-record, dns-rr), address=/domain/ip rules,
 * and the names an agent gives (each port's and lease's
 * hostname.dns_domain) through setLocalRecords. A and AAAA by name,
 * PTR by address, all derived from one name table rebuilt when a source
 * changes (sources change rarely; lookups happen on every query).
 *
 * Views (setViews): an agent serving several networks gives each network's
 * names as one view, answered only on that network's listen addresses (its
 * DHCP port addresses), as each of Neutron's per-network dnsmasq answers only
 * its own network's hosts. Once views are set, a query that arrived on an
 * address of no view is refused (`refuses`); the config's own data
 * (host-record, addn-hosts, address=) stays answered in every view.
 */
import { hostname } from 'node:os';
import type { AddressRule, CnameRecord, ConfigRecord, HostRecord } from './config.js';
import type { HostsEntry } from './hosts.js';
import { canonicalName, isAtOrBelow, isIPv4, isIPv6, isValidName, reverseName4, reverseName6 } from './names.js';
import type { LocalAnswer, LocalRecord } from './reply.js';

const TYPE_A = 1;
const TYPE_CNAME = 5;
const TYPE_PTR = 12;
const TYPE_AAAA = 28;
const TYPE_ANY = 255;
const CLASS_IN = 1;
const CONFIG_TYPE_CODES = { MX: 15, SRV: 33, TXT: 16, PTR: TYPE_PTR } as const;
/** Local CNAMEs followed at most (dnsmasq stops too); a loop (a → b → a) ends there. */
const MAX_CNAME_CHAIN = 10;

interface NameData {
  readonly v4: string[];
  readonly v6: string[];
  ttl: number | undefined;
}

/** The agent's records: name → addresses, IPv4 (A) or IPv6 (AAAA) (a Map, an object, or pairs). */
export type LocalRecordsInput = ReadonlyMap<string, readonly string[]> | Readonly<Record<string, readonly string[]>> | Iterable<readonly [string, readonly string[]]>;

/** One network's names (name → IPv4 and IPv6 addresses; PTR under in-addr.arpa and ip6.arpa follows) and the listen addresses they are answered on (`address@netns` in another namespace). */
export interface LocalView {
  readonly addresses: readonly string[];
  readonly records: LocalRecordsInput;
}

/** Names and reverse names of one source set: what a lookup reads. */
interface NameTable {
  readonly names: Map<string, NameData>;
  /** Reverse name → the names it points to, each with its host-record TTL (dnsmasq gives the PTR that TTL too). */
  readonly reverse: Map<string, PtrTarget[]>;
}

export interface LocalOptions {
  readonly domain: string | undefined;
  readonly expandHosts: boolean;
  readonly hostRecords: readonly HostRecord[];
  readonly addresses: readonly AddressRule[];
  readonly cnames?: readonly CnameRecord[];
  readonly records?: readonly ConfigRecord[];
  readonly mxTarget?: string | undefined;
}

/** A config record ready to answer: its wire type and the record the reply writes. */
interface TypedRecord {
  readonly code: number;
  readonly record: LocalRecord;
}

export class LocalRecords {
  #names = new Map<string, NameData>();
  #reverse = new Map<string, PtrTarget[]>();
  /** Listen address → its view's table (a network with two subnets has two addresses, one table). */
  #views = new Map<string, NameTable>();
  /** Every name and reverse name of every view: what the hot table must never answer (see isViewName). */
  #viewNames = new Set<string>();
  #viewsOn = false;
  #hosts: HostsEntry[] = [];
  #agent: [string, readonly string[]][] = [];
  /** Longest domain first, so the most specific address= rule wins. */
  readonly #rules: AddressRule[];
  /** cname: alias → target; answered for every type (dnsmasq). */
  readonly #cnames = new Map<string, CnameRecord>();
  /** The config's records by name; a type the name has none of is forwarded (dnsmasq). */
  readonly #records = new Map<string, TypedRecord[]>();

  constructor(readonly options: LocalOptions) {
    this.#rules = [...options.addresses].sort((a, b) => b.domain.length - a.domain.length);
    for (const cname of options.cnames ?? []) for (const alias of cname.aliases) this.#cnames.set(alias, cname);
    for (const record of options.records ?? []) {
      const name = withDomain(record, options.domain);
      const typed = typedRecord(record, options.mxTarget);
      this.#records.set(name, [...(this.#records.get(name) ?? []), typed]);
    }
    this.#rebuild();
  }

  /** Replaces the entries read from addn-hosts files. */
  setHosts(entries: readonly HostsEntry[]): void {
    this.#hosts = [...entries];
    this.#rebuild();
  }

  /** Replaces the agent's records: name → IPv4 and IPv6 addresses (PTR follows). Throws TypeError on a bad name or address. */
  setAgentRecords(input: LocalRecordsInput): void {
    this.#agent = recordPairs(input);
    this.#rebuild();
  }

  /**
   * Replaces the views: each view's names are answered only to queries that
   * arrived on one of its addresses; from the first call on, a query on any
   * other address is refused. Throws TypeError on a bad name or address, or
   * an address given to two views (whose names would it answer?); the views
   * stay as they were then.
   */
  setViews(views: Iterable<LocalView>): void {
    const byAddress = new Map<string, NameTable>();
    const viewNames = new Set<string>();
    for (const view of views) {
      const table = emptyTable();
      for (const [name, ips] of recordPairs(view.records)) for (const ip of ips) this.#add(table, name, ip, undefined, true);
      for (const address of view.addresses) {
        // `address@netns`: a listener in another network namespace (listeners.ts, listenerKey).
        const at = address.indexOf('@');
        const ip = at < 0 ? address : address.slice(0, at);
        // An IPv6 address too (the agent's DHCP port on an IPv6 subnet), in a namespace as well (listeners.ts).
        if (!(isIPv4(ip) || isIPv6(ip)) || at === address.length - 1) throw new TypeError(`view address ${JSON.stringify(address)} is not an IPv4 or IPv6 address (or address@namespace)`);
        if (byAddress.has(address)) throw new TypeError(`view address ${address} is given to two views`);
        byAddress.set(address, table);
      }
      for (const name of table.names.keys()) viewNames.add(name);
      for (const name of table.reverse.keys()) viewNames.add(name);
    }
    this.#views = byAddress;
    this.#viewNames = viewNames;
    this.#viewsOn = true;
  }

  /** True when views are set and `listener` (the address a query arrived on) is in none: the query is refused. Pure. */
  refuses(listener: string | undefined): boolean {
    return this.#viewsOn && (listener === undefined || !this.#views.has(listener));
  }

  /**
   * Whether some view answers `nameLower` locally: its upstream answer (asked
   * for by a client of another view) must not go into the addon's hot table,
   * which answers on every listener before any view is consulted. Pure.
   */
  isViewName(nameLower: string): boolean {
    return this.#viewNames.size !== 0 && this.#viewNames.has(nameLower);
  }

  /** How many names are known (for stats): the shared ones and every view's. */
  get size(): number {
    let size = this.#names.size;
    for (const table of new Set(this.#views.values())) size += table.names.size;
    return size;
  }

  /** Whether host-record, hosts files, setLocalRecords or a record option name `nameLower` (address= rules do not). Pure. */
  holdsName(nameLower: string): boolean {
    return this.#names.has(nameLower) || this.#records.has(nameLower);
  }

  /**
   * What local data says about (name, type, class), or undefined to forward:
   * the shared names, then the view of `listener` (the address the query
   * arrived on), then the address= rules. `nameLower` is canonical
   * (lowercased, no trailing dot). Pure.
   */
  lookup(nameLower: string, type: number, klass: number, listener?: string): LocalAnswer | undefined {
    if (klass !== CLASS_IN) return undefined;
    return this.#lookup(nameLower, type, listener, 0);
  }

  #lookup(nameLower: string, type: number, listener: string | undefined, depth: number): LocalAnswer | undefined {
    // Two size checks when the config has no cname or records: the common case pays nothing more.
    if (this.#cnames.size !== 0) {
      const cname = this.#cnames.get(nameLower);
      if (cname !== undefined) return this.#cnameAnswer(cname, type, listener, depth);
    }
    if (this.#records.size !== 0) {
      const typed = this.#records.get(nameLower);
      const records = typed?.filter((t) => t.code === type || type === TYPE_ANY).map((t) => t.record);
      if (records !== undefined && records.length > 0) return { kind: 'records', records };
    }
    const shared = tableAnswer(this.#names, this.#reverse, nameLower, type);
    // host-record, hosts-file and setLocalRecords names: another type is forwarded, as dnsmasq 2.90 forwards it (the
    // conformance test found NODATA here where dnsmasq returned upstream's AAAA); the resolver makes an upstream
    // NXDOMAIN for such a name NODATA, and a local-only domain answers NODATA without asking. A view's names keep NODATA.
    if (shared !== undefined && shared.kind !== 'nodata') return shared;
    if (this.#viewsOn && listener !== undefined) {
      const view = this.#views.get(listener);
      const answer = view && tableAnswer(view.names, view.reverse, nameLower, type);
      if (answer !== undefined) return answer;
    }
    for (const rule of this.#rules) {
      if (!isAtOrBelow(nameLower, rule.domain)) continue;
      if (rule.ip === undefined) return { kind: 'nxdomain', authoritative: false };
      const v4 = rule.ip === '#' ? '0.0.0.0' : isIPv4(rule.ip) ? rule.ip : undefined;
      const v6 = rule.ip === '#' ? '::' : isIPv4(rule.ip) ? undefined : rule.ip;
      const records: LocalRecord[] = [];
      if (v4 && (type === TYPE_A || type === TYPE_ANY)) records.push({ type: 'A', data: v4 });
      if (v6 && (type === TYPE_AAAA || type === TYPE_ANY)) records.push({ type: 'AAAA', data: v6 });
      // dnsmasq 2.90 forwards the other family and every other type (address=/d/0.0.0.0 does not block AAAA; '#' does).
      return records.length > 0 ? { kind: 'records', records } : undefined;
    }
    return undefined;
  }

  /** The CNAME, then (unless CNAME was asked) what local data says about its target, owned by the target. */
  #cnameAnswer(cname: CnameRecord, type: number, listener: string | undefined, depth: number): LocalAnswer {
    const records: LocalRecord[] = [{ type: 'CNAME', data: cname.target, ttl: cname.ttl }];
    if (type !== TYPE_CNAME && depth < MAX_CNAME_CHAIN) {
      const next = this.#lookup(cname.target, type, listener, depth + 1);
      if (next?.kind === 'records') for (const r of next.records) records.push({ ...r, name: r.name ?? cname.target });
    }
    return { kind: 'records', records };
  }

  #rebuild(): void {
    const table = emptyTable();
    for (const record of this.options.hostRecords) {
      for (const name of record.names) for (const ip of [...record.ipv4, ...record.ipv6]) this.#add(table, name, ip, record.ttl, true);
    }
    for (const entry of this.#hosts) for (const name of entry.names) this.#add(table, name, entry.ip, undefined, true);
    for (const [name, ips] of this.#agent) for (const ip of ips) this.#add(table, name, ip, undefined, true);
    this.#names = table.names;
    this.#reverse = table.reverse;
  }

  #add({ names, reverse }: NameTable, rawName: string, ip: string, ttl: number | undefined, expand: boolean): void {
    const { domain, expandHosts } = this.options;
    const base = canonicalName(rawName);
    // expand-hosts: a plain name also gets the domain, and PTR answers with the full name (as dnsmasq).
    const full = expand && expandHosts && domain !== undefined && !base.includes('.') ? `${base}.${domain}` : base;
    for (const name of full === base ? [base] : [full, base]) {
      let data = names.get(name);
      if (!data) names.set(name, (data = { v4: [], v6: [], ttl }));
      const list = isIPv4(ip) ? data.v4 : data.v6;
      if (!list.includes(ip)) list.push(ip);
    }
    const rev = isIPv4(ip) ? reverseName4(ip) : reverseName6(ip);
    const targets = reverse.get(rev) ?? [];
    if (!targets.some((t) => t.name === full)) targets.push({ name: full, ttl });
    reverse.set(rev, targets);
  }
}

interface PtrTarget {
  readonly name: string;
  readonly ttl: number | undefined;
}

const emptyTable = (): NameTable => ({ names: new Map(), reverse: new Map() });

/** The agent's records as checked pairs. Throws TypeError on a bad name or address. Pure. */
function recordPairs(input: LocalRecordsInput): [string, readonly string[]][] {
  const pairs: [string, readonly string[]][] = [];
  const iterable = input instanceof Map || Symbol.iterator in Object(input) ? (input as Iterable<readonly [string, readonly string[]]>) : Object.entries(input);
  for (const [name, ips] of iterable) {
    if (!isValidName(name)) throw new TypeError(`local record name ${JSON.stringify(name)} is not a valid DNS name`);
    for (const ip of ips) if (!isIPv4(ip) && !isIPv6(ip)) throw new TypeError(`local record ${name}: ${JSON.stringify(ip)} is not an IPv4 or IPv6 address`);
    pairs.push([name, [...ips]]);
  }
  return pairs;
}

/** A name's A/AAAA, or an address's PTR, from one table; undefined when the table does not know it. Pure. */
function tableAnswer(names: Map<string, NameData>, reverse: Map<string, PtrTarget[]>, nameLower: string, type: number): LocalAnswer | undefined {
  const data = names.get(nameLower);
  if (data) {
    const records: LocalRecord[] = [];
    if (type === TYPE_A || type === TYPE_ANY) for (const ip of data.v4) records.push({ type: 'A', data: ip, ttl: data.ttl });
    if (type === TYPE_AAAA || type === TYPE_ANY) for (const ip of data.v6) records.push({ type: 'AAAA', data: ip, ttl: data.ttl });
    return records.length > 0 ? { kind: 'records', records } : { kind: 'nodata' };
  }
  const targets = reverse.get(nameLower);
  if (targets) {
    return type === TYPE_PTR || type === TYPE_ANY ? { kind: 'records', records: targets.map((t) => ({ type: 'PTR', data: t.name, ttl: t.ttl })) } : { kind: 'nodata' };
  }
  return undefined;
}

/** srv-host=_service._prot with no domain gets domain= (dnsmasq), as a name all of whose labels start with '_'. Pure. */
function withDomain(record: ConfigRecord, domain: string | undefined): string {
  if (record.type !== 'SRV' || domain === undefined || !record.name.split('.').every((l) => l.startsWith('_'))) return record.name;
  return `${record.name}.${domain}`;
}

/** A config record as the reply writes it: "" targets are the root, an MX without exchange gets mx-target or this host. Pure but for hostname(). */
function typedRecord(record: ConfigRecord, mxTarget: string | undefined): TypedRecord {
  const root = (name: string) => (name === '' ? '.' : name);
  switch (record.type) {
    case 'MX':
      return { code: CONFIG_TYPE_CODES.MX, record: { type: 'MX', data: { preference: record.data.preference, exchange: record.data.exchange ?? mxTarget ?? hostname().toLowerCase() } } };
    case 'SRV':
      return { code: CONFIG_TYPE_CODES.SRV, record: { type: 'SRV', data: { ...record.data, target: root(record.data.target) } } };
    case 'TXT':
      return { code: CONFIG_TYPE_CODES.TXT, record: { type: 'TXT', data: record.data.map((t) => Uint8Array.from(Buffer.from(t, 'ascii'))) } };
    case 'PTR':
      return { code: CONFIG_TYPE_CODES.PTR, record: { type: 'PTR', data: root(record.data) } };
    case 'UNKNOWN':
      return { code: record.code, record: { type: 'UNKNOWN', code: record.code, data: record.data } };
  }
}
