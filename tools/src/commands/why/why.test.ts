import { loadBalanceHash } from '@leasehold/agent';
import { parseIpv4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../resources/testing/run-cli.js';
import { ASKED_IP, ASKING_MAC, FIXED_IP, FIXED_MAC, POOL_MAC, startFixture, type Fixture } from '../events/testing/journal-fixture.js';
import { natsSource, type EventSource } from '../replay/source.js';
import { whyBinding } from './binding.js';
import { whyLease } from './lease.js';

let f: Fixture;
let source: EventSource;

beforeAll(async () => {
  f = await startFixture();
  source = natsSource(f.t.nc, f.t.nats.url);
});
afterAll(() => f?.t.stop());

describe('leasehold why lease', () => {
  test('a port\'s lease is its fixed address, written by the only agent bound to the network', async () => {
    const why = await whyLease(source, FIXED_IP);
    expect(why.bound?.seq).toBe(f.seqs.fixedBound);
    expect(why.rule.source).toBe('fixed');
    expect(why.rule.text).toContain(`port ${f.portId} (vm-1) with MAC ${FIXED_MAC}`);
    expect(why.agent).toMatchObject({ id: f.bindingAgent, bound: [f.bindingAgent], live: [f.bindingAgent] });
  });

  test('a dynamic lease found by MAC came from the pool probe for that client, and its renewal is in the chain', async () => {
    const why = await whyLease(source, POOL_MAC.toUpperCase());
    expect(why.ip).toBe(f.poolIp);
    expect(why.chain.map((s) => [s.seq, s.event.type])).toEqual([
      [f.seqs.poolBound, 'LeaseBound'],
      [f.seqs.poolRenewed, 'LeaseRenewed'],
    ]);
    expect(why.rule).toEqual({ source: 'pool', text: expect.stringMatching(new RegExp(`^dynamic pool 198\\.18\\.0\\.100-198\\.18\\.0\\.199 of subnet ${f.subnetId}: the first free address probing the pool from the hash of the client key \\(mac:${POOL_MAC}\\)$`)) });
  });

  test('an address the pool would not have picked is explained as the one the client asked for, naming what the pool would give', async () => {
    const why = await whyLease(source, ASKED_IP);
    expect(why.holder).toEqual({ mac: ASKING_MAC });
    expect(why.rule.source).toBe('requested');
    expect(why.rule.text).toMatch(/the allocator alone would have given 198\.18\.0\.\d+ \(pool\)$/);
  });

  test('the command prints the chain, the rule and the agent; an unknown target is a usage error', async () => {
    const [run, missing] = await Promise.all([
      runCli(['why', 'lease', FIXED_MAC, '--nats-url', f.t.nats.url]),
      runCli(['why', 'lease', '198.19.9.9', '--nats-url', f.t.nats.url]),
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^lease ${FIXED_IP} on network ${f.networkId} .*\\nchain:\\n  ${f.seqs.fixedBound} \\S+ LeaseBound ip=${FIXED_IP} mac=${FIXED_MAC}.*<- the current lease starts here\\nrule .*\\n  fixed: fixed address of port .*\\nagent:\\n  ${f.bindingAgent}: the only agent bound`));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error NOT_FOUND \(target\): no lease events for 198\.19\.9\.9/);
  });
});

describe('leasehold why binding', () => {
  test('names the strategy, the ranked candidates and the agents alive then, and deciding again picks the same agent', async () => {
    const why = await whyBinding(source, f.networkId);
    expect(why.current).toHaveLength(1);
    const [d] = why.current;
    expect(d).toMatchObject({ agentId: f.bindingAgent, reason: 'new-network', strategy: 'weight', inputs: { wanted: 1, candidateCount: 2 } });
    expect(d!.inputs!.candidates.map((c) => c.agentId)).toEqual(['agent-a', 'agent-b']);
    expect(d!.agents.map((a) => [a.agentId, a.status])).toEqual([
      ['agent-a', 'alive'],
      ['agent-b', 'alive'],
    ]);
    expect(d!.replayed.same).toBe(true);

    const run = await runCli(['why', 'binding', f.networkId, '--nats-url', f.t.nats.url]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`agent ${f.bindingAgent}: bound at seq ${f.seqs.scheduled} \\(\\S+\\), reason new-network, strategy weight\\n  inputs: wanted 1, already bound \\[\\], 2 eligible`));
    expect(run.stdout).toMatch(/1\. agent-a az=az1 load=0 {3}<- chosen\n {4}2\. agent-b az=az2 load=0\n/);
    expect(run.stdout).toMatch(/check: deciding again on the scheduler state just before, with strategy weight, agents_per_network 1, agent_down_time 75000 ms, picks agent-a too/);
    // As troubleshooting.md writes it: by the network's name (it wanted the id).
    expect((await runCli(['why', 'binding', 'tools-net', '--nats-url', f.t.nats.url])).stdout).toBe(run.stdout);
    const unknown = await runCli(['why', 'binding', 'no-such-net', '--nats-url', f.t.nats.url]);
    expect({ code: unknown.code, stderr: unknown.stderr }).toMatchObject({ code: 2, stderr: expect.stringContaining('no network is named "no-such-net"') });
  });

  test('a second live agent bound by hand splits the clients by RFC 3074, and why lease names the one the hash gives', async () => {
    await f.t.client.request('bindings.add', { network_id: f.networkId, agent_id: 'agent-b' });
    const at = Date.now();
    const seq = await f.lease({ type: 'LeaseBound', ip: parseIpv4('198.18.0.198'), mac: '52:54:00:aa:bb:09', at, expiresAt: at + 60_000, renewAt: at + 30_000, rebindAt: at + 52_500 });
    const why = await whyLease(source, '198.18.0.198');
    expect(why.bound?.seq).toBe(seq);
    expect(why.agent.bound).toEqual(['agent-a', 'agent-b']);
    // RFC 3074: the hash of chaddr modulo the sorted live agents.
    expect(why.agent.id).toBe(['agent-a', 'agent-b'][loadBalanceHash(Buffer.from('525400aabb09', 'hex')) % 2]);
    expect(why.agent.text).toMatch(/RFC 3074 split of the live bound agents \[agent-a, agent-b\]/);
    const binding = await whyBinding(source, f.networkId);
    expect(binding.current.map((d) => [d.agentId, d.reason, d.replayed.same])).toEqual([
      ['agent-a', 'new-network', true],
      ['agent-b', 'manual', true],
    ]);
  });
});
