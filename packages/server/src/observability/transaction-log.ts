/**
 * Per-transaction lines (log.dhcp, log.queries: dnsmasq's log-dhcp and
 * log-queries) through one token bucket per component, so a flood of
 * packets cannot fill the disk: past `perSecond` lines a second (after a
 * burst of as many), lines are dropped and counted, and a warning says how
 * many at most every 10 s while it lasts (and once more at `close`). The
 * dnsmasq-style text is the message; its facts are the `tx` field, which the
 * pretty format leaves out (the message already says it all).
 */
import type { Logger } from 'pino';

/** A line's text and the same facts as fields. */
export type TransactionLine = (message: string, fields: { readonly tx: Readonly<Record<string, unknown>> }) => void;

const SUMMARY_EVERY_MS = 10_000;

export class TransactionLogger {
  /** Lines dropped by the limit since the start. */
  suppressed = 0;
  #tokens: number;
  #last: number;
  #unreported = 0;
  #reportedAt: number;
  readonly #child: Logger;

  constructor(
    logger: Logger,
    readonly component: string,
    /** Lines a second after a burst of as many; 0 writes none (the counters still count). */
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#child = logger.child({ component });
    this.#tokens = perSecond;
    this.#last = now();
    this.#reportedAt = this.#last;
  }

  /** Writes one line unless the limit is reached (then counts it). */
  readonly write: TransactionLine = (message, fields) => {
    const now = this.now();
    this.#tokens = Math.min(this.perSecond, this.#tokens + ((now - this.#last) / 1000) * this.perSecond);
    this.#last = now;
    if (this.#unreported > 0 && now - this.#reportedAt >= SUMMARY_EVERY_MS) this.#report(now);
    if (this.#tokens < 1) {
      this.suppressed++;
      this.#unreported++;
      return;
    }
    this.#tokens -= 1;
    this.#child.info(fields, message);
  };

  /** Reports lines still unreported (at stop). */
  close(): void {
    if (this.#unreported > 0) this.#report(this.now());
  }

  #report(now: number): void {
    this.#child.warn(
      { suppressed: this.#unreported, suppressedTotal: this.suppressed },
      `${this.#unreported} ${this.component} log lines suppressed in the last ${Math.round((now - this.#reportedAt) / 1000)} s (over log.transaction_rate, ${this.perSecond}/s)`,
    );
    this.#unreported = 0;
    this.#reportedAt = now;
  }
}
