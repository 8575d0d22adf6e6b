import { describe, expect, test } from 'vitest';
import { TftpLog } from './refusal-log.js';
import { retransmitWaitMs } from './transfer.js';

describe('TFTP retransmission and its log', () => {
  test('the wait for an ACK doubles at each retry and stops growing at 120 s, or at a longer client timeout', () => {
    expect([0, 1, 2, 3, 4].map((n) => retransmitWaitMs(1000, n))).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(retransmitWaitMs(1000, 10)).toBe(120_000);
    expect(retransmitWaitMs(255_000, 3)).toBe(255_000);
  });

  test('log lines past the rate are counted, and the count is said with the next line that may go', () => {
    let now = 0;
    const lines: string[] = [];
    const log = new TftpLog((l) => lines.push(l), 2, () => now);
    for (let i = 0; i < 5; i++) log.line(`refused ${i}`);
    expect(lines).toEqual(['tftp: refused 0', 'tftp: refused 1']);
    expect(log.suppressed).toBe(3);
    now += 1000;
    log.line('refused 5');
    expect(lines.at(-1)).toBe('tftp: refused 5 (3 more lines suppressed before this one)');
    expect(log.suppressed).toBe(0);
  });
});
