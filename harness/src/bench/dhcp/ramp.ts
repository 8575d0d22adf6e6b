/**
 * Finding a server's maximum sustainable rate with few bounded runs: double
 * the offered rate from `start` until a run fails or `cap` is reached, then
 * bisect between the best pass and the lowest failure a few times. A run
 * passes when at most `maxIncompletePercent` of its exchanges did not
 * complete (perfdhcp's drops of either half of DORA).
 */

export interface RampConfig {
  readonly start: number;
  readonly cap: number;
  /** Bisection steps after the first failure. */
  readonly refinements: number;
}

export interface RampStep {
  readonly rate: number;
  readonly ok: boolean;
}

/** Default pass rule: at most 1% of exchanges incomplete. */
export const maxIncompletePercent = 1;

/** Two significant digits, so rates read as round numbers (1500, 2300, 12000). Pure. */
export function roundRate(rate: number): number {
  if (rate < 10) return Math.max(1, Math.round(rate));
  const unit = 10 ** (Math.floor(Math.log10(rate)) - 1);
  return Math.round(rate / unit) * unit;
}

/** The next rate to offer after `history`, or undefined when the ramp is over. Pure. */
export function nextRate(history: readonly RampStep[], config: RampConfig): number | undefined {
  if (history.length === 0) return Math.min(config.start, config.cap);
  const passes = history.filter((s) => s.ok).map((s) => s.rate);
  const fails = history.filter((s) => !s.ok).map((s) => s.rate);
  const best = passes.length > 0 ? Math.max(...passes) : 0;
  if (fails.length === 0) return best >= config.cap ? undefined : Math.min(config.cap, best * 2);
  const firstFail = history.findIndex((s) => !s.ok);
  if (history.length - 1 - firstFail >= config.refinements) return undefined;
  const lowestFail = Math.min(...fails);
  const mid = roundRate((best + lowestFail) / 2);
  return mid <= best || mid >= lowestFail ? undefined : mid;
}

/** The best rate that passed, if any. Pure. */
export function sustained(history: readonly RampStep[]): number | undefined {
  const passes = history.filter((s) => s.ok).map((s) => s.rate);
  return passes.length > 0 ? Math.max(...passes) : undefined;
}
