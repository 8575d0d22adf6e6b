/**
 * What the HTTP front door counts for the metrics: requests by method,
 * route pattern (`/v2.0/ports/:id`, so the label set stays small whatever
 * the ids) and status, and each request's time until the metrics scrape
 * takes them. Bounded: at most MAX_PENDING times wait between scrapes (a
 * server nobody scrapes keeps the counts, not an ever-longer list).
 */

export interface HttpRequestCount {
  readonly method: string;
  readonly route: string;
  readonly status: string;
  readonly count: number;
}

const MAX_PENDING = 10_000;

export class HttpStats {
  private readonly counts = new Map<string, { method: string; route: string; status: string; count: number }>();
  private pending: number[] = [];

  /** One answered request. */
  record(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    const entry = this.counts.get(key);
    if (entry) entry.count++;
    else this.counts.set(key, { method, route, status: String(status), count: 1 });
    if (this.pending.length < MAX_PENDING) this.pending.push(seconds);
  }

  /** Every (method, route, status) seen so far, with its count. */
  requests(): HttpRequestCount[] {
    return [...this.counts.values()].map((e) => ({ ...e }));
  }

  /** The request times recorded since the last call. */
  drainSeconds(): number[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}
