/**
 * The one place that turns a config into a running cache: reads addn-hosts,
 * opens listeners on every listen address (and every address of the named
 * interfaces), and returns the handle the CLI and the agent use.
 */
import { networkInterfaces } from 'node:os';
import { chaosFacts } from './chaos.js';
import { effectiveHostsFiles, resolveConfig, type DnsCacheConfig } from './config.js';
import { HostsReader } from './hosts-reader.js';
import { HotAnswers, nativeUdp } from './batched-udp.js';
import { ErrorGuard, type ErrorLog } from './guard.js';
import { listen, type Listener } from './listeners.js';
import type { LocalRecordsInput, LocalView } from './local.js';
import { localNetworks } from './policy.js';
import { QueryLog, type QueryLogSink } from './query-log.js';
import { Resolver } from './resolver.js';
import { emptyStats, type DnsCacheStats } from './stats.js';
import { ListenError } from './errors.js';

export interface DnsCacheHandle {
  /** Where it listens (UDP and TCP on each), and how UDP is done there. Empty when port is 0 (DNS off). */
  readonly addresses: readonly { readonly address: string; readonly netns?: string; readonly port: number; readonly udp: 'batched' | 'dgram' }[];
  /** Replaces the agent's names (hostname.dns_domain → IPv4s) answered on every listener; PTR answers follow. */
  setLocalRecords(records: LocalRecordsInput): void;
  /**
   * Replaces the per-network views: each view's names are answered only on
   * its addresses (listen addresses of this cache; `address@netns` for one
   * opened in a namespace, DnsCacheStartOptions.namespaced), and from the first call
   * on a query on an address of no view is REFUSED. The upstream cache stays
   * shared. Throws TypeError on a bad name or address, or one address in two views.
   */
  setLocalViews(views: Iterable<LocalView>): void;
  /**
   * What dnsmasq does on SIGHUP: re-reads the hosts files and resolv-files
   * now. The answer cache is kept: it holds only upstream answers, and local
   * data is consulted before it (dnsmasq clears its cache because its hosts
   * entries live there). Reads the disk.
   */
  reload(): void;
  /** What dnsmasq logs on SIGUSR1, as lines: cache size, evictions and insertions, forwarded and local, each upstream. */
  statisticsReport(): string[];
  stats(): DnsCacheStats;
  stop(): Promise<void>;
}

export interface DnsCacheStartOptions {
  /**
   * Tests only: listen on this port instead of config.port (0: the kernel
   * picks a free one per address, the same for UDP and TCP).
   */
  readonly listenPort?: number;
  readonly now?: () => number;
  /** 'dgram' keeps IPv4 UDP (listeners and upstream sockets) on Node's dgram even when the batched addon is built (tests, comparisons). */
  readonly udp?: 'auto' | 'dgram';
  /**
   * Where errors caught in socket callbacks and timers are logged, at most
   * one line per 10 s (they are counted in stats().internalErrors either
   * way); standard error by default. The agent passes its own log.
   */
  readonly log?: ErrorLog;
  /** Where log-queries lines go (query-log.ts); without one, log-queries logs nothing. */
  readonly queries?: QueryLogSink;
  /**
   * Listeners opened inside other network namespaces (`ip netns` names; an
   * agent's networks served in qdhcp-<network>), UDP and TCP on the port
   * the others use; only with the native addon. An IPv6 address needs
   * `ifname`, the device there it is on (the listener is bound to it). Their
   * queries' view is the one given `address@netns`. With these, no wildcard
   * listener is opened when the config names no address.
   */
  readonly namespaced?: readonly { readonly address: string; readonly netns: string; readonly ifname?: string }[];
}

/** Answers the addon keeps for cache hits (the busiest names; the rest are answered by JS from the cache). */
const HOT_ENTRIES = 4096;

/** How often hosts files are checked for changes (dnsmasq re-reads them on SIGHUP; reload() does it at once). */
const HOSTS_POLL_MS = 2000;

