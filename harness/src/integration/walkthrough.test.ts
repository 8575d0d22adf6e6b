/**
 * The walkthrough of issue 14 (points 3 and 5) on a store with a real
 * history: `leasehold start` on a data directory, a second `leasehold start`
 * on the same directory (it used to spawn a second nats-server on the store,
 * which left a message no server could read and the next start hanging for
 * ever with no log line), then the first system still answers, and after it
 * stops a restart replays every event: every projection reaches the end of
 * the stream, nothing was lost, and the API holds what it held.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '@leasehold/api/client';
import { Journal, connectNats, startNatsServer } from '@leasehold/journal';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_SHAPE, historyPlan, writeHistory, type LiveState } from '../history/index.js';
import { connectToSystem, freePort, readyz, spawnLeasehold, unusedBase, untilReady } from '../history/probes.js';

let dataDir: string;
let live: LiveState;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lh-walkthrough-'));
  const server = await startNatsServer({ storeDir: join(dataDir, 'nats') });
  try {
    const nc = await connectNats(server.url);
    ({ live } = await writeHistory(nc, await Journal.open(nc), historyPlan({ ...DEFAULT_SHAPE, base: await unusedBase() }, { events: 50_000, endAt: Date.now() })));
    await nc.close();
  } finally {
    await server.stop();
  }
}, 180_000);

afterAll(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The stream's state and what the API answers, through the running system's NATS. */
async function observe(url: string) {
  const nc = await connectToSystem(url, dataDir);
  try {
    const journal = await Journal.open(nc);
    const { state } = await journal.jsm.streams.info(journal.layout.stream);
    const api = new ApiClient(nc, { timeoutMs: 10_000 });
    const ports = (await api.ports.list({ network_id: live.networkIds[0]! })).length;
    const networks = (await api.networks.list()).map((n) => n.name).sort();
    return { messages: state.messages, lastSeq: state.last_seq, ports, networks };
  } finally {
    await nc.close();
  }
}

describe('the walkthrough of issue 14', () => {
  test('two starts on one directory (the second refused), the first still answers, and a restart replays every event and is ready', async () => {
    const args = ['start', '--data-dir', dataDir, '--replay-stall-timeout', '20', '--log-format', 'json'];
    const metrics = await freePort();
    const first = spawnLeasehold([...args, '--metrics-listen', `127.0.0.1:${metrics}`]);
    let seen: Awaited<ReturnType<typeof observe>>;
    try {
      await first.waitFor(/Press Ctrl-C to stop/, 120_000);
      const url = /nats\s+(nats:\/\/[\d.:]+)/.exec(first.output())![1]!;
      const nc = await connectToSystem(url, dataDir);
      await new ApiClient(nc).networks.create({ name: 'made-by-the-first' });
      await nc.close();
      const before = await observe(url);

      const second = spawnLeasehold([...args, '--metrics-listen', '127.0.0.1:0']);
      const code = await Promise.race([second.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000))]);
      expect(code, second.output()).not.toBe(0);
      expect(code).not.toBe('hung');
      expect(second.output()).toContain(`is in use by pid ${first.pid}`);

      // The first system still answers, with everything it had.
      expect((await readyz(metrics)).status).toBe(200);
      seen = await observe(url);
      expect(seen.ports).toBe(before.ports);
      expect(seen.networks).toStrictEqual(before.networks);
      expect(seen.messages).toBeGreaterThanOrEqual(before.messages);
      expect(await first.stop()).toBe(0);
    } finally {
      await first.stop();
    }

    // A restart replays every event and is ready within its bound (no silent hang).
    const restartMetrics = await freePort();
    const restart = spawnLeasehold([...args, '--metrics-listen', `127.0.0.1:${restartMetrics}`]);
    try {
      await restart.waitFor(/Press Ctrl-C to stop/, 120_000);
      await untilReady(restartMetrics, 30_000, restart.exited);
      const url = /nats\s+(nats:\/\/[\d.:]+)/.exec(restart.output())![1]!;
      const after = await observe(url);
      expect(after.messages).toBeGreaterThanOrEqual(seen.messages);
      expect(after.ports).toBe(seen.ports);
      expect(after.networks).toStrictEqual(seen.networks);
      const ready = (await readyz(restartMetrics)).body as unknown as { projections: { name: string; position: number; lag: number }[] };
      expect(ready.projections.map((p) => p.name).sort()).toStrictEqual(['agent-' + /agent\s+(\S+):/.exec(restart.output())![1], 'api', 'scheduler'].sort());
      for (const p of ready.projections) expect(p.position, p.name).toBeGreaterThanOrEqual(seen.lastSeq);
      expect(restart.output()).not.toMatch(/ProjectionStalledError|cannot read event|could not be read/);
      expect(await restart.stop()).toBe(0);
    } finally {
      await restart.stop();
    }
  }, 300_000);
});
