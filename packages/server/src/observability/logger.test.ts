import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { createLogger, partLog, prettyLine } from './logger.js';

const capture = (isTTY: boolean) => {
  const lines: string[] = [];
  return { lines, destination: { isTTY, write: (text: string) => lines.push(text) } };
};

describe('logger', () => {
  test('writes one JSON object per line with level, time, component and message when not on a terminal', () => {
    const out = capture(false);
    const logger = createLogger({ level: 'info', format: 'auto', destination: out.destination, base: { role: 'agent' } });
    partLog(logger, 'agent')('dhcp: listening on eth1 port 67');
    logger.debug('not written at level info');
    expect(out.lines).toHaveLength(1);
    const entry = JSON.parse(out.lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 30, component: 'agent', role: 'agent', msg: 'dhcp: listening on eth1 port 67', pid: process.pid });
    expect(typeof entry.time).toBe('number');
  });

  test('a line from a part that says something failed is logged as a warning', () => {
    const out = capture(false);
    partLog(createLogger({ level: 'warn', format: 'json', destination: out.destination }), 'agent')('dhcp: cannot listen on eth9: ENODEV');
    expect(JSON.parse(out.lines[0]!)).toMatchObject({ level: 40, msg: 'dhcp: cannot listen on eth9: ENODEV' });
  });

  test('a line about an event a projection quarantined is logged as an error with its sequence and subject', () => {
    const out = capture(false);
    const line = 'api: journal: projection api quarantined event 7 on lh.evt.network.n1 (NetworkCreated v1): NetworkCreated v1: data.network: missing; skipped (its aggregate stays writable)';
    partLog(createLogger({ level: 'error', format: 'json', destination: out.destination }), 'api')(line);
    expect(JSON.parse(out.lines[0]!)).toMatchObject({ level: 50, component: 'api', seq: 7, subject: 'lh.evt.network.n1', msg: line });
  });

  test('on a terminal (format auto) each entry is one readable line with its fields', () => {
    const out = capture(true);
    createLogger({ level: 'info', format: 'auto', destination: out.destination }).child({ component: 'api' }).warn({ subject: 'lh.api.v1.ports.create', n: 3 }, 'internal error');
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  api: internal error subject=lh\.api\.v1\.ports\.create n=3\n$/);
  });

  test.prop([fc.string(), fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.oneof(fc.string(), fc.integer()))])(
    'a pretty line is always exactly one line that holds the message and every field',
    (msg, fields) => {
      const line = prettyLine(JSON.stringify({ ...fields, level: 30, time: 0, msg }));
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
      // A pretty line leaves out pino's own fields, the role (`process`) and a transaction's facts (`tx`, already in its message).
      for (const key of Object.keys(fields)) if (!['level', 'time', 'msg', 'pid', 'hostname', 'component', 'process', 'tx'].includes(key)) expect(line).toContain(` ${key}=`);
    },
  );
});
