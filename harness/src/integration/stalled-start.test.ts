/**
 * A start never hangs silently (issue 14, point 5). The store's last event is
 * damaged on disk (what two nats-servers writing one store did): nats-server
 * 2.9 starts, counts the event and never delivers it. `leasehold start` must
 * say in its log and on /readyz what it waits for (position, target,
 * filter), and after `--replay-stall-timeout` without progress exit non-zero
 * naming the event it could not read. Before, it waited for ever with no log
 * line and /readyz said only "starting: projections replaying".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, connectNats, startNatsServer } from '@leasehold/journal';
import { damageStoredMessage } from '@leasehold/journal/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_SHAPE, historyPlan, writeHistory } from '../history/index.js';
import { freePort, readyz, spawnLeasehold, unusedBase } from '../history/probes.js';

let dataDir: string;
let damaged: number;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lh-stalled-start-'));
  const storeDir = join(dataDir, 'nats');
  const server = await startNatsServer({ storeDir });
  try {
    const nc = await connectNats(server.url);
    const shape = { ...DEFAULT_SHAPE, networks: 2, portsPerNetwork: 3, leases: 20, base: await unusedBase() };
    await writeHistory(nc, await Journal.open(nc), historyPlan(shape, { events: 1_000, endAt: Date.now() }));
    await nc.close();
  } finally {
    await server.stop();
  }
  damaged = damageStoredMessage(storeDir);
}, 120_000);

afterAll(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('a start whose replay cannot read an event', () => {
  test('says what it waits for in its log and on /readyz, then exits non-zero naming the event it cannot read (regression: issue 14, a start that hung for ever with no log line)', async () => {
    const metrics = await freePort();
    const proc = spawnLeasehold(['start', '--data-dir', dataDir, '--replay-stall-timeout', '4', '--metrics-listen', `127.0.0.1:${metrics}`, '--log-format', 'json']);
    try {
      // While it waits: /readyz names the projection, where it stands and what it waits for.
      await expect
        .poll(async () => (await readyz(metrics).catch(() => undefined))?.body.reasons.join('\n') ?? '', { timeout: 30_000, interval: 200 })
        .toContain(`projection api is waiting for the event after ${damaged - 1} on lh.evt.> (replaying up to ${damaged})`);
      const code = await Promise.race([proc.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
      expect(code, proc.output().slice(-3000)).toBe(1);
      const out = proc.output();
      // A log line every few seconds while it waited, with position, target and filter.
      expect(out).toMatch(new RegExp(`projection api is waiting for the event after ${damaged - 1} on lh\\.evt\\.> \\(replaying up to ${damaged}\\)`));
      expect(out).toMatch(/"position":\d+,"target":\d+/);
      // The reason it gave up: the event it could not read.
      expect(out).toContain(`cannot read event ${damaged}`);
      expect(out).toMatch(/^leasehold: projection api applied no event for \d+ s while replaying lh\.evt\.>: it stopped at event \d+ of \d+; cannot read event \d+/m);
      // Said as the command's error, not as a crash.
      expect(out).not.toMatch(/Unhandled|\n\s+at /);
    } finally {
      await proc.stop();
    }
  }, 90_000);
});
