/**
 * The DHCP and DNS rates for the overview's charts: the process's own
 * counters (what /metrics exports as leasehold_dhcp_packets_received_total
 * and leasehold_dns_queries_total) sampled every 10 s, an hour of samples
 * kept, each turned into packets a second over its interval. A process
 * without an agent has no counters and no charts. With a store (the
 * daemon's data directory: rate-file.ts) the samples outlive a restart: the
 * last hour's are loaded at start, and no rate is drawn across the time the
 * process was down.
 */
import type { RateSample, RateStore } from './rate-file.js';
import type { RateSeries } from './shapes.js';

/** The counters read at each sample; undefined where this process has none (no agent, DNS off). */
export interface RateCounters {
  readonly dhcp: number | undefined;
  readonly dns: number | undefined;
}

export const RATE_INTERVAL_MS = 10_000;
/** An hour of samples. */
export const RATE_SAMPLES = 360;

export class RateSampler {
  private readonly samples: RateSample[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  /** The next sample follows samples of an earlier process (loaded from the store). */
  private resumed = false;

  constructor(
    private readonly read: () => RateCounters,
    private readonly store?: RateStore,
  ) {}

  /** Loads the stored samples of the hour before `now` (a restarted daemon's charts go on). */
  resume(now = Date.now()): void {
    const kept = (this.store?.load() ?? []).filter((s) => s.at > now - RATE_SAMPLES * RATE_INTERVAL_MS && s.at <= now).sort((a, b) => a.at - b.at);
    this.samples.splice(0, this.samples.length, ...kept.slice(-(RATE_SAMPLES + 1)));
    this.resumed = this.samples.length > 0;
  }

  /** Takes one sample now (the timer's work; tests call it with their own clock), and stores them. */
  sample(at = Date.now()): void {
    this.samples.push({ at, counters: this.read(), ...(this.resumed ? { restart: true } : {}) });
    this.resumed = false;
    if (this.samples.length > RATE_SAMPLES + 1) this.samples.shift();
    this.store?.save(this.samples);
  }

  start(): void {
    this.resume();
    this.sample();
    this.timer ??= setInterval(() => this.sample(), RATE_INTERVAL_MS);
    // The charts never keep the process alive.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Per second between consecutive samples; a counter that went down (a
   * restarted agent) counts from zero; none across a restart of the process
   * (its first sample only starts the next interval). Pure over the samples.
   */
  series(): RateSeries {
    const of = (key: keyof RateCounters) => {
      const points: { at: number; per_second: number }[] = [];
      for (let i = 1; i < this.samples.length; i++) {
        const a = this.samples[i - 1]!;
        const b = this.samples[i]!;
        const before = a.counters[key];
        const after = b.counters[key];
        if (after === undefined || b.at <= a.at || b.restart) continue;
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
