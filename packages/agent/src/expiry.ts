/**
 * Lease expiry. A lease table knows when a lease runs out but never reads
 * the clock (a fold is pure), so the agent turns time into events: once a
 * second each served network's expired leases are journaled as
 * `LeaseExpired` through the lease writer and folded in once acknowledged,
 * like the server's own writes. Every agent serving a network does this;
 * the subject's expected version lets one of them win, and the others'
 * conflicts are dropped.
 *
 * The pass is also the lease writer's clock: an outage with no more writes
 * is still summed up once per interval (`reportDue`).
 */
import { leaseSubject, type JournaledLeaseEvent } from '@leasehold/lease-actor';
import type { JournalLeaseWriter } from './dhcp/lease-writer.js';
import type { ServedNetworks } from './served-networks.js';
import type { AgentModel } from './state/agent-model.js';

const EXPIRY_INTERVAL_MS = 1000;

export interface LeaseExpiryOptions {
  readonly model: Pick<AgentModel, 'table' | 'leaseVersion' | 'applyLease'>;
  readonly writer: Pick<JournalLeaseWriter, 'append' | 'reportDue'>;
  readonly served: Pick<ServedNetworks, 'current'>;
  /** The IPv6 leases' expiry, run in the same pass (the DHCPv6 server's `expire`). */
  readonly expire6?: (now: number) => Promise<void>;
}

export class LeaseExpiry {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LeaseExpiryOptions) {}

  /** Journals every lease of the served networks expired at `now`. Never rejects. */
  async run(now: number = Date.now()): Promise<void> {
    const { model, writer, served } = this.options;
    for (const networkId of served.current.keys()) {
      for (const event of model.table(networkId)?.expired(now) ?? []) {
        const subject = leaseSubject(networkId, event.ip);
        try {
          const seq = await writer.append(networkId, event, model.leaseVersion(subject));
          model.applyLease(networkId, subject, seq, event as JournaledLeaseEvent);
        } catch {
          // A conflict: another writer moved the lease first. Anything else is the journal's outage, which the writer reports.
        }
      }
    }
    await this.options.expire6?.(now);
    writer.reportDue(now);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.run(), EXPIRY_INTERVAL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