/** Starts the cache. Opens sockets; throws ListenError if an address cannot be bound. */
export async function startDnsCache(partial: Partial<DnsCacheConfig> = {}, options: DnsCacheStartOptions = {}): Promise<DnsCacheHandle> {
  const config = resolveConfig(partial);
  const namespaced = options.namespaced ?? [];
  const addresses = listenAddresses(config, namespaced.length > 0);
  const stats = emptyStats();
  const native = options.udp === 'dgram' ? undefined : nativeUdp();
  const errors = new ErrorGuard(stats, options.log);
  const resolver = new Resolver(config, localNetworks(config.localNetworks, addresses), stats, options.now, native, errors);
  // Hits answered inside the addon skip the per-client decisions before the cache, so only where the
  // addon can take them too: not local-service; rate limiting, on the limiter's own buckets. And only
  // on the real clock the addon shares.
  if (config.logQueries && options.queries) resolver.queryLog = new QueryLog(options.queries);
  // Nor with log-queries: an answer the addon sends is one no line would tell of.
  if (native !== undefined && options.now === undefined && !config.localService && config.cacheSize > 0 && resolver.queryLog === undefined) {
    const hot = new HotAnswers(native, Math.min(config.cacheSize, HOT_ENTRIES), config.ednsPacketMax);
    if (resolver.rrl === undefined || hot.limitWith(resolver.rrl, resolver.now)) resolver.hot = hot;
  }

  // /etc/hosts (unless no-hosts) and addn-hosts files and directories, polled: dnsmasq re-reads them on SIGHUP (reload).
  const hosts = new HostsReader(effectiveHostsFiles(config));
  const loadHosts = (force = false) => {
    const entries = hosts.read(force);
    if (entries === undefined) return;
    resolver.local.setHosts(entries);
    // A name may now be local: local data comes before the cache.
    resolver.hot?.clear();
  };
  loadHosts();
  const timer = hosts.sources.length > 0 ? setInterval(errors.wrap('re-reading hosts files', () => loadHosts()), HOSTS_POLL_MS) : undefined;
  timer?.unref();

  const listeners: Listener[] = [];
  const port = options.listenPort ?? config.port;
  if (config.port !== 0) {
    try {
      let chosen = port;
      const wanted = [...addresses.map((address) => ({ address, netns: undefined, ifname: undefined })), ...namespaced];
      for (const { address, netns, ifname } of wanted) {
        const listener = await listen(address, chosen, resolver, options.udp === 'dgram', netns, ifname);
        listeners.push(listener);
        // With a kernel-chosen port, every address uses the first one's, as with a configured port.
        chosen = listener.port;
      }
    } catch (error) {
      await Promise.all(listeners.map((l) => l.close()));
      resolver.close();
      if (timer) clearInterval(timer);
      throw error;
    }
  }
  // dns-loop-detect: probes go out once we listen (a looping upstream sends them back to us), and again when the upstreams change.
  resolver.routing.onServersChanged = errors.wrap('probing upstreams for loops', () => resolver.probeLoops());
  // clear-on-reload: new nameservers may hold other data than the cache, so a re-read resolv-file empties it (dnsmasq's meaning).
  if (config.clearOnReload) {
    resolver.routing.onResolvRead = () => {
      resolver.cache.clear();
      resolver.hot?.clear();
    };
  }
  resolver.probeLoops();

  return {
    addresses: listeners.map((l) => ({ address: l.address, ...(l.netns !== undefined ? { netns: l.netns } : {}), port: l.port, udp: l.udp })),
    setLocalRecords: (records) => {
      resolver.local.setAgentRecords(records);
      resolver.hot?.clear();
    },
    setLocalViews: (views) => {
      resolver.local.setViews(views);
      // A name a view now answers may be in the hot table (asked for upstream before).
      resolver.hot?.clear();
    },
    reload: () => {
      loadHosts(true);
      resolver.routing.refreshResolv(true);
      resolver.probeLoops();
    },
    statisticsReport: () => {
      const facts = chaosFacts(resolver);
      return [
        `cache size ${facts.cacheSize}, ${facts.evictions}/${facts.insertions} cache insertions re-used unexpired cache entries.`,
        `queries forwarded ${stats.forwarded}, queries answered locally ${stats.localAnswers}, cache hits ${facts.hits - stats.localAnswers}`,
        ...resolver.serverCounts.entries().map(([server, c]) => `server ${server}: queries sent ${c.sent}, retried or failed ${c.failed}`),
      ];
    },
    stats: () => {
      const hotHits = resolver.hot?.hits ?? 0;
      return {
        ...stats,
        queries: stats.queries + hotHits,
        hotHits,
        cacheHits: stats.cacheHits + hotHits,
        cacheEntries: resolver.cache.size,
        cacheEvictions: resolver.cache.evictions,
        inFlight: resolver.inFlight,
        localNames: resolver.local.size,
      };
    },
    stop: async () => {
      if (timer) clearInterval(timer);
      await Promise.all(listeners.map((l) => l.close()));
      resolver.close();
    },
  };
}

/** listen-address entries plus each named interface's addresses (and loopback, as dnsmasq adds lo); the wildcard if none (and no namespaced ones). */
function listenAddresses(config: DnsCacheConfig, namespaced: boolean): string[] {
  const addresses = [...config.listenAddresses];
  if (config.interfaces.length > 0) {
    const all = networkInterfaces();
    for (const name of config.interfaces) {
      const infos = all[name];
      if (!infos) throw new ListenError(`unknown interface ${name}`);
      for (const info of infos) if (info.family === 'IPv4' || !info.address.startsWith('fe80')) addresses.push(info.address);
    }
    for (const info of all['lo'] ?? []) if (info.family === 'IPv4') addresses.push(info.address);
  }
  const unique = [...new Set(addresses)];
  return unique.length > 0 || namespaced ? unique : ['0.0.0.0'];
}
