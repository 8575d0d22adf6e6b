import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aggregateSubject } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../resources/testing/run-cli.js';
import { startFixture, type Fixture } from '../events/testing/journal-fixture.js';
import { readEvents } from '../events/reader.js';
import { EXIT_DIVERGED } from '../replay/command.js';
import { readBundle } from './bundle.js';

let f: Fixture;
let other: string;
const dir = mkdtempSync(join(tmpdir(), 'lh-export-'));
const bundle = join(dir, 'net.lhb');

beforeAll(async () => {
  f = await startFixture();
  other = (await f.t.client.networks.create({ name: 'not-exported' })).id;
  const created = await f.t.journal.read(aggregateSubject('network', f.networkId));
  // A stale snapshot travels with the bundle, so the divergence shows without NATS too.
  await f.t.journal.saveSnapshot(aggregateSubject('network', f.networkId), { v: 1, seq: created.at(-1)!.seq, state: { value: 'absent', context: { network: null, subnets: {} } } });
});
afterAll(async () => {
  await f?.t.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('leasehold export', () => {
  test('--network takes the network\'s name as well as its id (a name used to export only heartbeats); an unknown name is a usage error', async () => {
    const byName = join(dir, 'by-name.lhb');
    const run = await runCli(['export', '--network', 'tools-net', '-o', byName, '--nats-url', f.t.nats.url]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const b = await readBundle(byName);
    expect(b.header.filters).toMatchObject({ network: f.networkId });
    const subjects = new Set(b.events.map((e) => e.subject.split('.').slice(2, 4).join('.')));
    expect(subjects).toContain(`network.${f.networkId}`);
    expect(subjects).toContain(`port.${f.portId}`);
    expect(subjects).not.toContain(`network.${other}`);

    const unknown = await runCli(['export', '--network', 'no-such-net', '-o', join(dir, 'none.lhb'), '--nats-url', f.t.nats.url]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no network is named "no-such-net"/);
  });

  test('--network writes the network\'s events byte for byte and a summary line; replay --bundle then works with the server gone', async () => {
    const run = await runCli(['export', '--network', f.networkId, '-o', bundle, '--nats-url', f.t.nats.url]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^exported \\d+ events of \\d+ aggregates \\(\\+1 snapshot\\) to ${bundle.replaceAll('/', '\\/')} \\([\\d.]+ kB\\) in \\d+ ms\\n$`));

    const stored = new Map<number, Uint8Array>();
    await readEvents(f.t.nc, { filter: 'lh.evt.>' }, (raw) => void stored.set(raw.seq, raw.data));
    const b = await readBundle(bundle);
    expect(b.header).toMatchObject({ format: 'leasehold-bundle', version: 2, count: b.events.length, filters: { network: f.networkId, agents: true } });
    const subjects = new Set(b.events.map((e) => e.subject.split('.').slice(2, 4).join('.')));
    expect(subjects).toContain(`network.${f.networkId}`);
    expect(subjects).toContain(`port.${f.portId}`);
    expect(subjects).toContain('agent.agent-a');
    expect(subjects).not.toContain(`network.${other}`);
    for (const e of b.events) expect(Buffer.from(e.data).equals(Buffer.from(stored.get(e.seq)!))).toBe(true);

    await f.t.stop();
    const lease = await runCli(['replay', '--bundle', bundle, `lease/${f.networkId}/${f.poolIp}`]);
    expect(lease.stderr).toBe('');
    expect(lease.code).toBe(0);
    expect(lease.stdout).toMatch(new RegExp(`from bundle ${bundle.replaceAll('/', '\\/')}: 2 events`));
    expect(lease.stdout).toMatch(/live projection: not checked: no API behind bundle/);

    const network = await runCli(['replay', '--bundle', bundle, `network/${f.networkId}`]);
    expect(network.code).toBe(EXIT_DIVERGED);
    expect(network.stderr).toMatch(/^error DIVERGED: the snapshot of network\/\S+ diverges from the replay at seq 1\n$/);
  });
});
