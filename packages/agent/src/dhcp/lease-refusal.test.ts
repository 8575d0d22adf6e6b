import { NotPermittedError, VersionConflictError } from '@leasehold/journal';
import { describe, expect, test } from 'vitest';
import { JournalOutageReport } from './journal-outage.js';
import { LeaseRefusalReport, refusedLeaseNetwork } from './lease-refusal.js';

const refusal = (network: string) => new NotPermittedError(`lh.evt.lease.${network}.198-18-0-1`, 'Permissions Violation for Publish to "..."');

describe('a lease write the server refused', () => {
  test('names its network; any other error, or a refusal on another subject, is not one', () => {
    expect(refusedLeaseNetwork(refusal('net-1'))).toBe('net-1');
    expect(refusedLeaseNetwork(new NotPermittedError('lh.evt.agent.a1', 'x'))).toBeUndefined();
    expect(refusedLeaseNetwork(new VersionConflictError('lh.evt.lease.n.1', 1, 2))).toBeUndefined();
    expect(refusedLeaseNetwork(new Error('Permissions Violation for Publish to "lh.evt.lease.n.1"'))).toBeUndefined();
    expect(refusedLeaseNetwork(undefined)).toBeUndefined();
  });

  test('is said once per network, then summed up once per interval while refusals go on, and said again after a quiet interval', () => {
    const report = new LeaseRefusalReport(10_000);
    expect(report.refused('n1', 0)).toMatch(/^dhcp: lease write refused: this agent may not write the leases of network n1 \(not bound to it as of the NATS server's last reload\): no DHCPACK there; one line per 10 s/);
    expect(report.refused('n2', 5)).toMatch(/network n2/);
    const lines: string[] = [];
    for (let t = 10; t < 25_000; t += 10) {
      const line = report.refused(t % 20 === 0 ? 'n1' : 'n2', t);
      if (line) lines.push(line);
    }
    expect(lines).toStrictEqual([
      'dhcp: lease writes still not permitted, refused in the last 10 s: n2 (501), n1 (500)',
      'dhcp: lease writes still not permitted, refused in the last 10 s: n1 (500), n2 (500)',
    ]);
    expect(report.tick(30_000)).toBeUndefined();
    expect(report.tick(30_010)).toMatch(/n1 \(\d+\), n2 \(\d+\)$/);
    // Nothing refused for an interval: the next refusal is news again.
    expect(report.tick(40_020)).toBeUndefined();
    expect(report.refused('n1', 41_000)).toMatch(/^dhcp: lease write refused: this agent may not write the leases of network n1/);
  });

  test('is not an outage of the journal: no outage line, the outage report stays quiet, and an outage meanwhile is still reported', () => {
    const report = new JournalOutageReport(10_000);
    expect(report.failed(refusal('n1'), 0)).toMatch(/may not write the leases of network n1/);
    expect(report.failing).toBe(false);
    expect(report.failed(refusal('n1'), 1)).toBeUndefined();
    expect(report.succeeded(2)).toBeUndefined();
    expect(report.failed(new Error('timeout'), 3)).toMatch(/^dhcp: lease write failed, the journal did not acknowledge it \(timeout\)/);
    expect(report.failing).toBe(true);
    expect(report.failed(refusal('n1'), 4)).toBeUndefined();
    // The timer's tick: the outage's summary first, then the refusals'.
    expect(report.failed(new Error('timeout'), 5)).toBeUndefined();
    expect(report.tick(10_010)).toMatch(/^dhcp: lease writes still failing/);
    expect(report.tick(10_020)).toMatch(/^dhcp: lease writes still not permitted, refused in the last 10 s: n1 \(2\)$/);
    expect(report.succeeded(11_000)).toMatch(/acknowledges lease writes again after 11\.0 s; 2 writes failed meanwhile/);
  });
});
