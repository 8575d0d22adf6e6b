/**
 * Lease writes the server refused: this agent's NATS user may not write the
 * leases of that network. Where the server's owner follows the bindings
 * (`leasehold start`), an agent may write only the leases of the networks
 * bound to it as of the server's last reload, so a refusal means the
 * network has just moved to another agent (this agent stops serving it once
 * it folds that), or was just bound here and the reload that grants it is a
 * few milliseconds behind. Either way it is not an outage of the journal:
 * other networks' writes go on, and retrying as the same user is refused
 * again until the permissions change. The client gets no DHCPACK and
 * retries. Pure: time is passed in and the lines are returned, one at the
 * first refusal of a network, then a summary per interval while refusals go
 * on (each says "refused", so the log puts it at warning level).
 */
import { NotPermittedError } from '@leasehold/journal';

const LEASE_SUBJECT = /^lh\.evt\.lease\.([^.]+)\./;

/** The network whose lease write the server refused with `error`; undefined for any other error. Pure. */
export function refusedLeaseNetwork(error: unknown): string | undefined {
  if (!(error instanceof NotPermittedError)) return undefined;
  return LEASE_SUBJECT.exec(error.subject)?.[1];
}

export class LeaseRefusalReport {
  /** Networks whose first refusal was said, and not yet forgotten after a quiet interval. */
  private readonly said = new Set<string>();
  /** Refusals per network since the last line. */
  private readonly pending = new Map<string, number>();
  private lastSummary = 0;

  constructor(private readonly intervalMs: number) {}

  /** A lease write of `networkId` was refused. */
  refused(networkId: string, now: number): string | undefined {
    if (!this.said.has(networkId)) {
      this.said.add(networkId);
      if (this.pending.size === 0) this.lastSummary = now;
      return `dhcp: lease write refused: this agent may not write the leases of network ${networkId} (not bound to it as of the NATS server's last reload): no DHCPACK there; one line per ${this.intervalMs / 1000} s while refusals go on`;
    }
    this.pending.set(networkId, (this.pending.get(networkId) ?? 0) + 1);
    return this.tick(now);
  }

  /** The summary due now, if any; a network refused nothing since the last summary is forgotten (its next refusal is said again). */
  tick(now: number): string | undefined {
    if (now - this.lastSummary < this.intervalMs) return undefined;
    for (const networkId of this.said) if (!this.pending.has(networkId)) this.said.delete(networkId);
    this.lastSummary = now;
    if (this.pending.size === 0) return undefined;
    const counts = [...this.pending].map(([networkId, n]) => `${networkId} (${n})`).join(', ');
    this.pending.clear();
    return `dhcp: lease writes still not permitted, refused in the last ${this.intervalMs / 1000} s: ${counts}`;
  }
}
