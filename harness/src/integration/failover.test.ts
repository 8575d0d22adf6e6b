/**
 * The distributed layout with real processes: an API, two schedulers and
 * three agents, each its own `leasehold` process on one nats-server. Killing
 * the agent that serves a network (SIGKILL) moves the network to a live
 * agent within agent_down_time plus one scheduling pass, and the two
 * schedulers never bind a network twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ApiClient } from '@leasehold/api/client';
import { startTestNats, type TestNats } from '@leasehold/journal/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LEASEHOLD_BIN } from '../leasehold-bin.js';

const REPORT = 0.3;
const DOWN = 1.2;

let nats: TestNats;
const children: ChildProcess[] = [];

function run(...args: string[]): ChildProcess {
  const child = spawn(process.execPath, [LEASEHOLD_BIN, ...args, '--nats-url', nats.url, '--report-interval', String(REPORT), '--agent-down-time', String(DOWN)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (out += s));
  (child as ChildProcess & { output: () => string }).output = () => out;
  children.push(child);
  return child;
}

const ready = (child: ChildProcess) =>
  expect.poll(() => (child as ChildProcess & { output: () => string }).output(), { timeout: 20_000, interval: 100 }).toMatch(/Press Ctrl-C/);

beforeAll(async () => {
  nats = await startTestNats();
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await nats.stop();
});

describe('failover with real processes', () => {
  test('a killed agent\'s network moves to a live agent within agent_down_time plus a pass, with two schedulers running', async () => {
    const api = run('api');
    await ready(api);
    const schedulers = [run('scheduler'), run('scheduler')];
    const agents = ['agent-1', 'agent-2', 'agent-3'].map((id) => run('dhcp-agent', '--agent-id', id, '--no-configure-interfaces'));
    await Promise.all([...schedulers, ...agents].map(ready));

    const nc = await nats.connect('failover-test');
    const client = new ApiClient(nc);
    await expect.poll(async () => (await client.request<{ agents: { alive: boolean }[] }>('agents.list')).agents.filter((a) => a.alive).length, { timeout: 10_000 }).toBe(3);
    const network = await client.networks.create({ name: 'ha' });
    await client.subnets.create({ network_id: network.id, cidr: '198.18.90.0/24' });
    const hosting = async () => (await client.request<{ agents: { id: string }[] }>('bindings.agents-on-network', { network_id: network.id })).agents.map((a) => a.id);
    await expect.poll(hosting, { timeout: 10_000 }).toHaveLength(1);
    const [first] = await hosting();

    const killedAt = Date.now();
    agents[Number(first!.split('-')[1]) - 1]!.kill('SIGKILL');
    await expect.poll(async () => {
      const now = await hosting();
      return now.length === 1 && now[0] !== first;
    }, { timeout: 15_000, interval: 50 }).toBe(true).catch((error: unknown) => {
      for (const child of [...schedulers, ...agents]) console.log((child as ChildProcess & { output: () => string }).output().slice(-3000));
      throw error;
    });
    const failoverMs = Date.now() - killedAt;
    console.log(`failover took ${failoverMs} ms (agent_down_time ${DOWN * 1000} ms, report_interval ${REPORT * 1000} ms)`);
    expect(failoverMs).toBeLessThan(DOWN * 1000 + 3000);
    // Never two agents at once for one network (agents_per_network = 1), whatever the two schedulers did.
    expect(await hosting()).toHaveLength(1);
  });
});
