import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '@leasehold/journal';
import { AckPolicy } from '@nats-io/jetstream';
import { afterAll, expect, test } from 'vitest';
import { openNats } from './nats.js';
import { startSystem } from './system.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('the owner of the embedded server removes a durable consumer from the events stream and says so; the system\'s own readers stay', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lh-consumer-guard-'));
  dirs.push(dataDir);
  const lines: string[] = [];
  const nats = await openNats({ natsUrl: undefined, dataDir, name: 'guard-test', parts: { api: true }, log: (_level, line) => lines.push(line) });
  try {
    // What a role allowed to create consumers could leave behind: a durable, made before the system starts.
    const journal = await Journal.open(nats.nc);
    await journal.jsm.consumers.add(journal.layout.stream, { durable_name: 'left-behind', ack_policy: AckPolicy.Explicit });
    const system = await startSystem(nats, { api: { agentDownTimeMs: 1500 }, scheduler: false, agent: false, log: (line) => lines.push(line) });
    try {
      await expect.poll(() => lines.join('\n'), { timeout: 5000 }).toMatch(/durable consumer left-behind on LH_EVENTS refused and removed/);
      const names: string[] = [];
      for await (const info of journal.jsm.consumers.list(journal.layout.stream)) names.push(info.name);
      expect(names).not.toContain('left-behind');
      // The API's projection reads through an ordered consumer, which the guard leaves alone.
      expect(names.length).toBeGreaterThan(0);
      expect((await journal.jsm.streams.info(journal.layout.stream)).config.max_consumers).toBe(journal.layout.maxConsumers);
    } finally {
      await system.stop();
    }
  } finally {
    await nats.close();
  }
});
