/**
 * The DNS cache every agent embeds (dnsmasq's DNS role next to its DHCP
 * role, as in Neutron's qdhcp namespaces): it listens on the agent's DHCP
 * port addresses — the DNS server the agent hands to clients when a subnet
 * lists none — forwards to the host's upstreams, and answers the names of
 * the served networks' ports and leases (hostname.dns_domain, A and AAAA,
 * with PTR under in-addr.arpa and ip6.arpa).
 *
 * One view per network: a network's names are answered only to queries
 * that arrived on that network's own DHCP port addresses. The cache opens
 * one socket per address (never the wildcard), so the socket a query
 * arrived on names its network; no IP_PKTINFO is needed. Upstream answers
 * are cached once for the process, shared by every network (they are the
 * same for everyone who asks); local names never enter that cache. An
 * address two networks claim (a misconfiguration the API should refuse)
 * belongs to neither: queries there are REFUSED, and it is logged.
 */
import { startDnsCache, type DnsCacheConfig, type DnsCacheHandle, type DnsCacheStats } from '@leasehold/dns-cache';
import type { LocalView, QueryLogSink } from '@leasehold/dns-cache';
import { formatIpv4, type Ipv4 } from '@leasehold/protocol';

export interface AgentDnsOptions {
  /** Off: the agent serves DHCP only. */
  readonly enabled: boolean;
  /** 53 by default; 0 also turns DNS off (dnsmasq's port=0). */
  readonly port: number;
  /** Anything else of the cache's configuration (upstreams, cache size, TTLs...). */
  readonly cache?: Partial<DnsCacheConfig>;
  /** Neutron's dns_domain: the domain of the names of a network without a dns_domain (openstacklocal when unset). */
  readonly domain?: string;
}

export interface AgentDns {
  /**
   * Listens on exactly the addresses of these networks (network id → its
   * DHCP port addresses), restarting the listeners when the set of addresses
   * changes; each address answers its own network's names only. A network
   * in `namespaces` (network id → its `ip netns` name, qdhcp-<network>) is
   * listened for inside that namespace, where its addresses are; one in
   * `renewed` (its namespace made anew since) is listened for again even if
   * nothing else changed: sockets stay in the namespace they were made in.
   * An IPv6 address in a namespace is listened on bound to the network's
   * device there (`devices`: network id → its interface, vxlan-<vni>); one
   * of a network without a device is left out.
   */
  listenOn(
    networks: ReadonlyMap<string, readonly ListenAddress[]>,
    namespaces?: ReadonlyMap<string, string>,
    renewed?: ReadonlySet<string>,
    devices?: ReadonlyMap<string, string>,
  ): Promise<void>;
  /** Replaces the local names: network id → (fully qualified name → addresses: IPv4 numbers, or IPv6 RFC 5952 text, answered as AAAA). */
  setRecords(records: ReadonlyMap<string, ReadonlyMap<string, readonly (Ipv4 | string)[]>>): void;
  /** Where the cache listens; `netns` for a listener inside a network's namespace. */
  addresses(): readonly { address: string; netns?: string; port: number }[];
  /** The embedded cache's counters, when it runs. */
  stats(): DnsCacheStats | undefined;
  stop(): Promise<void>;
}

/** log-queries in the agent: for every network (true) or those named (name or id), told apart by the address a query arrived on. */
export interface AgentQueryLog {
  readonly networks: true | readonly string[];
  readonly sink: QueryLogSink;
  readonly nameOf: (networkId: string) => string | undefined;
}

/** An address the cache listens on: a DHCP port's IPv4 number, or its IPv6 address's RFC 5952 text. */
type ListenAddress = Ipv4 | string;

const addressText = (ip: ListenAddress): string => (typeof ip === 'number' ? formatIpv4(ip) : ip);

