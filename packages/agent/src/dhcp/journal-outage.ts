/**
 * What the log says while lease writes fail. A DHCPACK waits for the
 * journal's acknowledgement of its event, so while the journal is away the
 * agent answers no REQUEST; under load that is thousands of failures a
 * second, and one line each would bury everything else. So: one line at the
 * first failure, one summary per interval while they go on, and one line
 * when a write succeeds again, with how long the outage lasted. Pure: time
 * is passed in and the lines are returned, for the agent to log (each says
 * "failed", so the log puts it at warning level at least).
 *
 * A write the server refused for want of permission (the network is not
 * bound to this agent as of the server's last reload) is no outage: it goes
 * to its own report (lease-refusal.ts), one line per network and interval.
 */
import { LeaseRefusalReport, refusedLeaseNetwork } from './lease-refusal.js';

export const DEFAULT_OUTAGE_REPORT_MS = 10_000;

export class JournalOutageReport {
  private since: number | undefined;
  private lastReport = 0;
  /** Failures since the last line, and in the whole outage. */
  private pending = 0;
  private total = 0;
  private lastError = '';
  private readonly refusals: LeaseRefusalReport;

  constructor(private readonly intervalMs = DEFAULT_OUTAGE_REPORT_MS) {
    this.refusals = new LeaseRefusalReport(intervalMs);
  }

  /** Whether the last write failed. */
  get failing(): boolean {
    return this.since !== undefined;
  }

  /** A lease write failed (not a version conflict: that is a lost race, not an outage). */
  failed(error: unknown, now: number): string | undefined {
    const refusedNetwork = refusedLeaseNetwork(error);
    if (refusedNetwork !== undefined) return this.refusals.refused(refusedNetwork, now);
    this.lastError = error instanceof Error ? error.message : String(error);
    this.pending++;
    this.total++;
    if (this.since === undefined) {
      this.since = now;
      this.lastReport = now;
      this.pending = 0;
      return `dhcp: lease write failed, the journal did not acknowledge it (${this.lastError}): no DHCPACK is sent until it does; one line per ${this.intervalMs / 1000} s while this lasts`;
    }
    return this.outageTick(now);
  }

  /** A lease write was acknowledged. */
  succeeded(now: number): string | undefined {
    if (this.since === undefined) return undefined;
    const line = `dhcp: the journal acknowledges lease writes again after ${((now - this.since) / 1000).toFixed(1)} s; ${this.total} writes failed meanwhile (their clients got no DHCPACK and retry)`;
    this.since = undefined;
    this.pending = 0;
    this.total = 0;
    return line;
  }

  /** The summary due now, if any (call it on failures and from a timer, so a quiet outage is still reported): the outage's first, else the refusals'. */
  tick(now: number): string | undefined {
    return this.outageTick(now) ?? this.refusals.tick(now);
  }

  private outageTick(now: number): string | undefined {
    if (this.since === undefined || now - this.lastReport < this.intervalMs || this.pending === 0) return undefined;
    const line = `dhcp: lease writes still failing after ${((now - this.since) / 1000).toFixed(0)} s: ${this.pending} failed in the last ${((now - this.lastReport) / 1000).toFixed(0)} s (${this.lastError}); no DHCPACK without the journal`;
    this.lastReport = now;
    this.pending = 0;
    return line;
  }
}
