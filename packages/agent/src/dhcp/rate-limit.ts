/**
 * Token buckets keyed by client (chaddr) or relay (giaddr), in a table of
 * bounded size: the flood defences of the DHCP server. A key's bucket holds
 * up to `burst` tokens and refills at `perSecond`; each packet takes one.
 *
 * Memory: at most `maxKeys` buckets. Keys are kept in least-recently-used
 * order (a JavaScript Map iterates in insertion order, so a hit re-inserts
 * its key) and the oldest is evicted past the bound. An evicted key that
 * comes back starts with a full bucket, which is what it would have had
 * anyway once idle for burst / perSecond seconds; an attacker who cycles
 * more keys than the table holds gains nothing the per-relay bucket (or the
 * host's own rate) does not already bound.
 */

export interface TokenBucketLimit {
  /** Packets a key may send at once. 0 (or less) turns the limit off. */
  readonly burst: number;
  /** Tokens added per second. */
  readonly perSecond: number;
  /** At most this many keys are remembered (least recently used evicted). */
  readonly maxKeys: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class KeyedTokenBuckets<K> {
  private readonly buckets = new Map<K, Bucket>();
  private readonly perMs: number;

  constructor(readonly limit: TokenBucketLimit) {
    this.perMs = limit.perSecond / 1000;
  }

  /** Whether the limit is on at all. */
  get enabled(): boolean {
    return this.limit.burst > 0;
  }

  /** Takes one token for `key` at `now` (ms); false when its bucket is empty (drop the packet). */
  take(key: K, now: number): boolean {
    const { burst, maxKeys } = this.limit;
    if (burst <= 0) return true;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: burst, at: now };
      if (this.buckets.size >= maxKeys) this.evictOldest();
    } else {
      // A clock that steps back (NTP) refills nothing rather than draining the bucket.
      const elapsed = Math.max(0, now - bucket.at);
      bucket.tokens = Math.min(burst, bucket.tokens + elapsed * this.perMs);
      bucket.at = now;
      this.buckets.delete(key);
    }
    this.buckets.set(key, bucket);
    // Tolerance for the refill's floating-point sum (a token at exactly its interval counts).
    if (bucket.tokens < 1 - 1e-9) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Keys remembered now (never more than `maxKeys`). */
  get size(): number {
    return this.buckets.size;
  }

  private evictOldest(): void {
    const oldest = this.buckets.keys().next();
    if (!oldest.done) this.buckets.delete(oldest.value);
  }
}

/** The DHCP server's defences against floods and pool starvation. */
export interface DhcpLimits {
  /** Per client hardware address (chaddr), whichever network it is on. */
  readonly perMac: TokenBucketLimit;
  /** Per relay (giaddr) for relayed packets. */
  readonly perRelay: TokenBucketLimit;
  /**
   * Addresses (offered or bound) one chaddr may hold per network across all
   * its client ids. A chaddr at the cap that asks with a new client id is
   * served the address it already holds, or nothing. 0 turns the cap off.
   * Ports' MACs (fixed addresses) are exempt.
   */
  readonly maxLeasesPerMac: number;
}

/**
 * Defaults. Per MAC: 10 packets at once, then 2 per second (a client's
 * whole DORA with retransmissions fits; dhclient and udhcpc send about one
 * DISCOVER per second while waiting). Per relay: 20,000 at once and 20,000
 * per second, i.e. 10,000 DORA/s through one relay (above what one agent
 * serves on a two-core machine, so `npm run bench:dhcp`, which is one relay
 * in front of 50,000 clients, is never cut); set it to the relay's share on
 * larger deployments. One address per MAC per network, as a host with one
 * NIC needs; raise it for hosts that boot several OSes with distinct client
 * ids and must keep each lease.
 */
export const defaultDhcpLimits: DhcpLimits = {
  perMac: { burst: 10, perSecond: 2, maxKeys: 65_536 },
  perRelay: { burst: 20_000, perSecond: 20_000, maxKeys: 4_096 },
  maxLeasesPerMac: 1,
};

/** Defaults with some settings replaced (each bucket field by field). Pure. */
export function dhcpLimits(overrides: DhcpLimitsOverrides = {}): DhcpLimits {
  return {
    perMac: { ...defaultDhcpLimits.perMac, ...overrides.perMac },
    perRelay: { ...defaultDhcpLimits.perRelay, ...overrides.perRelay },
    maxLeasesPerMac: overrides.maxLeasesPerMac ?? defaultDhcpLimits.maxLeasesPerMac,
  };
}

export interface DhcpLimitsOverrides {
  readonly perMac?: Partial<TokenBucketLimit>;
  readonly perRelay?: Partial<TokenBucketLimit>;
  readonly maxLeasesPerMac?: number;
}
