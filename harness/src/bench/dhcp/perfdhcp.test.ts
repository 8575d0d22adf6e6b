import { readFileSync } from 'node:fs';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { PerfdhcpOutputError, childCpuSeconds, parsePerfdhcp, perfdhcpArgs } from './perfdhcp.js';

// A real report: perfdhcp 2.2.0 against a Kea that was still loading its lease file.
const captured = readFileSync(new URL('./fixtures/perfdhcp-2.2.0.txt', import.meta.url), 'utf8');
// perfdhcp 2.2.0 -6 on the link against kea-dhcp6 2.2.0, offered 4,000 SOLICITs/s with 60,000 clients.
const captured6 = readFileSync(new URL('./fixtures/perfdhcp6-2.2.0.txt', import.meta.url), 'utf8');

/** perfdhcp's final report as Kea 2.x prints it, from the counts it would print (`-6`'s section names with family 6). */
function report(r: { rate: number; dSent: number; oRecv: number; rSent: number; aRecv: number; family?: 4 | 6 }): string {
  const [first, second] = r.family === 6 ? ['SOLICIT-ADVERTISE', 'REQUEST-REPLY'] : ['DISCOVER-OFFER', 'REQUEST-ACK'];
  const stats = (name: string, sent: number, recv: number) =>
    [`***Statistics for: ${name}***`, `sent packets: ${sent}`, `received packets: ${recv}`, `drops: ${sent - recv}`, 'drops ratio: 0 %', 'orphans: 0', '', 'min delay: 0.015 ms', 'avg delay: 0.666 ms', ''].join('\n');
  return ['Running: perfdhcp', '***Rate statistics***', `Rate: ${r.rate} 4-way exchanges/second, expected rate: 20000`, '', stats(first, r.dSent, r.oRecv), stats(second, r.rSent, r.aRecv)].join('\n');
}