export function agentDns(options: AgentDnsOptions, log: (line: string) => void, queries?: AgentQueryLog): AgentDns {
  let cache: DnsCacheHandle | undefined;
  let listening = '';
  /** Network id → its listeners (dotted address, `address@netns` in a namespace: the cache's names), as last given to listenOn. */
  let addressesOf = new Map<string, string[]>();
  /** Network id → its names, as last given to setRecords. */
  let records = new Map<string, Map<string, string[]>>();
  let ambiguous = '';
  const enabled = options.enabled && options.port !== 0;
  const querySink: QueryLogSink | undefined = queries && ((message, fields) => {
    const listener = fields.tx.listener;
    const networkId = typeof listener === 'string' ? [...addressesOf].find(([, addresses]) => addresses.includes(listener))?.[0] : undefined;
    const name = networkId === undefined ? undefined : queries.nameOf(networkId);
    if (queries.networks !== true && !(networkId !== undefined && (queries.networks.includes(networkId) || (name !== undefined && queries.networks.includes(name))))) return;
    queries.sink(message, { tx: { ...fields.tx, ...(name !== undefined ? { network: name } : {}) } });
  });

  /** Gives the cache one view per network: its addresses and its names (none yet for a network just served). */
  const pushViews = () => {
    if (!cache) return;
    const views = networkViews(addressesOf, records);
    const shared = views.ambiguous.join(',');
    if (shared !== ambiguous && shared !== '') log(`dns: ${shared} claimed by more than one network: no network's names are answered there (REFUSED)`);
    ambiguous = shared;
    try {
      cache.setLocalViews(views.views);
    } catch (error) {
      log(`dns: bad local records: ${(error as Error).message}`);
    }
  };

  return {
    async listenOn(all, namespaces = new Map(), renewed = new Set(), devices = new Map()) {
      if (!enabled) return;
      // An IPv6 listener in a namespace is bound to the network's device there: none, no listener.
      const networks = new Map([...all].map(([id, ips]) => [id, namespaces.has(id) && !devices.has(id) ? ips.filter((ip) => typeof ip === 'number') : ips] as const));
      addressesOf = new Map([...networks].map(([id, ips]) => [id, ips.map((ip) => listenerName(addressText(ip), namespaces.get(id)))]));
      const plain = [...networks].filter(([id]) => !namespaces.has(id)).map(([, ips]) => ips);
      // IPv4 in numeric order, then IPv6: the same set is the same key.
      const flat = [...new Set(plain.flat())];
      const wanted = [...flat.filter((ip) => typeof ip === 'number').sort((a, b) => a - b).map(formatIpv4), ...flat.filter((ip) => typeof ip === 'string').sort()];
      // Each namespace's addresses once; the same address in two namespaces is two listeners.
      const deviceIn = new Map([...devices].flatMap(([id, ifname]) => (namespaces.has(id) ? [[namespaces.get(id)!, ifname] as const] : [])));
      const namespaced = [...new Set([...networks].flatMap(([id, ips]) => (namespaces.has(id) ? ips.map((ip) => listenerName(addressText(ip), namespaces.get(id))) : [])))]
        .sort()
        .map((name) => {
          const address = name.slice(0, name.indexOf('@'));
          const netns = name.slice(name.indexOf('@') + 1);
          return address.includes(':') ? { address, netns, ifname: deviceIn.get(netns)! } : { address, netns };
        });
      const listeners = [...wanted, ...namespaced.map((n) => `${n.address}@${n.netns}`)];
      const key = listeners.join(',');
      if (key === listening && ![...renewed].some((id) => namespaces.has(id))) return pushViews();
      await cache?.stop();
      cache = undefined;
      listening = key;
      if (listeners.length === 0) return;
      try {
        // The cache guards its own socket callbacks and timers (a packet or a race never ends the process,
        // which also serves DHCP); what it catches is logged through the agent's log, once per interval.
        cache = await startDnsCache(
          // noHosts: the agent host's /etc/hosts is not any tenant's (Neutron runs dnsmasq with --no-hosts).
          { ...options.cache, noHosts: true, listenAddresses: wanted, port: options.port, ...(querySink ? { logQueries: true } : {}) },
          { log, namespaced, ...(querySink ? { queries: querySink } : {}) },
        );
        pushViews();
        log(`dns: listening on ${listeners.map((a) => `${a}:${options.port}`).join(', ')}`);
      } catch (error) {
        listening = '';
        log(`dns: cannot listen on ${key}: ${(error as Error).message}`);
      }
    },
    setRecords(next) {
      records = new Map([...next].map(([id, names]) => [id, new Map([...names].map(([name, ips]) => [name, ips.map((ip) => (typeof ip === 'number' ? formatIpv4(ip) : ip))]))]));
      pushViews();
    },
    addresses: () => cache?.addresses ?? [],
    stats: () => cache?.stats(),
    async stop() {
      await cache?.stop();
      cache = undefined;
      listening = '';
    },
  };
}

/**
 * One view per network with addresses: its addresses and its names. An
 * address claimed by two networks goes to neither (whose names would it
 * answer?) and is listed in `ambiguous`. Pure.
 */
export function networkViews(
  addressesOf: ReadonlyMap<string, readonly string[]>,
  records: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>,
): { views: LocalView[]; ambiguous: string[] } {
  const claims = new Map<string, number>();
  for (const addresses of addressesOf.values()) for (const a of new Set(addresses)) claims.set(a, (claims.get(a) ?? 0) + 1);
  const views: LocalView[] = [];
  for (const [networkId, addresses] of addressesOf) {
    const own = [...new Set(addresses)].filter((a) => claims.get(a) === 1);
    if (own.length > 0) views.push({ addresses: own, records: records.get(networkId) ?? new Map() });
  }
  return { views, ambiguous: [...claims].filter(([, n]) => n > 1).map(([a]) => a).sort() };
}

/** The cache's name of a listener: the address, or `address@netns` inside a namespace (dns-cache's listeners.ts). Pure. */
function listenerName(address: string, netns: string | undefined): string {
  return netns === undefined ? address : `${address}@${netns}`;
}

/** hostname + network domain → a fully qualified name without the trailing dot ("vm1.example.org"). Pure. */
export function fqdn(hostname: string, dnsDomain: string): string {
  const domain = dnsDomain.replace(/\.$/, '');
  return domain ? `${hostname}.${domain}` : hostname;
}
