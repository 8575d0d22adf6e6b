/**
 * A dynamic pool of exactly one address and two real clients on one segment:
 * the first gets it, the second gets nothing while the first holds it, and
 * once the first releases it the second gets that same address.
 */
import { createTestBridge, heldLeases, leaseHistory, macOf, startClient } from '@leasehold/agent/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

describe('a pool of one address', () => {
  test('two clients share one address in turn: the second is refused while the first holds it and served after it releases', async () => {
    await using bridge = await createTestBridge(2);
    const [a, b] = bridge.links as [(typeof bridge.links)[0], (typeof bridge.links)[0]];
    const agent = await env.startAgent({ agentId: 'agent-pool', interfaceMappings: { 'phys-pool': bridge.ifname } });
    const { network } = await env.network('phys-pool', {
      cidr: '198.18.133.0/24',
      allocation_pools: [{ start: '198.18.133.2', end: '198.18.133.99' }],
      dynamic_pools: [{ start: '198.18.133.100', end: '198.18.133.100' }],
    });
    await env.bind(agent, network.id);
    const [macA, macB] = [await macOf(a.ns, a.clientIf), await macOf(b.ns, b.clientIf)];

    const first = await startClient('udhcpc', a);
    let second: Awaited<ReturnType<typeof startClient>> | undefined;
    try {
      expect((await first.waitFor(['bound'], 10_000)).ip).toBe('198.18.133.100');

      // -A 1: after a failed round of DISCOVERs, wait one second (not 20) before the next.
      second = await startClient('udhcpc', b, { extraArgs: ['-t', '2', '-A', '1'] });
      await second.waitFor(['leasefail'], 10_000);
      expect(second.events().map(([reason]) => reason)).not.toContain('bound');
      expect(agent.server.stats.counts['no-address']).toBeGreaterThanOrEqual(2);
      expect([...(await heldLeases(env.t.journal, network.id))]).toStrictEqual([['198.18.133.100', macA]]);

      await first.release();
      await expect.poll(async () => (await leaseHistory(env.t.journal, network.id)).get('198.18.133.100')?.at(-1)?.type, { timeout: 5000 }).toBe('LeaseReleased');
      expect((await second.waitFor(['bound'], 15_000)).ip).toBe('198.18.133.100');
      expect([...(await heldLeases(env.t.journal, network.id))]).toStrictEqual([['198.18.133.100', macB]]);
      expect((await leaseHistory(env.t.journal, network.id)).get('198.18.133.100')?.map((e) => [e.type, e.mac])).toStrictEqual([
        ['LeaseBound', macA],
        ['LeaseReleased', macA],
        ['LeaseBound', macB],
      ]);
    } finally {
      await first.stop();
      await second?.stop();
    }
  });
});
