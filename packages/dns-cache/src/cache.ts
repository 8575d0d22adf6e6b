/**
 * The answer cache: upstream response bytes keyed by (lowercased name, type,
 * class), each with an absolute expiry. TTLs are made uniform when stored and
 * counted down on every hit by rewriting a copy of the bytes (the protocol
 * package's fast path), so a hit needs no decode and no encode. Bounded by
 * cache-size entries with least-recently-used eviction, O(1) per operation.
 */
import { DnsFlag, DnsRcode, LruMap, minTtl, readFlags, readRcode, rewriteTtls } from '@leasehold/protocol';
import type { DnssecStatus } from './dnssec/validator.js';

/** The cache options of the config (dnsmasq's names in the README). */
export interface CachePolicy {
  readonly cacheSize: number;
  readonly minCacheTtl: number;
  readonly maxCacheTtl: number | undefined;
  readonly negTtl: number | undefined;
  readonly noNegcache: boolean;
  /** use-stale-cache: seconds past expiry an entry may still be served (0: any age). */
  readonly useStaleCache?: number | undefined;
  /** serve-stale: seconds past expiry an entry may be served when upstream fails. */
  readonly serveStale?: number | undefined;
}

/** How long past expiry entries are kept for serving stale, in ms: the longer of the two options; 0 when neither is on. Pure. */
function staleWindowMs(policy: CachePolicy): number {
  const excess = (s: number | undefined) => (s === undefined ? 0 : s === 0 ? Number.POSITIVE_INFINITY : s * 1000);
  return Math.max(excess(policy.useStaleCache), policy.serveStale === undefined ? 0 : policy.serveStale * 1000);
}

/**
 * A copy of an expired entry for serving stale: every TTL set to `ttl` (RFC
 * 8767 4: 30 s; dnsmasq's use-stale-cache sends 0). Pure.
 */
export function staleAnswer(entry: CacheEntry, ttl: number): Uint8Array {
  const copy = Uint8Array.from(entry.bytes);
  rewriteTtls(copy, () => ttl);
  return copy;
}

export interface CacheEntry {
  /** The response with every TTL set to `ttl`; never written after it is stored. */
  readonly bytes: Uint8Array;
  /** Milliseconds (the caller's clock) when it was stored. */
  readonly storedAt: number;
  readonly ttl: number;
  readonly expiresAt: number;
  readonly negative: boolean;
  /** With dnssec: what validation found (the bytes are already shaped for it: AD, DNSSEC records). */
  readonly dnssec?: DnssecStatus | undefined;
}

/**
 * How long a response may be cached, in seconds, or undefined if it must not
 * be. Positive answers: the smallest TTL clamped to [min-cache-ttl,
 * max-cache-ttl]. Negative answers (NXDOMAIN, or NOERROR without answers,
 * RFC 2308 1): the SOA-derived TTL (RFC 2308 5), bounded by neg-ttl, or neg-ttl
 * itself when there is no SOA; never with no-negcache. Truncated answers and
 * other RCODEs (SERVFAIL, REFUSED...) are not cached. Pure; throws
 * DnsDecodeError on malformed bytes.
 */
export function cacheTtl(response: Uint8Array, policy: CachePolicy): { ttl: number; negative: boolean } | undefined {
  if (readFlags(response) & DnsFlag.TC) return undefined;
  const rcode = readRcode(response);
  const answers = (response[6]! << 8) | response[7]!;
  const negative = rcode === DnsRcode.NXDOMAIN || (rcode === DnsRcode.NOERROR && answers === 0);
  if (!negative && rcode !== DnsRcode.NOERROR) return undefined;
  const found = minTtl(response);
  let ttl: number | undefined;
  if (negative) {
    if (policy.noNegcache) return undefined;
    ttl = found === undefined ? policy.negTtl : policy.negTtl === undefined ? found : Math.min(found, policy.negTtl);
  } else {
    ttl = found === undefined ? undefined : Math.max(found, policy.minCacheTtl);
  }
  if (ttl === undefined) return undefined;
  if (policy.maxCacheTtl !== undefined) ttl = Math.min(ttl, policy.maxCacheTtl);
  return ttl > 0 ? { ttl, negative } : undefined;
}

/**
 * A copy of a cached response with its TTLs counted down by the whole
 * seconds since it was stored. Pure (the entry is not written).
 */
export function answerFromEntry(entry: CacheEntry, now: number): Uint8Array {
  const copy = Buffer.allocUnsafe(entry.bytes.length);
  copy.set(entry.bytes);
  const elapsed = Math.floor((now - entry.storedAt) / 1000);
  if (elapsed > 0) rewriteTtls(copy, Math.min(elapsed, entry.ttl));
  return copy;
}

export class AnswerCache {
  // O(1) LRU (see LruMap for why not a plain Map: a full cache under misses paid ~10 µs per insertion).
  readonly #entries: LruMap<string, CacheEntry>;
  #evictions = 0;
  #insertions = 0;
  /** Expired entries are kept this long (ms) for serving stale; LRU eviction still bounds the cache. */
  readonly #staleMs: number;

  constructor(readonly policy: CachePolicy) {
    this.#entries = new LruMap(policy.cacheSize);
    this.#staleMs = staleWindowMs(policy);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Answers stored (insertions.bind). */
  get insertions(): number {
    return this.#insertions;
  }

  /** Entries dropped to stay within cache-size. */
  get evictions(): number {
    return this.#evictions;
  }

  /** The live entry for `key`, made most recently used; an expired one is removed. */
  get(key: string, now: number): CacheEntry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (now >= entry.expiresAt) {
      if (now >= entry.expiresAt + this.#staleMs) this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** An expired entry still within the stale window (use-stale-cache, serve-stale), or undefined. */
  getStale(key: string, now: number): CacheEntry | undefined {
    const entry = this.#entries.get(key);
    return entry !== undefined && now >= entry.expiresAt && now < entry.expiresAt + this.#staleMs ? entry : undefined;
  }

  /**
   * Stores a response if cacheTtl allows, evicting the least recently used
   * entries beyond cache-size. Returns the entry, or undefined if not cached.
   * Throws DnsDecodeError on malformed bytes (nothing is stored then).
   */
  put(key: string, response: Uint8Array, now: number, dnssec?: DnssecStatus): CacheEntry | undefined {
    if (this.policy.cacheSize <= 0) return undefined;
    const verdict = cacheTtl(response, this.policy);
    if (verdict === undefined) return undefined;
    const bytes = Uint8Array.from(response);
    // RFC 2181 5.2: the records of an answer share one TTL; the cache counts it down from here.
    rewriteTtls(bytes, () => verdict.ttl);
    const entry: CacheEntry = { bytes, storedAt: now, ttl: verdict.ttl, expiresAt: now + verdict.ttl * 1000, negative: verdict.negative, dnssec };
    this.#insertions++;
    this.#evictions += this.#entries.set(key, entry);
    return entry;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** The keys, least recently used first (for tests and inspection). */
  keys(): string[] {
    return this.#entries.keys();
  }
}
