import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { READ_MODEL_SNAPSHOT_V, ReadModel } from '@leasehold/api';
import { unpack } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jsonOf, runCli } from '../resources/testing/run-cli.js';
import { startCompactedFixture, type CompactedFixture } from '../events/testing/compacted-fixture.js';
import { parseAggregate } from '../replay/aggregate.js';
import { finalView, runReplay } from '../replay/run.js';
import { bundleSource } from '../replay/source.js';
import { readBundle } from './bundle.js';

let f: CompactedFixture;
const dir = mkdtempSync(join(tmpdir(), 'lh-export-compacted-'));
const cli = (...args: string[]) => runCli([...args, '--nats-url', f.t.nats.url]);
/** `replay --json` without its summary (which holds the time it took) and its live check (a bundle has no API). */
const replayJson = async (...args: string[]) => {
  const run = await runCli(['replay', '--json', ...args]);
  expect(run.stderr).toBe('');
  return run.stdout.trimEnd().split('\n').filter((l) => !l.startsWith('{"summary"') && !l.startsWith('{"check":"live"'));
};

beforeAll(async () => {
  f = await startCompactedFixture();
});
afterAll(async () => {
  await f?.t.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('leasehold export of a compacted journal', () => {
  test('the bundle carries the API snapshot that holds what was compacted, and says where its history starts', async () => {
    const file = join(dir, 'all.lhb');
    const run = await cli('export', '-o', file);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^exported \\d+ events of \\d+ aggregates \\(\\+projection snapshot api@${f.snapshotSeq}\\) to .*\\nhistory before event ${f.firstRetained} \\(\\S+\\) was compacted; state before it comes from snapshot api@${f.snapshotSeq} \\(\\S+\\)\\n$`));

    const bundle = await readBundle(file);
    expect(bundle.header).toMatchObject({ version: 2, firstSeq: f.firstRetained, stream: { firstSeq: f.firstRetained } });
    expect(bundle.history).toMatchObject({ firstRetained: f.firstRetained, cause: 'compacted', snapshots: [{ name: 'api', seq: f.snapshotSeq, v: READ_MODEL_SNAPSHOT_V }] });
    // The snapshot's bytes exactly as stored: they restore to the read model the API had then.
    const stored = ReadModel.restore(unpack(bundle.projections.get('api')!.bytes));
    expect(stored.at()).toBe(f.snapshotSeq);
    expect(stored.network(f.networkId)?.context.network?.mtu).toBe(9000);

    const json = jsonOf<{ header: { version: number }; history: unknown }>(await cli('export', '-o', join(dir, 'json.lhb'), '--json'));
    expect(json.header.version).toBe(2);
    expect(json.history).toEqual({ firstRetained: f.firstRetained, firstRetainedAt: expect.any(String), cause: 'compacted', snapshot: { name: 'api', seq: f.snapshotSeq, at: expect.any(String), v: READ_MODEL_SNAPSHOT_V }, others: [] });
  });

  test('replay --bundle rebuilds the same states as a replay on NATS, and the state the whole history gave', async () => {
    const file = join(dir, 'net.lhb');
    expect((await cli('export', '--network', f.networkId, '-o', file)).code).toBe(0);
    const source = bundleSource(await readBundle(file), file);
    // --network finds the network's port from the snapshot: its PortCreated was compacted, its PortUpdated travels.
    for (const name of Object.values(f.aggregates)) {
      const offline = await replayJson('--bundle', file, name);
      const online = await replayJson('--no-live', name, '--nats-url', f.t.nats.url);
      expect(offline, name).toEqual(online);
      expect(finalView(await runReplay(source, parseAggregate(name), { now: f.now }), f.now).view, name).toStrictEqual(f.before.get(name)!.view);
    }
    expect(JSON.parse((await replayJson('--bundle', file, f.aggregates.port)).at(-2)!)).toMatchObject({ seq: f.later.portUpdated, type: 'PortUpdated', value: 'active' });
  });

  test('an export --since after the snapshot reads from the event after it, so the bundle holds the snapshot and every event since', async () => {
    const file = join(dir, 'since.lhb');
    const run = await cli('export', '--since', String(f.later.portUpdated), '-o', file);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`\\nthis bundle holds history from event ${f.snapshotSeq + 1} \\(\\S+\\) on; state before it comes from snapshot api@${f.snapshotSeq} \\(`));
    const bundle = await readBundle(file);
    expect(bundle.history).toMatchObject({ firstRetained: f.snapshotSeq + 1, cause: 'exported' });
    expect(bundle.events[0]!.seq).toBe(f.snapshotSeq + 1);
    const port = await replayJson('--bundle', file, f.aggregates.port);
    expect(JSON.parse(port[0]!)).toMatchObject({ history: { firstRetained: f.snapshotSeq + 1, cause: 'exported', snapshot: { name: 'api' } }, origin: { kind: 'snapshot' } });
    const refused = await runCli(['replay', '--bundle', file, f.aggregates.port, '--to', String(f.snapshotSeq)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^error HISTORY_COMPACTED \\(--to\\): no state at event ${f.snapshotSeq}: this bundle holds history only from event ${f.snapshotSeq + 1}`));
  });

  test('without snapshots (--no-snapshots) the bundle says it cannot rebuild what came before, and replay says its walk is partial', async () => {
    const file = join(dir, 'bare.lhb');
    expect((await cli('export', '--no-snapshots', '-o', file)).stdout).toContain('no API read-model snapshot holds what came before (left out of the bundle (--no-snapshots))');
    const run = await runCli(['replay', '--bundle', file, f.aggregates.network]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`stepped from its initial state over the retained events alone; its events before event ${f.firstRetained}, if any, are missing`);
    expect(run.stdout).toMatch(/NetworkUpdated: absent {2}\[NetworkUpdated is not accepted in state absent\]/);
  });

  test('with the server gone, a bundle of the compacted journal still replays', async () => {
    const file = join(dir, 'offline.lhb');
    expect((await cli('export', '-o', file)).code).toBe(0);
    await f.t.stop();
    const run = await runCli(['replay', '--bundle', file, f.aggregates.poolLease]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`state before it comes from snapshot api@${f.snapshotSeq}`);
    expect(run.stdout).toMatch(new RegExp(`seq ${f.later.poolRenewed3} \\S+ LeaseRenewed: bound\\n`));
  });
});
