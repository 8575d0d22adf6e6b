/**
 * The CHAOS-class TXT names dnsmasq answers about itself (dnsmasq(8),
 * "--cache-size": cachesize.bind, insertions.bind, evictions.bind,
 * misses.bind, hits.bind, auth.bind, servers.bind; version.bind), which
 * monitoring scripts query with `dig chaos txt hits.bind`. Answered
 * authoritatively with TTL 0, never forwarded; any other CHAOS question is
 * NOTIMP, as dnsmasq 2.90 answers it.
 */
import type { AnswerCache } from './cache.js';
import type { DnsCacheConfig, UpstreamServer } from './config.js';
import type { LocalAnswer } from './reply.js';
import type { Routing } from './routing.js';
import type { DnsCacheStats } from './stats.js';

const TYPE_TXT = 16;
const TYPE_ANY = 255;
export const CLASS_CHAOS = 3;

/** What the statistics names report, read when asked. */
export interface ChaosFacts {
  readonly cacheSize: number;
  readonly insertions: number;
  readonly evictions: number;
  readonly hits: number;
  readonly misses: number;
  /** One per upstream: "address#port queries-sent failed", dnsmasq's servers.bind strings. */
  readonly servers: readonly string[];
}

const text = (value: string | number) => ({ type: 'TXT' as const, ttl: 0, data: [Uint8Array.from(Buffer.from(String(value), 'ascii'))] });

/**
 * The answer to a CHAOS question, or 'notimp'. `nameLower` canonical. Pure
 * but for reading `facts` (called only for CHAOS questions, off the hot path).
 */
export function chaosAnswer(nameLower: string, type: number, facts: () => ChaosFacts): LocalAnswer | 'notimp' {
  if (type !== TYPE_TXT && type !== TYPE_ANY) return 'notimp';
  switch (nameLower) {
    case 'cachesize.bind':
      return { kind: 'records', records: [text(facts().cacheSize)] };
    case 'insertions.bind':
      return { kind: 'records', records: [text(facts().insertions)] };
    case 'evictions.bind':
      return { kind: 'records', records: [text(facts().evictions)] };
    case 'hits.bind':
      return { kind: 'records', records: [text(facts().hits)] };
    case 'misses.bind':
      return { kind: 'records', records: [text(facts().misses)] };
    // This cache has no authoritative zones (dnsmasq counts auth-zone queries here).
    case 'auth.bind':
      return { kind: 'records', records: [text(0)] };
    case 'servers.bind':
      return { kind: 'records', records: facts().servers.map(text) };
    case 'version.bind':
      return { kind: 'records', records: [text('leasehold')] };
    default:
      return 'notimp';
  }
}

/** Questions sent to and attempts failed at each upstream. */
export class UpstreamCounts {
  // Keyed by the server object (config and resolv-file entries live as long as they are used): no key string per question.
  readonly #counts = new Map<UpstreamServer, { sent: number; failed: number }>();

  record(server: UpstreamServer, ok: boolean): void {
    let counts = this.#counts.get(server);
    if (counts === undefined) this.#counts.set(server, (counts = { sent: 0, failed: 0 }));
    counts.sent++;
    if (!ok) counts.failed++;
  }

  /** Every upstream asked so far ("address#port", in the order first asked), a server read again from a resolv-file summed. */
  entries(): [string, { sent: number; failed: number }][] {
    const byKey = new Map<string, { sent: number; failed: number }>();
    for (const [server, c] of this.#counts) {
      const key = `${server.address}#${server.port}`;
      const sum = byKey.get(key) ?? { sent: 0, failed: 0 };
      byKey.set(key, { sent: sum.sent + c.sent, failed: sum.failed + c.failed });
    }
    return [...byKey];
  }
}

/** The parts of a resolver the statistics read. */
interface Counted {
  readonly config: DnsCacheConfig;
  readonly routing: Routing;
  readonly cache: AnswerCache;
  readonly stats: DnsCacheStats;
  readonly hot: { readonly hits: number } | undefined;
  readonly serverCounts: UpstreamCounts;
}

/**
 * What the CHAOS names and the statistics dump report. hits counts local
 * answers too, as dnsmasq's (its hosts entries live in its cache); misses
 * are questions forwarded; servers are every configured upstream. Reads counters.
 */
export function chaosFacts(r: Counted): ChaosFacts {
  const servers = [...r.routing.defaultServers, ...r.config.domainServers.flatMap((d) => (typeof d.server === 'object' ? [d.server] : []))];
  const keys = [...new Set(servers.map((s) => `${s.address}#${s.port}`))];
  const counts = new Map(r.serverCounts.entries());
  return {
    cacheSize: r.config.cacheSize,
    insertions: r.cache.insertions,
    evictions: r.cache.evictions,
    hits: r.stats.cacheHits + (r.hot?.hits ?? 0) + r.stats.localAnswers,
    misses: r.stats.cacheMisses,
    servers: keys.map((k) => `${k} ${counts.get(k)?.sent ?? 0} ${counts.get(k)?.failed ?? 0}`),
  };
}
