/**
 * Which upstreams a name goes to and in what order: server=/domain/ entries
 * (the longest matching domain wins), else the plain server= lines followed by
 * the resolv-file nameservers, which are re-read when the file's mtime
 * changes (checked at most once a second, on use, as dnsmasq polls).
 * Ordering: strict-order keeps the configured order; otherwise the server with
 * the lowest smoothed response time goes first.
 */
import { readFileSync, statSync } from 'node:fs';
import { effectiveResolvFiles, type DnsCacheConfig, type DomainServer, type UpstreamServer } from './config.js';
import { parseResolvConf } from './hosts.js';
import { isAtOrBelow } from './names.js';

/** Where a name's queries go: servers to ask, or 'local' (server=/domain/ with no address: never forward). */
export type Route = { readonly kind: 'forward'; readonly servers: readonly UpstreamServer[]; readonly specific: boolean } | { readonly kind: 'local' };

const key = (s: UpstreamServer) => `${s.address}#${s.port}`;

export class Routing {
  readonly #domainServers: DomainServer[];
  #resolvServers: UpstreamServer[] = [];
  readonly #mtimes = new Map<string, number>();
  #checkedAt = -Infinity;
  /** Smoothed response time per server (ms); a timeout counts as the full timeout. */
  readonly #srtt = new Map<string, number>();
  /** Default upstreams not to use, by ip#port: dns-loop-detect's looped ones (loop-detect.ts). */
  disabled: ReadonlySet<string> = new Set();
  /** Called when re-read resolv-files name other upstreams (dns-loop-detect probes them again). */
  onServersChanged: (() => void) | undefined;
  /** Called whenever resolv-files are read again after the start (changed, or on SIGHUP): clear-on-reload empties the cache. */
  onResolvRead: (() => void) | undefined;

  constructor(
    readonly config: DnsCacheConfig,
    readonly now: () => number = Date.now,
  ) {
    this.#domainServers = [...config.domainServers].sort((a, b) => b.domain.length - a.domain.length);
    this.refreshResolv(true);
  }

  /** The default upstreams in use: server= lines, then resolv-file nameservers, less the disabled ones. */
  get defaultServers(): UpstreamServer[] {
    const all = this.configuredDefaultServers;
    return this.disabled.size === 0 ? all : all.filter((s) => !this.disabled.has(key(s)));
  }

  /** Every default upstream configured, disabled or not. */
  get configuredDefaultServers(): UpstreamServer[] {
    return [...this.config.servers, ...this.#resolvServers];
  }

  /** Where queries for `nameLower` go. Re-reads changed resolv-files first. */
  route(nameLower: string): Route {
    this.refreshResolv(false);
    const first = this.#domainServers.find((d) => isAtOrBelow(nameLower, d.domain));
    if (first === undefined) return { kind: 'forward', servers: this.#order(this.defaultServers), specific: false };
    if (first.server === 'local') return { kind: 'local' };
    if (first.server === 'default') return { kind: 'forward', servers: this.#order(this.defaultServers), specific: true };
    const servers = this.#domainServers.filter((d) => d.domain === first.domain && typeof d.server === 'object').map((d) => d.server as UpstreamServer);
    return { kind: 'forward', servers: this.#order(servers), specific: true };
  }

  /** Records how long a server took, or that it failed (counted as `failedMs`). */
  record(server: UpstreamServer, ms: number): void {
    const k = key(server);
    const old = this.#srtt.get(k);
    this.#srtt.set(k, old === undefined ? ms : old * 0.7 + ms * 0.3);
  }

  /** Re-reads resolv-files whose mtime changed; `force` reads them regardless. Reads the disk. */
  refreshResolv(force: boolean): void {
    const files = effectiveResolvFiles(this.config);
    if (files.length === 0) return;
    const now = this.now();
    if (!force && now - this.#checkedAt < 1000) return;
    this.#checkedAt = now;
    let changed = force;
    for (const file of files) {
      let mtime = -1;
      try {
        mtime = statSync(file).mtimeMs;
      } catch {
        // A missing resolv-file is not fatal (dnsmasq waits for it to appear).
      }
      if (this.#mtimes.get(file) !== mtime) changed = true;
      this.#mtimes.set(file, mtime);
    }
    if (!changed) return;
    const servers: UpstreamServer[] = [];
    for (const file of files) {
      try {
        servers.push(...parseResolvConf(readFileSync(file, 'utf8')));
      } catch {
        // As above: a file that cannot be read contributes no servers until it can.
      }
    }
    const before = this.#resolvServers.map(key).join(' ');
    this.#resolvServers = servers;
    this.onResolvRead?.();
    if (!force && before !== servers.map(key).join(' ')) this.onServersChanged?.();
  }

  #order(servers: UpstreamServer[]): UpstreamServer[] {
    if (this.config.strictOrder || this.config.allServers || servers.length < 2) return servers;
    // Stable sort: servers never measured (srtt 0) keep their configured order and get tried.
    return [...servers].sort((a, b) => (this.#srtt.get(key(a)) ?? 0) - (this.#srtt.get(key(b)) ?? 0));
  }
}
