import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectNats, startNatsServer } from '@leasehold/journal';
import { afterAll, describe, expect, test } from 'vitest';
import { DEFAULT_RESTART_POLICY, describeExit, lastComplaint, nextRestartDelay, superviseNatsServer } from './embedded-nats.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const storeDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'lh-supervised-'));
  dirs.push(dir);
  return dir;
};

describe('the restart policy', () => {
  test('backs off 0.25, 0.5, 1, 2, 4 s and gives up at the sixth exit within five minutes; exits older than the window are forgiven', () => {
    const policy = DEFAULT_RESTART_POLICY;
    const exits: number[] = [];
    const delays = [];
    for (let i = 0; i < 6; i++) {
      exits.push(i * 1000);
      delays.push(nextRestartDelay(policy, exits, i * 1000));
    }
    expect(delays).toStrictEqual([250, 500, 1000, 2000, 4000, undefined]);
    // Ten minutes later the same history counts for nothing.
    expect(nextRestartDelay(policy, [...exits, 600_000], 600_000)).toBe(250);
    expect(nextRestartDelay({ ...policy, maxDelayMs: 1000 }, [0, 1, 2, 3], 3)).toBe(1000);
  });

  test('an exit is described by its signal or its code, and by the server\'s last fatal line', () => {
    expect(describeExit({ code: null, signal: 'SIGKILL' })).toBe('was killed by SIGKILL');
    expect(describeExit({ code: 1, signal: null })).toBe('exited with code 1');
    const log = [
      '[7] 2026/12/07 14:58:53.510567 [INF] Server is ready',
      '[7] 2026/12/07 14:58:54.000000 [FTL] Can\'t start JetStream: no space left on device',
      '[7] 2026/12/07 14:58:54.100000 [INF] Server Exiting..',
    ].join('\n');
    expect(lastComplaint(log)).toBe("[FTL] Can't start JetStream: no space left on device");
    expect(lastComplaint('[7] 2026/12/07 14:58:53.510567 [INF] Server is ready\n')).toBe('[INF] Server is ready');
    expect(lastComplaint('')).toBeUndefined();
  });
});

describe('a supervised nats-server', () => {
  test('killed, it is down at once, restarted on the same port and store, and its clients reconnect; past the budget the supervisor gives up', { timeout: 30_000 }, async () => {
    const dir = storeDir();
    const lines: string[] = [];
    const nats = await superviseNatsServer({
      start: (port) => startNatsServer({ storeDir: dir, ...(port === undefined ? {} : { port }) }),
      policy: { maxRestarts: 2, windowMs: 60_000, firstDelayMs: 100, maxDelayMs: 200 },
      log: (level, line) => lines.push(`${level} ${line}`),
    });
    const nc = await connectNats(nats.url, { env: {} });
    try {
      expect(nats.down()).toBeUndefined();
      const first = nats.pid();
      process.kill(first, 'SIGKILL');
      await expect.poll(() => nats.down(), { timeout: 2000, interval: 10 }).toBe(`the embedded nats-server (pid ${first}) was killed by SIGKILL`);
      expect(lines[0]).toMatch(new RegExp(`^error journal unavailable: the embedded nats-server \\(pid ${first}\\) was killed by SIGKILL; restarting it in 100 ms on ${nats.url} \\(restart 1, at most 2 within 60 s\\)`));
      await expect.poll(() => nats.down(), { timeout: 5000, interval: 20 }).toBeUndefined();
      expect(nats.pid()).not.toBe(first);
      expect(nats.restarts()).toBe(1);
      expect(lines[1]).toMatch(/^warn the embedded nats-server is back \(pid \d+\) on nats:\/\/127\.0\.0\.1:\d+ after restart 1/);
      // The client knew only the URL, and it is the same.
      await expect.poll(async () => (await nc.rtt().then(() => true, () => false)), { timeout: 5000, interval: 100 }).toBe(true);

      process.kill(nats.pid(), 'SIGKILL');
      await expect.poll(() => nats.restarts(), { timeout: 5000, interval: 20 }).toBe(2);
      await expect.poll(() => nats.down(), { timeout: 5000, interval: 20 }).toBeUndefined();
      const last = nats.pid();
      process.kill(last, 'SIGKILL');
      const reason = await nats.gaveUp;
      expect(reason).toBe(`the embedded nats-server (pid ${last}) was killed by SIGKILL; it exited 3 times within 60 s, so no more restarts: the journal is gone`);
      expect(nats.down()).toMatch(/was killed by SIGKILL/);
      expect(lines.at(-1)).toBe(`error ${reason}`);
    } finally {
      await nc.close();
      await nats.stop();
    }
  });

  test('stopped while a restart waits, it starts nothing more', { timeout: 10_000 }, async () => {
    const dir = storeDir();
    let starts = 0;
    const nats = await superviseNatsServer({
      start: (port) => {
        starts++;
        return startNatsServer({ storeDir: dir, ...(port === undefined ? {} : { port }) });
      },
      policy: { maxRestarts: 5, windowMs: 60_000, firstDelayMs: 1000, maxDelayMs: 1000 },
      log: () => {},
    });
    process.kill(nats.pid(), 'SIGKILL');
    await expect.poll(() => nats.down(), { timeout: 2000, interval: 10 }).toBeDefined();
    await nats.stop();
    await new Promise((r) => setTimeout(r, 1500));
    expect(starts).toBe(1);
  });
});
