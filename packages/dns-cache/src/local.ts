/**
 * Local data answered authoritatively: host-record, addn-hosts files,
 * address=/domain/ip rules, and the names an agent gives (each port's and
 * lease's hostname.dns_domain) through setLocalRecords. A and AAAA by name,
 * PTR by address, all derived from one name table rebuilt when a source
 * changes (sources change rarely; lookups happen on every query).
 */
import type { AddressRule, HostRecord } from './config.js';
import type { HostsEntry } from './hosts.js';
import { canonicalName, isAtOrBelow, isIPv4, isValidName, reverseName4, reverseName6 } from './names.js';
import type { LocalAnswer, LocalRecord } from './reply.js';

const TYPE_A = 1;
const TYPE_PTR = 12;
const TYPE_AAAA = 28;
const TYPE_ANY = 255;
const CLASS_IN = 1;

interface NameData {
  readonly v4: string[];
  readonly v6: string[];
  ttl: number | undefined;
}

/** The agent's records: name → IPv4 addresses (a Map, an object, or pairs). */
export type LocalRecordsInput = ReadonlyMap<string, readonly string[]> | Readonly<Record<string, readonly string[]>> | Iterable<readonly [string, readonly string[]]>;

export interface LocalOptions {
  readonly domain: string | undefined;
  readonly expandHosts: boolean;
  readonly hostRecords: readonly HostRecord[];
  readonly addresses: readonly AddressRule[];
}

export class LocalRecords {
  #names = new Map<string, NameData>();
  #reverse = new Map<string, string[]>();
  #hosts: HostsEntry[] = [];
  #agent: [string, readonly string[]][] = [];
  /** Longest domain first, so the most specific address= rule wins. */
  readonly #rules: AddressRule[];

  constructor(readonly options: LocalOptions) {
    this.#rules = [...options.addresses].sort((a, b) => b.domain.length - a.domain.length);
    this.#rebuild();
  }

  /** Replaces the entries read from addn-hosts files. */
  setHosts(entries: readonly HostsEntry[]): void {
    this.#hosts = [...entries];
    this.#rebuild();
  }

  /** Replaces the agent's records: name → IPv4s (PTR follows). Throws TypeError on a bad name or address. */
  setAgentRecords(input: LocalRecordsInput): void {
    const pairs: [string, readonly string[]][] = [];
    const iterable = input instanceof Map || Symbol.iterator in Object(input) ? (input as Iterable<readonly [string, readonly string[]]>) : Object.entries(input);
    for (const [name, ips] of iterable) {
      if (!isValidName(name)) throw new TypeError(`local record name ${JSON.stringify(name)} is not a valid DNS name`);
      for (const ip of ips) if (!isIPv4(ip)) throw new TypeError(`local record ${name}: ${JSON.stringify(ip)} is not an IPv4 address`);
      pairs.push([name, [...ips]]);
    }
    this.#agent = pairs;
    this.#rebuild();
  }

  /** How many names are known (for stats). */
  get size(): number {
    return this.#names.size;
  }

  /**
   * What local data says about (name, type, class), or undefined to forward.
   * `nameLower` is canonical (lowercased, no trailing dot). Pure.
   */
  lookup(nameLower: string, type: number, klass: number): LocalAnswer | undefined {
    if (klass !== CLASS_IN) return undefined;
    const data = this.#names.get(nameLower);
    if (data) {
      const records: LocalRecord[] = [];
      if (type === TYPE_A || type === TYPE_ANY) for (const ip of data.v4) records.push({ type: 'A', data: ip, ttl: data.ttl });
      if (type === TYPE_AAAA || type === TYPE_ANY) for (const ip of data.v6) records.push({ type: 'AAAA', data: ip, ttl: data.ttl });
      return records.length > 0 ? { kind: 'records', records } : { kind: 'nodata' };
    }
    const targets = this.#reverse.get(nameLower);
    if (targets) {
      return type === TYPE_PTR || type === TYPE_ANY ? { kind: 'records', records: targets.map((t) => ({ type: 'PTR', data: t })) } : { kind: 'nodata' };
    }
    for (const rule of this.#rules) {
      if (!isAtOrBelow(nameLower, rule.domain)) continue;
      if (rule.ip === undefined) return { kind: 'nxdomain' };
      const v4 = rule.ip === '#' ? '0.0.0.0' : isIPv4(rule.ip) ? rule.ip : undefined;
      const v6 = rule.ip === '#' ? '::' : isIPv4(rule.ip) ? undefined : rule.ip;
      const records: LocalRecord[] = [];
      if (v4 && (type === TYPE_A || type === TYPE_ANY)) records.push({ type: 'A', data: v4 });
      if (v6 && (type === TYPE_AAAA || type === TYPE_ANY)) records.push({ type: 'AAAA', data: v6 });
      return records.length > 0 ? { kind: 'records', records } : { kind: 'nodata' };
    }
    return undefined;
  }

  #rebuild(): void {
    const names = new Map<string, NameData>();
    const reverse = new Map<string, string[]>();
    const { domain, expandHosts } = this.options;
    const add = (rawName: string, ip: string, ttl: number | undefined, expand: boolean) => {
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
      if (!targets.includes(full)) targets.push(full);
      reverse.set(rev, targets);
    };
    for (const record of this.options.hostRecords) {
      for (const name of record.names) for (const ip of [...record.ipv4, ...record.ipv6]) add(name, ip, record.ttl, true);
    }
    for (const entry of this.#hosts) for (const name of entry.names) add(name, entry.ip, undefined, true);
    for (const [name, ips] of this.#agent) for (const ip of ips) add(name, ip, undefined, true);
    this.#names = names;
    this.#reverse = reverse;
  }
}
