import { ApiClient } from '@leasehold/api/client';
import { aggregateSubject, parseIpv4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../resources/testing/run-cli.js';
import { FIXED_MAC, startFixture, type Fixture } from '../events/testing/journal-fixture.js';
import { parseAggregate } from './aggregate.js';
import { EXIT_DIVERGED } from './command.js';
import { runReplay } from './run.js';
import { natsSource } from './source.js';

let f: Fixture;
let client: ApiClient;
const cli = (...args: string[]) => runCli([...args, '--nats-url', f.t.nats.url]);
const replay = (aggregate: string) => runReplay(natsSource(f.t.nc, f.t.nats.url), parseAggregate(aggregate), { client });

beforeAll(async () => {
  f = await startFixture();
  client = new ApiClient(f.t.nc);
});
afterAll(() => f?.t.stop());

describe('leasehold replay', () => {
  test('a network steps through its machine and agrees with the running API', async () => {
    await f.t.client.networks.update(f.networkId, { mtu: 9000 });
    const report = await replay(`network/${f.networkId}`);
    expect(report.steps.map((s) => [s.event.type, s.value])).toEqual([
      ['NetworkCreated', 'active'],
      ['SubnetCreated', 'active'],
      ['NetworkUpdated', 'active'],
    ]);
    expect(report.snapshot).toMatchObject({ kind: 'skipped' });
    expect(report.live).toMatchObject({ kind: 'agree', at: report.steps.at(-1)!.seq });
  });

  test('a dual-stack network (an IPv6 subnet beside the IPv4 one) replays to what the running API shows', async () => {
    const net = await f.t.client.networks.create({ name: 'replay-dual' });
    await f.t.client.subnets.create({ network_id: net.id, cidr: '198.18.90.0/24' });
    await f.t.client.subnets.create({ network_id: net.id, cidr: '2001:db8:90::/64', ipv6_address_mode: 'slaac', ipv6_ra_mode: 'slaac' });
    const report = await replay(`network/${net.id}`);
    expect(report.steps.map((s) => s.event.type)).toEqual(['NetworkCreated', 'SubnetCreated', 'Subnet6Created']);
    expect(report.live).toMatchObject({ kind: 'agree', at: report.steps.at(-1)!.seq });
  });

  test('the readable output shows each state change and the changed fields, --to stops the walk early', async () => {
    const run = await cli('replay', `network/${f.networkId}`, '--to', String((await replay(`network/${f.networkId}`)).steps[1]!.seq));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/NetworkCreated: absent → active\n {4}\+ context\.network: \{id=/);
    expect(run.stdout).toMatch(/SubnetCreated: active\n {4}\+ context\.subnets\.[\w-]+: \{.*cidr=198\.18\.0\.0\/24.*gatewayIp=198\.18\.0\.1/);
    expect(run.stdout).not.toMatch(/NetworkUpdated:/);
    expect(run.stdout).toMatch(/1 later events not shown/);
    expect(run.stdout).toMatch(/live projection \(networks\.show \+ subnets\.list\): agrees/);
  });

  test('a stale snapshot makes it exit non-zero naming the first event the snapshot lacks', async () => {
    const subject = aggregateSubject('network', f.networkId);
    const report = await replay(`network/${f.networkId}`);
    const [created, subnet, updated] = report.steps;
    // The state after NetworkCreated, saved as if it covered everything.
    await f.t.journal.saveSnapshot(subject, { v: 1, seq: updated!.seq, state: { value: created!.value, context: created!.context } });
    const run = await cli('replay', `network/${f.networkId}`);
    expect(run.code).toBe(EXIT_DIVERGED);
    expect(run.stderr).toBe(`error DIVERGED: the snapshot of network/${f.networkId} diverges from the replay at seq ${subnet!.seq}\n`);
    expect(run.stdout).toMatch(new RegExp(`snapshot: DIVERGES at seq ${subnet!.seq}: compared at seq ${updated!.seq}, it matches the replay after seq ${created!.seq}`));
    expect(run.stdout).toMatch(/~ context\.network\.mtu: replay 9000 → snapshot 1450/);

    await f.t.journal.saveSnapshot(subject, { v: 1, seq: updated!.seq, state: { value: updated!.value, context: updated!.context } });
    expect((await replay(`network/${f.networkId}`)).snapshot).toMatchObject({ kind: 'agree', at: updated!.seq });
  });

  test('a lease steps through the lease machine and agrees with the API lease read model', async () => {
    const report = await replay(`lease/${f.networkId}/${f.poolIp}`);
    expect(report.steps.map((s) => [s.seq, s.event.type, s.value, s.refused])).toEqual([
      [f.seqs.poolBound, 'LeaseBound', 'bound', undefined],
      [f.seqs.poolRenewed, 'LeaseRenewed', 'bound', undefined],
    ]);
    expect(report.live).toMatchObject({ kind: 'agree', asked: 'leases.show' });
  });

  test('a live lease read model that lost an event diverges at that event', async () => {
    const byIp = f.t.api.model.fleet.leases.get(f.networkId)!;
    const ip = parseIpv4(f.poolIp);
    const row = byIp.get(ip)!;
    // The API's row as it was before the renewal was folded.
    const report0 = await replay(`lease/${f.networkId}/${f.poolIp}`);
    const bound = report0.steps[0]!.event;
    byIp.set(ip, { ...row, expiresAt: (bound.data as { expiresAt: number }).expiresAt, updatedAt: bound.at });
    try {
      const report = await replay(`lease/${f.networkId}/${f.poolIp}`);
      expect(report.live).toMatchObject({ kind: 'diverged', seq: f.seqs.poolRenewed, lastAgreed: f.seqs.poolBound });
    } finally {
      byIp.set(ip, row);
    }
  });

  test('an agent steps through the scheduler\'s agent machine; a port and a binding fold and agree with the API', async () => {
    const agent = await replay('agent/agent-a');
    expect(agent.steps.map((s) => s.value)).toEqual(['alive']);
    expect(agent.live).toMatchObject({ kind: 'agree' });

    const port = await replay(`port/${f.portId}`);
    expect(port.steps[0]).toMatchObject({ value: 'active', context: { port: { macAddress: FIXED_MAC } } });
    expect(port.live).toMatchObject({ kind: 'agree', at: port.steps.at(-1)!.seq });

    const binding = await replay(`binding/${f.networkId}`);
    expect(binding.steps.map((s) => [s.seq, s.value])).toEqual([[f.seqs.scheduled, 'bound']]);
    expect(binding.live).toMatchObject({ kind: 'agree' });
  });

  test('an aggregate with no events, or one that is not an aggregate, is a usage error', async () => {
    const [none, bad] = await Promise.all([cli('replay', 'network/nope'), cli('replay', 'lease/n1/not-an-ip')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error NOT_FOUND \(aggregate\): no events for network\/nope/);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error INVALID_AGGREGATE \(aggregate\): lease\/n1\/not-an-ip: not-an-ip is not an IPv4 address/);
  });
});
