/**
 * The DNS cache every agent embeds (dnsmasq's DNS role next to its DHCP
 * role, as in Neutron's qdhcp namespaces): it listens on the agent's DHCP
 * port addresses — the DNS server the agent hands to clients when a subnet
 * lists none — forwards to the host's upstreams, and answers the names of
 * the served networks' ports and leases (hostname.dns_domain, with PTR).
 */
import { startDnsCache, type DnsCacheConfig, type DnsCacheHandle, type DnsCacheStats } from '@leasehold/dns-cache';
import { formatIpv4, type Ipv4 } from '@leasehold/protocol';

export interface AgentDnsOptions {
  /** Off: the agent serves DHCP only. */
  readonly enabled: boolean;
  /** 53 by default; 0 also turns DNS off (dnsmasq's port=0). */
  readonly port: number;
  /** Anything else of the cache's configuration (upstreams, cache size, TTLs...). */
  readonly cache?: Partial<DnsCacheConfig>;
}

export interface AgentDns {
  /** Listens on exactly these addresses (restarting the listeners when the set changes). */
  listenOn(addresses: readonly Ipv4[]): Promise<void>;
  /** Replaces the local names: fully qualified name → addresses. */
  setRecords(records: ReadonlyMap<string, readonly Ipv4[]>): void;
  addresses(): readonly { address: string; port: number }[];
  /** The embedded cache's counters, when it runs. */
  stats(): DnsCacheStats | undefined;
  stop(): Promise<void>;
}

export function agentDns(options: AgentDnsOptions, log: (line: string) => void): AgentDns {
  let cache: DnsCacheHandle | undefined;
  let listening = '';
  let records = new Map<string, string[]>();
  const enabled = options.enabled && options.port !== 0;

  return {
    async listenOn(addresses) {
      if (!enabled) return;
      const wanted = [...new Set(addresses)].sort((a, b) => a - b).map(formatIpv4);
      const key = wanted.join(',');
      if (key === listening) return;
      await cache?.stop();
      cache = undefined;
      listening = key;
      if (wanted.length === 0) return;
      try {
        // The cache guards its own socket callbacks and timers (a packet or a race never ends the process,
        // which also serves DHCP); what it catches is logged through the agent's log, once per interval.
        cache = await startDnsCache({ ...options.cache, listenAddresses: wanted, port: options.port }, { log });
        cache.setLocalRecords(records);
        log(`dns: listening on ${wanted.map((a) => `${a}:${options.port}`).join(', ')}`);
      } catch (error) {
        listening = '';
        log(`dns: cannot listen on ${key}: ${(error as Error).message}`);
      }
    },
    setRecords(next) {
      records = new Map([...next].map(([name, ips]) => [name, ips.map(formatIpv4)]));
      try {
        cache?.setLocalRecords(records);
      } catch (error) {
        log(`dns: bad local records: ${(error as Error).message}`);
      }
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

/** hostname + network domain → a fully qualified name without the trailing dot ("vm1.example.org"). Pure. */
export function fqdn(hostname: string, dnsDomain: string): string {
  const domain = dnsDomain.replace(/\.$/, '');
  return domain ? `${hostname}.${domain}` : hostname;
}
