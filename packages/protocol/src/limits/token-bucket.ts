/**
 * Token buckets: the rate limits of the DHCP server (per chaddr, per relay)
 * and of the API (writes, reads). A bucket holds up to `burst` tokens and
 * refills at `perSecond`; each packet or request takes one.
 */
import { LruMap } from './lru-map.js';

export interface RateLimit {
  /** Packets or requests at once. 0 (or less) turns the limit off. */
  readonly burst: number;
  /** Tokens added per second. */
  readonly perSecond: number;
}

/** A rate limit per key, remembering at most `maxKeys` keys. */
export interface TokenBucketLimit extends RateLimit {
  /** At most this many keys are remembered (least recently used evicted). */
  readonly maxKeys: number;
}

/** One token bucket. */
export class TokenBucket {
  #tokens: number;
  #at: number;
  readonly #perMs: number;

  constructor(
    readonly limit: RateLimit,
    now: number,
  ) {
    this.#tokens = limit.burst;
    this.#at = now;
    this.#perMs = limit.perSecond / 1000;
  }

  /** Takes a token at `now` (ms); false when the bucket is empty (refuse or drop). */
  take(now: number): boolean {
    if (this.limit.burst <= 0) return true;
    // A clock that steps back (NTP) refills nothing rather than draining the bucket, and counts on from the new time.
    this.#tokens = Math.min(this.limit.burst, this.#tokens + Math.max(0, now - this.#at) * this.#perMs);
    this.#at = now;
    // Tolerance for the refill's floating-point sum (a token at exactly its interval counts).
    if (this.#tokens < 1 - 1e-9) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until the next token (a retry hint); undefined when it never refills. */
  waitMs(): number | undefined {
    if (this.#tokens >= 1 - 1e-9) return 0;
    return this.#perMs > 0 ? Math.ceil((1 - this.#tokens) / this.#perMs) : undefined;
  }
}

/**
 * Token buckets keyed by client (chaddr) or relay (giaddr), in a table of
 * bounded size. An evicted key that comes back starts with a full bucket,
 * which is what it would have had anyway once idle for burst / perSecond
 * seconds; an attacker cycling more keys than the table holds gains nothing
 * that a coarser bucket (per relay, or the host's own rate) does not bound.
 */
export class KeyedTokenBuckets<K> {
  readonly #buckets: LruMap<K, TokenBucket>;

  constructor(readonly limit: TokenBucketLimit) {
    this.#buckets = new LruMap(limit.maxKeys);
  }

  /** Whether the limit is on at all. */
  get enabled(): boolean {
    return this.limit.burst > 0;
  }

  /** Takes one token for `key` at `now` (ms); false when its bucket is empty (drop the packet). */
  take(key: K, now: number): boolean {
    if (this.limit.burst <= 0) return true;
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.limit, now);
      this.#buckets.set(key, bucket);
    }
    return bucket.take(now);
  }

  /** Keys remembered now (never more than `maxKeys`). */
  get size(): number {
    return this.#buckets.size;
  }
}
