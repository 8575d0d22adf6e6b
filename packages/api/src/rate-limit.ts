/**
 * The API's admission control, per service instance: one token bucket for
 * writes (create, update, delete, add, remove), one for reads, and a cap on
 * requests in flight. A request that finds its bucket empty or the cap
 * reached is answered at once with RATE_LIMITED (429) rather than queued,
 * so a burst costs a reply, never memory.
 */
import { TokenBucket, type RateLimit } from '@leasehold/protocol';
import { ApiError } from './errors.js';
import { AGENT_DHCP_PORT_OPERATION } from './port/dhcp-port.js';

/** RATE_LIMITED, with when to retry (answered in a `Retry-After` header, in seconds). */
export class RateLimitedError extends ApiError {
  override name = 'RateLimitedError';
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super('RATE_LIMITED', message);
  }
}

export interface ApiLimits {
  readonly writes: RateLimit;
  readonly reads: RateLimit;
  /** Requests being handled at once, beyond which new ones are refused. 0 turns the cap off. */
  readonly maxInFlight: number;
}

/**
 * Defaults, about twice what one instance does on a two-core machine
 * (`npm run bench:api`, 2026-11-24: 5,000-5,700 port creates/s with 32 in
 * flight, 1,300-1,600/s one at a time; a port show takes about 0.2 ms), so only a runaway
 * caller meets them: 20,000 writes at once then 10,000 per second, 50,000
 * reads at once then 50,000 per second, and 1,024 requests in flight (which
 * is what bounds memory).
 */
export const defaultApiLimits: ApiLimits = {
  writes: { burst: 20_000, perSecond: 10_000 },
  reads: { burst: 50_000, perSecond: 50_000 },
  maxInFlight: 1_024,
};

const WRITE_VERBS = new Set(['create', 'update', 'delete', 'add', 'remove']);
/** Writes whose name ends in no verb: an agent's DHCP port (created when missing). */
const WRITE_OPERATIONS = new Set([AGENT_DHCP_PORT_OPERATION]);

/** Whether an operation (`ports.create`, `leases.list`) changes anything. Pure. */
export function isWrite(operation: string): boolean {
  return WRITE_OPERATIONS.has(operation) || WRITE_VERBS.has(operation.slice(operation.lastIndexOf('.') + 1));
}

/** Admission for one API instance: `admit` before handling, `release` after the reply. */
export class ApiAdmission {
  readonly limits: ApiLimits;
  private readonly writes: TokenBucket;
  private readonly reads: TokenBucket;
  inFlight = 0;
  /** The most requests in flight at once so far (never above `maxInFlight`). */
  peakInFlight = 0;
  refused = { writes: 0, reads: 0, inFlight: 0 };

  constructor(
    limits: ApiLimitsOverrides = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = {
      writes: { ...defaultApiLimits.writes, ...limits.writes },
      reads: { ...defaultApiLimits.reads, ...limits.reads },
      maxInFlight: limits.maxInFlight ?? defaultApiLimits.maxInFlight,
    };
    this.writes = new TokenBucket(this.limits.writes, this.now());
    this.reads = new TokenBucket(this.limits.reads, this.now());
  }

  /**
   * Admits one request for `operation` or throws RATE_LIMITED. The in-flight
   * cap is checked first, so a refused request takes no token.
   */
  admit(operation: string): void {
    const { maxInFlight } = this.limits;
    if (maxInFlight > 0 && this.inFlight >= maxInFlight) {
      this.refused.inFlight++;
      throw new RateLimitedError(`${this.inFlight} requests are in flight, the most this API instance takes at once; retry shortly`, 100);
    }
    const write = isWrite(operation);
    const bucket = write ? this.writes : this.reads;
    if (!bucket.take(this.now())) {
      if (write) this.refused.writes++;
      else this.refused.reads++;
      const { burst, perSecond } = bucket.limit;
      const wait = bucket.waitMs();
      throw new RateLimitedError(
        `too many ${write ? 'writes' : 'reads'}: this API instance takes ${perSecond} per second in bursts of ${burst}; ${wait === undefined ? 'no more are accepted' : `retry in ${wait} ms`}`,
        wait,
      );
    }
    this.inFlight++;
    if (this.inFlight > this.peakInFlight) this.peakInFlight = this.inFlight;
  }

  /** Marks an admitted request as answered. */
  release(): void {
    this.inFlight--;
  }
}

export interface ApiLimitsOverrides {
  readonly writes?: Partial<RateLimit>;
  readonly reads?: Partial<RateLimit>;
  readonly maxInFlight?: number;
}
