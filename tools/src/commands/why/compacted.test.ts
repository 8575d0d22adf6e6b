import { READ_MODEL_SNAPSHOT_V } from '@leasehold/api';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jsonOf, runCli } from '../resources/testing/run-cli.js';
import { NEW_IP, NEW_MAC, startCompactedFixture, type CompactedFixture } from '../events/testing/compacted-fixture.js';
import { FIXED_IP, FIXED_MAC, POOL_MAC } from '../events/testing/journal-fixture.js';
import { natsSource, type EventSource } from '../replay/source.js';
import { whyBinding } from './binding.js';
import { whyLease } from './lease.js';

let f: CompactedFixture;
let source: EventSource;
const cli = (...args: string[]) => runCli([...args, '--nats-url', f.t.nats.url]);

beforeAll(async () => {
  f = await startCompactedFixture();
  source = natsSource(f.t.nc, f.t.nats.url);
});
afterAll(() => f?.t.stop());

describe('leasehold why lease on a compacted journal', () => {
  test('a lease bound before compaction: the chain starts at the first retained event, is said to be truncated, and the lease is shown as the API snapshot holds it', async () => {
    const why = await whyLease(source, POOL_MAC);
    expect(why.ip).toBe(f.poolIp);
    expect(why.chain.map((s) => [s.seq, s.event.type])).toEqual([
      [f.later.poolRenewed2, 'LeaseRenewed'],
      [f.later.poolRenewed3, 'LeaseRenewed'],
    ]);
    expect(why.truncated).toBe(true);
    const renewed = why.chain[0]!.event;
    expect(why.atSnapshot).toEqual({
      snapshot: `api@${f.snapshotSeq}`,
      seq: f.snapshotSeq,
      at: expect.any(Number),
      lease: { state: 'bound', mac: POOL_MAC, clientId: null, hostname: null, expiresAt: (renewed.data as { expiresAt: number }).expiresAt, updatedAt: renewed.at, version: f.later.poolRenewed2 },
    });
    expect(why.holder).toEqual({ mac: POOL_MAC });
    expect(why.rule).toMatchObject({ source: 'unknown', text: expect.stringContaining(`the LeaseBound that started this lease is before event ${f.firstRetained}: it was compacted`) });

    const run = await cli('why', 'lease', POOL_MAC);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`\\nhistory before event ${f.firstRetained} \\(\\S+\\) was compacted; state before it comes from snapshot api@${f.snapshotSeq} \\(\\S+\\)\\n`));
    expect(run.stdout).toMatch(new RegExp(`\\nat snapshot api@${f.snapshotSeq} \\(\\S+\\): bound, client ${POOL_MAC}, expires \\S+, last changed \\S+ by event ${f.later.poolRenewed2}\\n`));
    expect(run.stdout).toContain(`chain (truncated: the lease's events before event ${f.firstRetained} were compacted; it starts at the first retained one):\n  ${f.later.poolRenewed2} `);

    const json = jsonOf<{ history: unknown; truncated: boolean }>(await cli('why', 'lease', POOL_MAC, '--json'));
    expect(json.truncated).toBe(true);
    expect(json.history).toEqual({ firstRetained: f.firstRetained, firstRetainedAt: expect.any(String), cause: 'compacted', snapshot: { name: 'api', seq: f.snapshotSeq, at: expect.any(String), v: READ_MODEL_SNAPSHOT_V }, others: [] });
  });

  test('a lease whose every event was compacted is still found, from the API snapshot, with an empty chain', async () => {
    const why = await whyLease(source, FIXED_IP);
    expect(why).toMatchObject({ ip: FIXED_IP, chain: [], truncated: true, holder: { mac: FIXED_MAC }, atSnapshot: { lease: { state: 'bound', mac: FIXED_MAC, version: f.seqs.fixedBound } } });
    expect(f.seqs.fixedBound).toBeLessThan(f.firstRetained);
    const run = await cli('why', 'lease', FIXED_MAC);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`: last event none retained\\n`));
    expect(run.stdout).toMatch(new RegExp(`last changed \\S+ by event ${f.seqs.fixedBound} \\(compacted\\)\\n`));
  });

  test('a lease wholly retained is not truncated; what its rule and agent need from before the first retained event is said to be compacted', async () => {
    const why = await whyLease(source, NEW_MAC);
    expect(why).toMatchObject({ ip: NEW_IP, truncated: false, bound: { seq: f.later.newBound }, derivedFrom: f.firstRetained });
    expect(why.chain.map((s) => s.seq)).toEqual([f.later.newBound]);
    expect(why.rule).toMatchObject({ source: 'unknown', text: expect.stringContaining(`created before event ${f.firstRetained}, which was compacted`) });
    expect(why.agent.text).toMatch(new RegExp(`bindings made before event ${f.firstRetained} were compacted; at snapshot api@${f.snapshotSeq} it was bound to agent-a, agent-b`));
    const run = await cli('why', 'lease', NEW_IP);
    expect(run.stdout).toContain(`rule (the agent's lease table replayed from event ${f.firstRetained}, the first retained`);
  });

  test('an address neither retained nor in the snapshot is not found', async () => {
    const run = await cli('why', 'lease', '198.19.9.9');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error NOT_FOUND \(target\): no lease events for 198\.19\.9\.9 in \S+, nor a lease in the API snapshot/);
  });
});

describe('leasehold why binding on a compacted journal', () => {
  test('an agent bound by a compacted decision is named with what the snapshot keeps; one bound since is explained as before', async () => {
    const why = await whyBinding(source, f.networkId);
    expect(why.truncated).toBe(true);
    expect(why.compacted).toEqual([{ agentId: f.bindingAgent, reason: 'new-network', at: expect.any(Number), snapshot: `api@${f.snapshotSeq}` }]);
    expect(why.current.map((d) => [d.agentId, d.reason, d.replayed.same])).toEqual([['agent-b', 'manual', true]]);

    const run = await cli('why', 'binding', f.networkId);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^bindings of network ${f.networkId} \\(\\S+\\): ${f.bindingAgent}, agent-b\\nhistory before event ${f.firstRetained} `));
    expect(run.stdout).toContain(`agent ${f.bindingAgent}: bound at `);
    expect(run.stdout).toContain(`reason new-network, before event ${f.firstRetained}: the decision was compacted (snapshot api@${f.snapshotSeq} keeps its reason and time; its strategy and inputs went with it)`);
    expect(run.stdout).toContain(`its heartbeat fold from event ${f.firstRetained}, the first retained, up to the decision`);
    // By name too: the network's creation was compacted, so its name comes from the read model's snapshot.
    expect((await cli('why', 'binding', 'tools-net')).stdout).toBe(run.stdout);
    const json = jsonOf<{ history: { firstRetained: number; snapshot: { name: string } }; compacted: unknown[] }>(await cli('why', 'binding', f.networkId, '--json'));
    expect(json.history).toMatchObject({ firstRetained: f.firstRetained, snapshot: { name: 'api' } });
    expect(json.compacted).toHaveLength(1);
  });
});
