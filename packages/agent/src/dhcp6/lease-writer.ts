/**
 * The durable-write step of the DHCPv6 path: one IPv6 lease event appended to
 * `lh.evt.lease6.<network>.<address>` with the subject's expected version,
 * resolving with its stream sequence once JetStream acknowledged it (the
 * point after which the DHCPv6 server may send the REPLY that grants or
 * extends the address). Failed writes are summed up in the log once per
 * interval, as the DHCPv4 writer does (journal-outage.ts); a version
 * conflict is a lost race, only passed up.
 */
import { randomUUID } from 'node:crypto';
import { VersionConflictError, type Journal } from '@leasehold/journal';
import { lease6Subject, lease6ToEnvelope, type JournaledLease6Event } from '@leasehold/lease-actor';
import { DEFAULT_OUTAGE_REPORT_MS, JournalOutageReport } from '../dhcp/journal-outage.js';

/** What the DHCPv6 server writes through (tests give their own). */
export interface Lease6Writer {
  append(networkId: string, event: JournaledLease6Event, expectedVersion: number): Promise<number>;
}

export class JournalLease6Writer implements Lease6Writer {
  private readonly outage = new JournalOutageReport(DEFAULT_OUTAGE_REPORT_MS);

  constructor(
    private readonly journal: Pick<Journal, 'append'>,
    private readonly log: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  async append(networkId: string, event: JournaledLease6Event, expectedVersion: number): Promise<number> {
    const envelope = lease6ToEnvelope(networkId, event, { id: randomUUID() });
    try {
      const result = await this.journal.append(lease6Subject(networkId, event.ip), [envelope], expectedVersion);
      if (this.outage.failing) this.say(this.outage.succeeded(this.now()));
      return result.version;
    } catch (error) {
      if (!(error instanceof VersionConflictError)) this.say(this.outage.failed(error, this.now()));
      throw error;
    }
  }

  private say(line: string | undefined): void {
    if (line) this.log(line);
  }
}