describe('perfdhcp reports', () => {
  test('a captured report of perfdhcp 2.2.0 reads as its rate, counts and delays', () => {
    const r = parsePerfdhcp(captured);
    expect(r.doraPerSecond).toBe(1551.46);
    expect([r.discoversSent, r.offersReceived, r.requestsSent, r.acksReceived]).toStrictEqual([3999, 3105, 3105, 3103]);
    expect(r.incompletePercent).toBeCloseTo((100 * (3999 - 3103)) / 3999, 10);
    expect([r.avgOfferMs, r.avgAckMs]).toStrictEqual([8.253, 4.155]);
    expect([r.maxOfferMs, r.maxAckMs]).toStrictEqual([130.373, 123.019]);
  });

  test.prop([fc.integer({ min: 0, max: 10_000_000 }).chain((dSent) => fc.record({
    rate: fc.double({ min: 0, max: 1e6, noNaN: true }).map((x) => Math.round(x * 1000) / 1000),
    dSent: fc.constant(dSent),
    oRecv: fc.integer({ min: 0, max: dSent }),
    family: fc.constantFrom(4 as const, 6 as const),
  }).chain((r) => fc.integer({ min: 0, max: r.oRecv }).map((aRecv) => ({ ...r, rSent: r.oRecv, aRecv })))) ])(
    'the incomplete share is the DISCOVERs (SOLICITs) without an ACK (REPLY), between 0 and 100 percent',
    (r) => {
      const parsed = parsePerfdhcp(report(r), r.family);
      expect(parsed.doraPerSecond).toBe(r.rate);
      expect(parsed.acksReceived).toBe(r.aRecv);
      expect(parsed.incompletePercent).toBeGreaterThanOrEqual(0);
      expect(parsed.incompletePercent).toBeLessThanOrEqual(100);
      expect(Math.abs(parsed.incompletePercent * r.dSent - 100 * (r.dSent - r.aRecv))).toBeLessThanOrEqual(1e-9 * 100 * Math.max(1, r.dSent));
    },
  );

  test('a report without its REQUEST-ACK section is refused, naming the section', () => {
    const cut = captured.slice(0, captured.indexOf('***Statistics for: REQUEST-ACK***'));
    expect(() => parsePerfdhcp(cut)).toThrow(PerfdhcpOutputError);
    expect(() => parsePerfdhcp(cut)).toThrow(/REQUEST-ACK/);
  });

  test('a captured perfdhcp -6 report reads as its rate, SOLICITs, ADVERTISEs, REQUESTs, REPLYs and delays', () => {
    const r = parsePerfdhcp(captured6, 6);
    expect(r.doraPerSecond).toBe(3633.31);
    expect([r.discoversSent, r.offersReceived, r.requestsSent, r.acksReceived]).toStrictEqual([11998, 10956, 10956, 10907]);
    expect(r.incompletePercent).toBeCloseTo((100 * (11998 - 10907)) / 11998, 10);
    expect([r.avgOfferMs, r.avgAckMs]).toStrictEqual([11.766, 9.308]);
    expect([r.maxOfferMs, r.maxAckMs]).toStrictEqual([139.456, 156.636]);
  });

  test("each family's report is refused as the other's, naming the section it lacks", () => {
    expect(() => parsePerfdhcp(captured6)).toThrow(/DISCOVER-OFFER/);
    expect(() => parsePerfdhcp(captured, 6)).toThrow(/SOLICIT-ADVERTISE/);
  });

  test('perfdhcp -6 is sent out of the named interface, to ff02::1:2 (all) unless told otherwise', () => {
    const args = perfdhcpArgs({ rate: 1000, seconds: 5, clients: 60_000, server: 'all', family: 6, interface: 'lhbc' });
    expect(args.slice(0, 3)).toStrictEqual(['-6', '-l', 'lhbc']);
    expect(args.at(-1)).toBe('all');
    expect(perfdhcpArgs({ rate: 1000, seconds: 5, clients: 60_000, server: '198.18.0.1' })[0]).toBe('-4');
  });

  test('output that is not a report (a usage error) is refused', () => {
    expect(() => parsePerfdhcp('Error parsing command line: -r must be positive')).toThrow(/Rate/);
  });

  test.prop([fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 1_000_000 })])(
    'runs single-threaded with the asked rate, period and client count, the server last',
    (rate, seconds, clients) => {
      const args = perfdhcpArgs({ rate, seconds, clients, server: '198.18.0.1' });
      expect(args.slice(args.indexOf('-g'), args.indexOf('-g') + 2)).toStrictEqual(['-g', 'single']);
      expect(args[args.indexOf('-r') + 1]).toBe(String(rate));
      expect(args[args.indexOf('-p') + 1]).toBe(String(seconds));
      expect(args[args.indexOf('-R') + 1]).toBe(String(clients));
      expect(args.at(-1)).toBe('198.18.0.1');
    },
  );

  test.prop([fc.integer({ min: 0, max: 1e7 }), fc.integer({ min: 0, max: 1e7 }), fc.string({ maxLength: 12 }).map((s) => s.replace(/\n/g, ''))])(
    "reads the shell's waited-for children's CPU (cutime + cstime) from its stat line, whatever its command name",
    (cutime, cstime, comm) => {
      // proc(5): pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
      const stat = `4242 (${comm}) S 1 4242 4242 0 -1 4194304 100 200 0 0 7 3 ${cutime} ${cstime} 20 0 1 0 12345 2000000 300`;
      const output = `${captured}LH-SHELL-STAT ${stat}\n`;
      expect(childCpuSeconds(output)).toBeCloseTo((cutime + cstime) / 100, 9);
      expect(parsePerfdhcp(output).acksReceived).toBe(3103);
    },
  );

  test('has no CPU figure when the shell printed no stat line', () => {
    expect(childCpuSeconds(captured)).toBeUndefined();
  });
});
