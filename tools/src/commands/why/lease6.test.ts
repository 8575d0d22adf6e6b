import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApi, type TestApi } from '@leasehold/api/testing';
import { lease6Subject, lease6ToEnvelope, leaseSubject, leaseTimes, toEnvelope, type JournaledLease6Event } from '@leasehold/lease-actor';
import { parseIpv4 } from '@leasehold/protocol';
import { agentSubject, bindingSubject, toAgentEnvelope, toBindingEnvelope } from '@leasehold/resources';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../resources/testing/run-cli.js';

/** DUID-LL of 02:00:db:08:06:01 (hardware type 1). */
const DUID = '0003000102' + '00db080601';
const MAC = '02:00:db:08:06:01';
const HINTED = '2001:db8:6::1fe';
const GONE = '2001:db8:6::1fd';
/** The same client's DHCPv4 lease (dual stack), bound before its IPv6 one. */
const V4 = '198.18.6.10';

let t: TestApi;
let networkId: string;
const seqs: Record<string, number> = {};
const cli = (...args: string[]) => runCli([...args, '--nats-url', t.nats.url]);

beforeAll(async () => {
  t = await startTestApi();
  const network = await t.client.networks.create({ name: 'six-net', dns_domain: 'six.test.' });
  networkId = network.id;
  await t.client.subnets.create({ network_id: network.id, ip_version: 6, cidr: '2001:db8:6::/64', ipv6_address_mode: 'dhcpv6-stateful', allocation_pools: [{ start: '2001:db8:6::100', end: '2001:db8:6::1ff' }] });
  const now = Date.now();
  await t.journal.append(agentSubject('agent-6'), [
    toAgentEnvelope({ type: 'AgentHeartbeat', at: now - 10_000, agentId: 'agent-6', host: 'h6', availabilityZone: 'nova', networks: [], load: 0, interfaceMappings: {}, reportIntervalMs: 30_000, version: 'test' }, { id: randomUUID() }),
  ]);
  await t.journal.append(bindingSubject(networkId), [toBindingEnvelope({ type: 'NetworkScheduled', at: now - 5000, networkId, agentId: 'agent-6', reason: 'manual' }, { id: randomUUID() })], 0);
  const lease = async (name: string, event: JournaledLease6Event) => {
    seqs[name] = (await t.journal.append(lease6Subject(networkId, event.ip), [lease6ToEnvelope(networkId, event, { id: randomUUID() })])).version;
  };
  const holder = { duid: DUID, iaid: 7, mac: MAC };
  const v4 = { type: 'LeaseBound' as const, at: now - 1000, ip: parseIpv4(V4), mac: MAC, ...leaseTimes(now - 1000, 600_000) };
  seqs.v4 = (await t.journal.append(leaseSubject(networkId, v4.ip), [toEnvelope(networkId, v4, { id: randomUUID() })])).version;
  // The agent's writes for a client that REQUESTed an address of its own choosing, named itself, then renewed;
  // and an older client's lease that was released.
  await lease('bound', { type: 'Lease6Bound', at: now, ip: HINTED, ...holder, message: 'request', source: 'requested', hostname: 'vm-six', expiresAt: now + 600_000 });
  await lease('renewed', { type: 'Lease6Renewed', at: now + 1, ip: HINTED, ...holder, message: 'renew', source: 'current', expiresAt: now + 601_000 });
  await lease('goneBound', { type: 'Lease6Bound', at: now + 2, ip: GONE, duid: DUID, iaid: 8, message: 'solicit', source: 'requested', expiresAt: now + 600_000 });
  await lease('goneReleased', { type: 'Lease6Released', at: now + 3, ip: GONE, duid: DUID, iaid: 8 });
});
afterAll(() => t?.stop());

