import { describe, expect, test } from 'vitest';
import { JournalOutageReport } from './journal-outage.js';

describe('the journal outage report', () => {
  test('one line at the first failure, at most one per interval while failures go on, one when a write succeeds again', () => {
    const report = new JournalOutageReport(10_000);
    const timeout = new Error('timeout');
    expect(report.succeeded(0)).toBeUndefined();
    expect(report.failed(timeout, 1_000)).toMatch(/^dhcp: lease write failed, the journal did not acknowledge it \(timeout\): no DHCPACK is sent until it does; one line per 10 s/);
    expect(report.failing).toBe(true);
    const lines: string[] = [];
    for (let t = 1_001; t < 31_000; t += 7) {
      const line = report.failed(timeout, t);
      if (line) lines.push(line);
    }
    // 30 s of failures every 7 ms: about 4,300 failures, three lines.
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^dhcp: lease writes still failing after 10 s: 14\d\d failed in the last 10 s \(timeout\); no DHCPACK without the journal$/);
    // The timer's tick says what came since the last line, once.
    expect(report.tick(31_500)).toMatch(/failing after 31 s: \d+ failed in the last 1\d s/);
    expect(report.tick(45_000)).toBeUndefined();
    expect(report.succeeded(46_000)).toMatch(/^dhcp: the journal acknowledges lease writes again after 45\.0 s; \d{4} writes failed meanwhile/);
    expect(report.failing).toBe(false);
    expect(report.succeeded(47_000)).toBeUndefined();
    expect(report.tick(60_000)).toBeUndefined();
  });
});
