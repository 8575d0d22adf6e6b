/**
 * The durable-write step of the DHCP path: one lease event appended to
 * `lh.evt.lease.<network>.<ip>` with the subject's expected version,
 * resolving with its stream sequence once JetStream acknowledged it (the
 * point after which `DhcpServer` may send the DHCPACK).
 *
 * Batched: an append waits for the end of the event-loop turn, so the lease
 * writes of every datagram that arrived together go out in one socket write
 * (the NATS client flushes once per task, and each datagram is its own task).
 *
 * While writes fail the log says so once per interval, not per packet
 * (`JournalOutageReport`, journal-outage.ts; a write the server refused for
 * want of permission goes to its own report, lease-refusal.ts). A
 * `VersionConflictError` is the journal's answer to a lost race, not an
 * outage: it is only passed up. The outage summary of a quiet interval is
 * due from a clock outside the writer (`reportDue`, called by the expiry
 * pass every second).
 */
import { randomUUID } from 'node:crypto';
import { VersionConflictError, type Journal } from '@leasehold/journal';
import { leaseSubject, toEnvelope, type JournaledLeaseEvent } from '@leasehold/lease-actor';
import { DEFAULT_OUTAGE_REPORT_MS, JournalOutageReport } from './journal-outage.js';
import type { LeaseWriter } from './server.js';

export interface JournalLeaseWriterOptions {
  /** One event per write: `publish` (append's loop, arrays and result cost the hot path for nothing). */
  readonly journal: Pick<Journal, 'publish'>;
  /** Where the outage and refusal lines go (each says "failed" or "refused"). */
  readonly log: (line: string) => void;
  /** How often an outage or refusals are summed up; 10 s by default. */
  readonly reportIntervalMs?: number;
  readonly now?: () => number;
}

export class JournalLeaseWriter implements LeaseWriter {
  private readonly journal: Pick<Journal, 'publish'>;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private readonly outage: JournalOutageReport;
  /** The appends of this turn of the event loop, sent together by `flush`. */
  private batch: (() => void)[] = [];

  constructor(options: JournalLeaseWriterOptions) {
    this.journal = options.journal;
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.outage = new JournalOutageReport(options.reportIntervalMs ?? DEFAULT_OUTAGE_REPORT_MS);
  }

  /** Whether the last write failed (the journal did not acknowledge it). */
  get failing(): boolean {
    return this.outage.failing;
  }

  append(networkId: string, event: JournaledLeaseEvent, expectedVersion: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.batch.push(() => this.send(networkId, event, expectedVersion, resolve, reject));
      if (this.batch.length === 1) setImmediate(this.flush);
    });
  }

  /** Logs the outage or refusal summary due now, if any, so a quiet outage is still reported. */
  reportDue(now: number = this.now()): void {
    this.say(this.outage.tick(now));
  }

  private readonly flush = (): void => {
    const sends = this.batch;
    this.batch = [];
    for (const send of sends) send();
  };

  private send(networkId: string, event: JournaledLeaseEvent, expectedVersion: number, resolve: (seq: number) => void, reject: (error: unknown) => void): void {
    const envelope = toEnvelope(networkId, event, { id: randomUUID() });
    this.journal.publish(leaseSubject(networkId, event.ip), envelope, expectedVersion).then(
      (ack) => {
        // The hot path: the clock is read only when an outage is being reported.
        if (this.outage.failing) this.say(this.outage.succeeded(this.now()));
        resolve(ack.seq);
      },
      (error: unknown) => {
        if (!(error instanceof VersionConflictError)) this.say(this.outage.failed(error, this.now()));
        reject(error);
      },
    );
  }

  private say(line: string | undefined): void {
    if (line) this.log(line);
  }
}