describe('leasehold why lease for an IPv6 address', () => {
  test('any textual form of the address finds its lease: the chain with each cause, the rule the decision core confirms, the answering agent', async () => {
    const run = await cli('why', 'lease', '2001:DB8:6:0:0:0:0:1FE');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^lease ${HINTED} on network ${networkId} \\(lh\\.evt\\.lease6\\.${networkId}\\.${HINTED}\\), client DUID ${DUID} IAID 7 \\(MAC ${MAC}\\) host vm-six: last event Lease6Renewed\\n`));
    expect(run.stdout).toMatch(new RegExp(`\\n  ${seqs.bound} \\S+ Lease6Bound ip=${HINTED} .*<- the current lease starts here\\n {6}cause: the client's REQUEST \\(RFC 8415 18\\.3\\.2\\)\\n`));
    expect(run.stdout).toMatch(new RegExp(`\\n  ${seqs.renewed} \\S+ Lease6Renewed .*\\n {6}cause: the client's RENEW to the server that bound it .*binding extended\\n`));
    expect(run.stdout).toMatch(/\nrule \(the agent's DHCPv6 decision core replayed to seq \d+, asked for the IA without a hint\):\n {2}requested: pool 2001:db8:6::100-2001:db8:6::1ff of subnet \S+: the address the client named in its IA .*; the decision core alone would have given 2001:db8:6::1[0-9a-f]{2} \(pool\)\n/);
    expect(run.stdout).toMatch(/\nagent:\n {2}agent-6: the only agent bound to the network/);
  });

  test('--json carries the chain, the causes and the rule; a released address says so; an address without events is NOT_FOUND', async () => {
    const [json, released, missing] = await Promise.all([cli('why', 'lease', HINTED, '--json'), cli('why', 'lease', GONE), cli('why', 'lease', '2001:db8:6::99')]);
    const w = JSON.parse(json.stdout) as { ip: string; causes: string[]; rule: { source: string }; chain: { seq: number }[] };
    expect(w).toMatchObject({ ip: HINTED, rule: { source: 'requested' }, chain: [{ seq: seqs.bound }, { seq: seqs.renewed }] });
    expect(w.causes).toHaveLength(2);
    expect(released.stdout).toMatch(/: last event Lease6Released\n/);
    expect(released.stdout).toMatch(/cause: the client's RELEASE \(RFC 8415 18\.3\.7\)/);
    expect(released.stdout).toMatch(/cause: the client's SOLICIT with RAPID_COMMIT/);
    expect({ code: missing.code, stderr: missing.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(/^error NOT_FOUND \(target\): no IPv6 lease events for 2001:db8:6::99/) });
  });
});

describe('leasehold why lease for a MAC with an IPv6 lease', () => {
  test('a dual-stack client\'s MAC finds its latest lease, the IPv6 one (its events name the DUID\'s MAC), and names its IPv4 lease beside it; --network of another network finds none', async () => {
    const run = await cli('why', 'lease', MAC.toUpperCase());
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(new RegExp(`^lease ${HINTED} on network ${networkId} \\(lh\\.evt\\.lease6\\.${networkId}\\.${HINTED}\\), client DUID ${DUID} IAID 7 \\(MAC ${MAC}\\) host vm-six: last event Lease6Renewed\\n`));
    expect(run.stdout).toContain(`\n  (the client also holds ${V4} on network ${networkId}: \`leasehold why lease ${V4}\`)\n`);
    const json = JSON.parse((await cli('why', 'lease', MAC, '--json')).stdout) as { ip: string; otherFamily: unknown; rule: { source: string } };
    expect(json).toMatchObject({ ip: HINTED, otherFamily: [{ networkId, ip: V4 }], rule: { source: 'requested' } });
    // The IPv4 address still names the IPv4 lease, and says nothing of the other family.
    const v4 = JSON.parse((await cli('why', 'lease', V4, '--json')).stdout) as { ip: string; otherFamily: unknown; chain: { seq: number }[] };
    expect(v4).toMatchObject({ ip: V4, otherFamily: [], chain: [{ seq: seqs.v4 }] });
    const elsewhere = await cli('why', 'lease', MAC, '--network', 'no-such-network');
    expect({ code: elsewhere.code, stderr: elsewhere.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(/^error NOT_FOUND \(target\): no lease events for/) });
  });
});

describe('leasehold replay lease6/<network>/<ipv6>', () => {
  test('steps the address through the agents\' fold, the expanded form naming the same subject; the live check agrees with the API\'s IPv6 lease row', async () => {
    const run = await cli('replay', `lease6/${networkId}/2001:db8:6:0::1fd`, '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const steps = lines.filter((l) => 'seq' in l && 'value' in l) as { seq: number; value: string; changes: unknown }[];
    expect(steps.map((s) => [s.seq, s.value])).toEqual([
      [seqs.goneBound, 'bound'],
      [seqs.goneReleased, 'released'],
    ]);
    expect(JSON.stringify(steps[0]!.changes)).toMatch(/context\.source.*requested/);
    expect(lines.find((l) => l.check === 'live')).toMatchObject({ check: 'live', kind: 'agree', asked: 'leases.show' });
    const renewed = await cli('replay', `lease6/${networkId}/${HINTED}`, '--json');
    expect(renewed.code).toBe(0);
    expect(renewed.stdout).toMatch(/Lease6Renewed/);
    expect(renewed.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.check === 'live')).toMatchObject({ kind: 'agree' });
    const bad = await cli('replay', `lease6/${networkId}/198.18.0.1`);
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(/198\.18\.0\.1 is not an IPv6 address/) });
  });

  test('a bundle of the network (export --network takes its IPv6 leases) explains and replays the same offline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-why6-'));
    try {
      const bundle = join(dir, 'six.lhb');
      expect((await cli('export', '--network', 'six-net', '-o', bundle)).code).toBe(0);
      const [online, offline] = await Promise.all([cli('why', 'lease', HINTED), runCli(['why', 'lease', HINTED, '--bundle', bundle])]);
      expect(offline.stdout.split('\n').slice(0, 8)).toStrictEqual(online.stdout.split('\n').slice(0, 8));
      const replayed = await runCli(['replay', `lease6/${networkId}/${GONE}`, '--bundle', bundle]);
      expect(replayed.code).toBe(0);
      expect(replayed.stdout).toMatch(/Lease6Released/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
