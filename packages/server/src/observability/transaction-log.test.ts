import { describe, expect, test } from 'vitest';
import { createLogger } from './logger.js';
import { TransactionLogger } from './transaction-log.js';

const capture = (isTTY: boolean, format: 'json' | 'pretty' = 'json', base: Record<string, unknown> = {}) => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', format, base, destination: { isTTY, write: (text: string) => lines.push(text) } });
  return { lines, logger };
};

describe('transaction lines', () => {
  test('in the pretty format a line reads as dnsmasq writes it; in JSON its facts are the tx field', () => {
    const pretty = capture(true, 'pretty', { process: 'leasehold' });
    new TransactionLogger(pretty.logger, 'dhcp', 10).write('DHCPACK(eth1) 198.18.0.5 02:00:00:00:00:05 vm1', { tx: { type: 'DHCPACK', ip: '198.18.0.5' } });
    expect(pretty.lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  dhcp: DHCPACK\(eth1\) 198\.18\.0\.5 02:00:00:00:00:05 vm1\n$/);
    const json = capture(false);
    new TransactionLogger(json.logger, 'dhcp', 10).write('DHCPACK(eth1) 198.18.0.5 02:00:00:00:00:05 vm1', { tx: { type: 'DHCPACK', ip: '198.18.0.5' } });
    expect(JSON.parse(json.lines[0]!)).toMatchObject({ component: 'dhcp', msg: 'DHCPACK(eth1) 198.18.0.5 02:00:00:00:00:05 vm1', tx: { type: 'DHCPACK', ip: '198.18.0.5' } });
  });

  test('a flood is cut to the rate: the rest are counted and reported once per 10 s, and at close', () => {
    const { lines, logger } = capture(false);
    let now = 0;
    const log = new TransactionLogger(logger, 'dhcp', 5, () => now);
    for (let i = 0; i < 1000; i++) log.write(`line ${i}`, { tx: {} });
    expect(lines).toHaveLength(5);
    expect(log.suppressed).toBe(995);
    now = 10_000; // the bucket is full again; the first write reports what was dropped
    log.write('after', { tx: {} });
    const report = JSON.parse(lines[5]!) as Record<string, unknown>;
    expect(report).toMatchObject({ level: 40, component: 'dhcp', suppressed: 995, suppressedTotal: 995 });
    expect(report.msg).toBe('995 dhcp log lines suppressed in the last 10 s (over log.transaction_rate, 5/s)');
    expect(JSON.parse(lines[6]!)).toMatchObject({ msg: 'after' });
    for (let i = 0; i < 10; i++) log.write('again', { tx: {} });
    log.close();
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ level: 40, suppressed: 6, suppressedTotal: 1001 });
  });
});
