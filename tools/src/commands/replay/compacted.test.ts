import { READ_MODEL_SNAPSHOT_V } from '@leasehold/api';
import { ApiClient } from '@leasehold/api/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../resources/testing/run-cli.js';
import { startCompactedFixture, type CompactedFixture } from '../events/testing/compacted-fixture.js';
import { isoTime } from '../events/render.js';
import { parseAggregate } from './aggregate.js';
import { finalView, runReplay, type ReplayReport } from './run.js';
import { natsSource } from './source.js';

let f: CompactedFixture;
let client: ApiClient;
const cli = (...args: string[]) => runCli([...args, '--nats-url', f.t.nats.url]);
const replay = (aggregate: string) => runReplay(natsSource(f.t.nc, f.t.nats.url), parseAggregate(aggregate), { client, now: f.now });
const seqs = (r: ReplayReport) => r.steps.map((s) => [s.seq, s.event.type]);

beforeAll(async () => {
  f = await startCompactedFixture();
  client = new ApiClient(f.t.nc);
});
afterAll(() => f?.t.stop());

describe('leasehold replay on a compacted journal', () => {
  test('every aggregate ends in the state the whole history gave, and agrees with the running API', async () => {
    for (const name of Object.values(f.aggregates)) {
      const report = await replay(name);
      expect(report.history).toMatchObject({ firstRetained: f.firstRetained, cause: 'compacted', snapshot: { name: 'api', seq: f.snapshotSeq } });
      expect(finalView(report, f.now).view, name).toStrictEqual(f.before.get(name)!.view);
      expect(report.live, name).toMatchObject({ kind: 'agree' });
    }
    // Where the API snapshot holds the machine's whole state, the state is the same to the last field.
    for (const name of [f.aggregates.network, f.aggregates.port]) {
      expect(finalView(await replay(name), f.now).state, name).toStrictEqual(f.before.get(name)!.state);
    }
    // An agent's record but for when its alive period began, which the read model does not keep.
    const agent = finalView(await replay(f.aggregates.agentB), f.now).state as { value: string; context: Record<string, unknown> };
    const whole = f.before.get(f.aggregates.agentB)!.state as typeof agent;
    expect({ ...agent, context: { ...agent.context, aliveSince: 'unknown' } }).toStrictEqual({ ...whole, context: { ...whole.context, aliveSince: 'unknown' } });
  });

  test('an aggregate begun before compaction starts from its state in the API snapshot and steps what came after it; the retained events up to the snapshot are named as in it', async () => {
    const network = await replay(f.aggregates.network);
    expect(network.origin).toMatchObject({ kind: 'snapshot', snapshot: { name: 'api', seq: f.snapshotSeq } });
    expect(network.origin.kind === 'snapshot' && network.origin.folded.map((e) => [e.seq, e.event.type])).toEqual([[f.later.networkUpdated, 'NetworkUpdated']]);
    expect(network).toMatchObject({ initialSeq: f.snapshotSeq, initial: { value: 'active', context: { network: { mtu: 9000 } } }, steps: [] });

    const port = await replay(f.aggregates.port);
    expect(port.origin.kind).toBe('snapshot');
    expect(seqs(port)).toEqual([[f.later.portUpdated, 'PortUpdated']]);
    expect(port.steps[0]).toMatchObject({ value: 'active', context: { port: { name: 'vm-1b' } } });

    const lease = await replay(f.aggregates.poolLease);
    expect(lease.origin).toMatchObject({ kind: 'snapshot', unknown: ['boundAt', 'renewAt', 'rebindAt'] });
    expect(lease.initial.value).toBe('bound');
    expect(seqs(lease)).toEqual([[f.later.poolRenewed3, 'LeaseRenewed']]);
    expect(lease.steps[0]!.refused).toBeUndefined();

    const agentB = await replay(f.aggregates.agentB);
    expect(agentB).toMatchObject({ origin: { kind: 'snapshot', folded: [] }, steps: [], found: true, initial: { value: 'alive', context: { availabilityZone: 'az2' } } });
  });

  test('an aggregate whose retained events alone reach the snapshot\'s state is stepped from the start, every retained event shown', async () => {
    const lease = await replay(f.aggregates.newLease);
    expect(lease.origin).toMatchObject({ kind: 'retained', snapshot: { seq: f.snapshotSeq } });
    expect(seqs(lease)).toEqual([[f.later.newBound, 'LeaseBound']]);
    expect(finalView(lease, f.now).state).toStrictEqual(f.before.get(f.aggregates.newLease)!.state);
    expect((await replay(f.aggregates.agentA)).origin.kind).toBe('retained');
  });

  test('the readable output says where history starts and where the replay starts; --json says it in a first history line', async () => {
    const run = await cli('replay', f.aggregates.network);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const first = (await f.t.journal.jsm.streams.getMessage(f.t.journal.layout.stream, { seq: f.firstRetained }))!.time.getTime();
    expect(run.stdout).toContain(`history before event ${f.firstRetained} (${isoTime(first)}) was compacted; state before it comes from snapshot api@${f.snapshotSeq} (`);
    expect(run.stdout).toContain(`its history began before event ${f.firstRetained}: the replay starts from its state in snapshot api@${f.snapshotSeq}; 1 retained event up to event ${f.snapshotSeq} is already in it: ${f.later.networkUpdated} NetworkUpdated`);
    expect(run.stdout).toMatch(/ {2}initial \(snapshot api@\d+\): active\n {4}\+ context\.network: \{.*mtu=9000/);
    expect(run.stdout).toContain(`state after seq ${f.snapshotSeq}: active`);

    const json = await cli('replay', f.aggregates.poolLease, '--json');
    expect(json.code).toBe(0);
    const [head] = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(head).toEqual({
      history: { firstRetained: f.firstRetained, firstRetainedAt: isoTime(first), cause: 'compacted', snapshot: { name: 'api', seq: f.snapshotSeq, at: expect.any(String), v: READ_MODEL_SNAPSHOT_V }, others: [] },
      origin: expect.objectContaining({ kind: 'snapshot', snapshot: `api@${f.snapshotSeq}`, folded: [{ seq: f.later.poolRenewed2, type: 'LeaseRenewed' }], initial: expect.objectContaining({ seq: f.snapshotSeq, value: 'bound' }) }),
    });
  });

  test('--to below the first retained event, or below the snapshot for an aggregate begun before compaction, is refused with HISTORY_COMPACTED (exit 1)', async () => {
    const below = await cli('replay', f.aggregates.newLease, '--to', String(f.firstRetained - 1));
    expect(below.code).toBe(1);
    expect(below.stderr).toMatch(new RegExp(`^error HISTORY_COMPACTED \\(--to\\): no state at event ${f.firstRetained - 1}: history before it was compacted: the first retained is event ${f.firstRetained} \\(`));
    expect(below.stdout).toBe('');

    const inWindow = await cli('replay', f.aggregates.network, '--to', String(f.snapshotSeq - 1));
    expect(inWindow.code).toBe(1);
    expect(inWindow.stderr).toContain(`its states are known only from snapshot api@${f.snapshotSeq} on (--to ${f.snapshotSeq} or later)`);
    // An aggregate wholly retained can be walked anywhere in the window.
    expect((await cli('replay', f.aggregates.newLease, '--to', String(f.later.newBound))).code).toBe(0);
  });

  test('an aggregate neither retained nor in the snapshot is not found, and the error says where history starts', async () => {
    const run = await cli('replay', 'network/nope');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^error NOT_FOUND \\(aggregate\\): no events for network/nope \\(lh\\.evt\\.network\\.nope\\) in \\S+ \\(history from event ${f.firstRetained} on\\), nor a state in snapshot api@${f.snapshotSeq}\\n$`));
  });
});
