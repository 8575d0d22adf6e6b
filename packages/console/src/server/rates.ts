/**
 * The DHCP and DNS rates for the overview's charts: the process's own
 * counters (what /metrics exports as leasehold_dhcp_packets_received_total
 * and leasehold_dns_queries_total) sampled every 10 s, an hour of samples
 * kept, each turned into packets a second over its interval. A process
 * without an agent has no counters and no charts.
 */
import type { RateSeries } from './shapes.js';

/** The counters read at each sample; undefined where this process has none (no agent, DNS off). */
export interface RateCounters {
  readonly dhcp: number | undefined;
  readonly dns: number | undefined;
}

export const RATE_INTERVAL_MS = 10_000;
/** An hour of samples. */
export const RATE_SAMPLES = 360;

interface Sample {
  readonly at: number;
  readonly counters: RateCounters;
}

export class RateSampler {
  private readonly samples: Sample[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly read: () => RateCounters) {}

  /** Takes one sample now (the timer's work; tests call it with their own clock). */
  sample(at = Date.now()): void {
    this.samples.push({ at, counters: this.read() });
    if (this.samples.length > RATE_SAMPLES + 1) this.samples.shift();
  }

  start(): void {
    this.sample();
    this.timer ??= setInterval(() => this.sample(), RATE_INTERVAL_MS);
    // The charts never keep the process alive.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Per second between consecutive samples; a counter that went down (a restarted agent) counts from zero. Pure over the samples. */
  series(): RateSeries {
    const of = (key: keyof RateCounters) => {
      const points: { at: number; per_second: number }[] = [];
      for (let i = 1; i < this.samples.length; i++) {
        const a = this.samples[i - 1]!;
        const b = this.samples[i]!;
        const before = a.counters[key];
        const after = b.counters[key];
        if (after === undefined || b.at <= a.at) continue;
        const delta = before === undefined || after < before ? after : after - before;
        points.push({ at: b.at, per_second: (delta * 1000) / (b.at - a.at) });
      }
      return points;
    };
    const last = this.samples.at(-1)?.counters;
    return {
      interval_ms: RATE_INTERVAL_MS,
      dhcp: last?.dhcp === undefined ? null : of('dhcp'),
      dns: last?.dns === undefined ? null : of('dns'),
    };
  }
}
