import { Journal, ProjectionSnapshots } from '@leasehold/journal';
import { startTestNats, testEvent, type TestNats } from '@leasehold/journal/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jsonOf, runCli } from '../resources/testing/run-cli.js';
import { renderStatus, retentionMsOf, type HistoryStatus } from './command.js';

let nats: TestNats;
let journal: Journal;
const cli = (...args: string[]) => runCli([...args, '--nats-url', nats.url]);

beforeAll(async () => {
  nats = await startTestNats();
  journal = await Journal.open(await nats.connect());
});
afterAll(() => nats.stop());

describe('leasehold history', () => {
  test('status says where history starts and which snapshots hold it; compact purges what every snapshot holds, and status then says history was compacted', async () => {
    for (let i = 0; i < 30; i++) await journal.append(`lh.evt.test.h.k${i % 4}`, [testEvent('h', 'Put', { n: i })]);
    const snapshots = await ProjectionSnapshots.open(journal);
    await snapshots.save('api', { v: 1 }, 20, { any: 'state' });
    // Until every kind of state has a snapshot, nothing may go.
    expect((await cli('history', 'compact', '--retention', '0')).stdout).toBe('nothing to compact: no snapshot of scheduler, agent yet\n');
    expect((await cli('history', 'status', '--retention', '0')).stdout).toContain('nothing is removed until there is a snapshot of every kind of state (none yet: scheduler, agent)');
    await snapshots.save('scheduler', { v: 1 }, 25, { any: 'state' });
    await snapshots.save('agent-h1', { v: 1 }, 28, { any: 'state' });

    const before = jsonOf<HistoryStatus>(await cli('history', 'status', '--json', '--retention', '0'));
    expect(before).toMatchObject({ firstRetained: 1, lastSeq: 30, floor: 21, removable: 20, pinnedBy: { name: 'api', seq: 20 } });
    expect(before.snapshots.map((s) => [s.name, s.seq])).toStrictEqual([['agent-h1', 28], ['api', 20], ['scheduler', 25]]);
    // The default window (7 days) keeps everything.
    expect(jsonOf<HistoryStatus>(await cli('history', '--json'))).toMatchObject({ windowStart: 1, floor: 1, removable: 0 });

    const compact = await cli('history', 'compact', '--retention', '0');
    expect(compact.stderr).toBe('');
    expect(compact.stdout).toMatch(/^compacted 20 events below event 21/);
    const after = await cli('history', 'status', '--retention', '0');
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('events 21..30 retained');
    expect(after.stdout).toContain('history before event 21 was compacted into the projection snapshots below');
    expect(after.stdout).toMatch(/api\s+event 20\s/);
    expect((await cli('history', 'compact', '--retention', '0')).stdout).toMatch(/^nothing to compact: the floor is event 21 \(held back by snapshot api\)/);
  });

  test('a retention that is not a number of seconds is a usage error', async () => {
    expect(() => retentionMsOf({ retention: 'week' })).toThrow(/seconds/);
    expect(retentionMsOf({})).toBe(7 * 86_400_000);
    const run = await cli('history', 'compact', '--retention', '-1');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--retention wants seconds/);
  });

  test('the report of a journal never compacted says full history is kept, and lists no snapshot when none exists', () => {
    const text = renderStatus({ firstRetained: 1, lastSeq: 5, windowStart: 1, floor: 1, pinnedBy: undefined, missing: [], removable: 0, bytes: 2_097_152, messages: 5, retentionMs: 604_800_000, snapshots: [] }, 0);
    expect(text).toContain('full history since event 1');
    expect(text).toContain('none yet');
    expect(text).toContain('(5 messages, 2.0 MB)');
  });
});
