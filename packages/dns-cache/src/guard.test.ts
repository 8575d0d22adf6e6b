import { describe, expect, test } from 'vitest';
import { ErrorGuard } from './guard.js';
import { emptyStats } from './stats.js';

describe('ErrorGuard', () => {
  test('every error is counted, and at most one line per interval is logged, saying how many were caught since the last', () => {
    const stats = emptyStats();
    const lines: string[] = [];
    let now = 0;
    const guard = new ErrorGuard(stats, (line) => lines.push(line), 10_000, () => now);
    for (let i = 0; i < 1000; i++) guard.report('the UDP listener', new Error(`boom ${i}`));
    expect(stats.internalErrors).toBe(1000);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dns-cache: error caught in the UDP listener, 1 so far: Error: boom 0/);
    now = 9_999;
    guard.report('a timer', new Error('still quiet'));
    expect(lines).toHaveLength(1);
    now = 10_000;
    guard.report('a timer', 'not an Error');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('dns-cache: error caught in a timer, 1002 so far (1000 more caught since the last line): not an Error');
  });

  test('a wrapped handler that throws returns normally and the error is counted; a logger that throws does not undo the guard', () => {
    const stats = emptyStats();
    const guard = new ErrorGuard(stats, () => {
      throw new Error('the log is gone');
    });
    const handler = guard.wrap('a socket callback', (n: number) => {
      if (n > 1) throw new Error('bad');
    });
    expect(() => handler(1)).not.toThrow();
    expect(() => handler(2)).not.toThrow();
    expect(stats.internalErrors).toBe(1);
  });
});
