/**
 * The offered rates of the DHCP bench: a geometric sweep from `start` that
 * goes on past the point where the server stops keeping up, until the
 * offered rate is `overload` times the best goodput seen so far (the issue's
 * "1× to 4× its capacity"), with a hard `cap` and at most `maxPoints` runs so
 * every sweep ends. A server that never saturates below `cap` is swept to
 * `cap`. Goodput past capacity is the point: a server that sheds load well
 * keeps completing exchanges at its peak rate however much more is offered.
 */

export interface SweepConfig {
  readonly start: number;
  /** Each point offers this many times the previous one (> 1). */
  readonly factor: number;
  /** Stop once the offered rate reaches this many times the best goodput seen. */
  readonly overload: number;
  readonly cap: number;
  readonly maxPoints: number;
}

export interface SweepPoint {
  readonly rate: number;
  /** Completed exchanges (ACKs) per second at that offered rate. */
  readonly acksPerSecond: number;
}

/** Two significant digits, so rates read as round numbers (1500, 2300, 12000). Pure. */
export function roundRate(rate: number): number {
  if (rate < 10) return Math.max(1, Math.round(rate));
  const unit = 10 ** (Math.floor(Math.log10(rate)) - 1);
  return Math.round(rate / unit) * unit;
}

/** The best goodput of a sweep, 0 before any point. Pure. */
export function peakGoodput(done: readonly SweepPoint[]): number {
  return done.reduce((best, p) => Math.max(best, p.acksPerSecond), 0);
}

/** The next rate to offer after `done`, or undefined when the sweep is over. Pure. */
export function nextSweepRate(done: readonly SweepPoint[], config: SweepConfig): number | undefined {
  if (done.length === 0) return Math.min(config.start, config.cap);
  if (done.length >= config.maxPoints) return undefined;
  const last = done.at(-1)!.rate;
  const peak = peakGoodput(done);
  if (last >= config.cap || (peak > 0 && last >= config.overload * peak)) return undefined;
  const next = Math.min(config.cap, roundRate(last * config.factor));
  return next > last ? next : undefined;
}
