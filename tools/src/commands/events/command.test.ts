import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { leaseTimes } from '@leasehold/lease-actor';
import { parseIpv4 } from '@leasehold/protocol';
import { LEASEHOLD_BIN, runCli } from '../resources/testing/run-cli.js';
import { FIXED_IP, FIXED_MAC, startFixture, type Fixture } from './testing/journal-fixture.js';

let f: Fixture;
const cli = (...args: string[]) => runCli([...args, '--nats-url', f.t.nats.url]);

beforeAll(async () => {
  f = await startFixture();
});
afterAll(() => f?.t.stop());

describe('leasehold events dump', () => {
  test('--type lease prints one readable line per lease event with addresses as dotted text', async () => {
    const run = await cli('events', 'dump', '--type', 'lease', '--id', f.networkId);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      new RegExp(`^${f.seqs.fixedBound} \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z lh\\.evt\\.lease\\.${f.networkId}\\.198-18-0-5 LeaseBound ip=${FIXED_IP.replaceAll('.', '\\.')} mac=${FIXED_MAC} expiresAt=\\d{4}-`),
    );
  });

  test('--json gives one object per line, --event and --since narrow it', async () => {
    const run = await cli('events', 'dump', '--id', f.networkId, '--event', 'LeaseRenewed', '--event', 'NetworkScheduled', '--since', String(f.seqs.scheduled), '--json');
    expect(run.code).toBe(0);
    const objects = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number; type: string; data: { ip?: number; strategy?: string } });
    expect(objects.map((o) => [o.seq, o.type])).toEqual([
      [f.seqs.scheduled, 'NetworkScheduled'],
      [f.seqs.poolRenewed, 'LeaseRenewed'],
    ]);
    expect(objects[0]!.data.strategy).toBe('weight');
    expect(objects[1]!.data.ip).toBe(parseIpv4(f.poolIp));
  });

  test('a subject wildcard selects the subjects it matches', async () => {
    const run = await cli('events', 'dump', '--subject', `lh.evt.*.${f.networkId}`);
    expect(run.code).toBe(0);
    const subjects = new Set(run.stdout.trimEnd().split('\n').map((l) => l.split(' ')[2]));
    expect(subjects).toEqual(new Set([`lh.evt.network.${f.networkId}`, `lh.evt.binding.${f.networkId}`]));
  });

  test('a bad --since is a usage error with exit 2', async () => {
    const run = await cli('events', 'dump', '--since', 'last tuesday');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error INVALID_FLAG \(--since\)/);
  });
});

describe('leasehold events tail', () => {
  test('follows live: it prints an event stored after it started, then stops at --count', async () => {
    const child = spawn(process.execPath, [LEASEHOLD_BIN, 'events', 'tail', '--type', 'lease', '--count', '1', '--for', '20', '--nats-url', f.t.nats.url], {
      env: { ...process.env, NATS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    // Keep writing until the tail (which only shows new events) has seen one.
    const at = Date.now();
    let written = 0;
    while (stdout === '' && written < 40) {
      await f.lease({ type: 'LeaseBound', ip: parseIpv4('198.18.0.120'), mac: `52:54:00:00:01:${(written % 100).toString().padStart(2, '0')}`, at, ...leaseTimes(at, 60_000) });
      written++;
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(await closed).toBe(0);
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(stdout).toMatch(/ LeaseBound ip=198\.18\.0\.120 /);
  });
});
