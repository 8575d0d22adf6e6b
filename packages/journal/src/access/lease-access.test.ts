import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';
import { connectNats } from '../connect.js';
import { NotPermittedError } from '../errors.js';
import { Journal } from '../journal.js';
import { startNatsServer } from '../nats-server.js';
import { testEvent } from '../testing/events.js';
import { leaseNetworksOf, sameLeaseNetworks, withLeaseNetworks } from './lease-access.js';
import { prepareLocalAccess } from './local-access.js';
import { mayPublish, rolePermissions, type Role } from './roles.js';

const networkId = fc.constantFrom('n1', 'n2', 'n3', 'n4', 'net-5');
const agentId = fc.constantFrom('a', 'b', 'c');
/** Binding decisions in journal order: [bound?, network, agent]. */
const decisions = fc.array(fc.tuple(fc.boolean(), networkId, agentId), { maxLength: 40 });

/** Folds decisions as the agents and the API do: NetworkScheduled adds the agent, NetworkUnscheduled removes it. */
function fold(list: readonly (readonly [boolean, string, string])[]): Map<string, Set<string>> {
  const bindings = new Map<string, Set<string>>();
  for (const [bound, network, agent] of list) {
    if (!bindings.has(network)) bindings.set(network, new Set());
    if (bound) bindings.get(network)!.add(agent);
    else bindings.get(network)!.delete(agent);
  }
  return bindings;
}

const agentRole = (id: string, leaseNetworks?: readonly string[]): Role => ({ kind: 'agent', agentId: id, ...(leaseNetworks ? { leaseNetworks } : {}) });
const leaseSubject = (network: string) => `lh.evt.lease.${network}.198-18-0-1`;

describe('the networks whose leases each agent may write', () => {
  test.prop([decisions])('an agent\'s list is exactly the networks bound to it, sorted, and its user may publish the leases of those and of no other', (list) => {
    const bindings = fold(list);
    const byAgent = leaseNetworksOf(bindings);
    for (const agent of ['a', 'b', 'c']) {
      const expected = [...bindings].filter(([, agents]) => agents.has(agent)).map(([network]) => network).sort();
      expect(byAgent.get(agent) ?? []).toStrictEqual(expected);
      const permissions = rolePermissions(agentRole(agent, byAgent.get(agent) ?? []), `agent-${agent}`);
      for (const network of ['n1', 'n2', 'n3', 'n4', 'net-5']) expect(mayPublish(permissions, leaseSubject(network))).toBe(expected.includes(network));
    }
  });

  test.prop([decisions, networkId, agentId])('unbinding an agent from a network takes that network, and only it, off its list', (list, network, agent) => {
    const before = leaseNetworksOf(fold([...list, [true, network, agent]]));
    const after = leaseNetworksOf(fold([...list, [true, network, agent], [false, network, agent]]));
    expect(before.get(agent)).toContain(network);
    expect(after.get(agent) ?? []).toStrictEqual(before.get(agent)!.filter((n) => n !== network));
    for (const other of ['a', 'b', 'c'].filter((a) => a !== agent)) expect(after.get(other) ?? []).toStrictEqual(before.get(other) ?? []);
    expect(sameLeaseNetworks(before, after)).toBe(false);
  });

  test.prop([decisions])('two folds of the same bindings compare the same, and an agent with no network equals an absent one', (list) => {
    const a = leaseNetworksOf(fold(list));
    const b = leaseNetworksOf(fold(list));
    expect(sameLeaseNetworks(a, b)).toBe(true);
    expect(sameLeaseNetworks(a, new Map([...a, ['nobody', []]]))).toBe(true);
    expect(sameLeaseNetworks(a, undefined)).toBe(false);
  });

  test('a network id that cannot be one subject token is left out rather than widened', () => {
    expect(leaseNetworksOf([['n.1', ['a']], ['*', ['a']], ['>', ['a']], ['n2', ['a']]])).toStrictEqual(new Map([['a', ['n2']]]));
  });

  test('users get their lists (none for an agent bound to nothing); undefined gives every agent every network, as a static configuration does', () => {
    const users = [
      { name: 'x', password: 'p', role: agentRole('a', ['stale']) },
      { name: 'y', password: 'p', role: agentRole('b') },
      { name: 'z', password: 'p', role: { kind: 'scheduler' } as Role },
    ];
    expect(withLeaseNetworks(users, new Map([['a', ['n1']]])).map((u) => u.role)).toStrictEqual([agentRole('a', ['n1']), agentRole('b', []), { kind: 'scheduler' }]);
    expect(withLeaseNetworks(users, undefined).map((u) => u.role)).toStrictEqual([agentRole('a'), agentRole('b'), { kind: 'scheduler' }]);
  });
});

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('lease permissions on a real nats-server, rewritten and reloaded', () => {
  test('an agent refused a network\'s leases may write them after the reload that grants them, and is refused again after the one that takes them away, on the same connection', { timeout: 30_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lh-lease-access-'));
    dirs.push(dataDir);
    // As `leasehold start` renders it before the bindings are known: no agent may write any lease.
    const access = prepareLocalAccess(dataDir, { users: ['agent-a', 'agent-b'], leaseNetworks: new Map() });
    const server = await startNatsServer({ storeDir: access.storeDir, configFile: access.configFile });
    const admin = await connectNats(server.url, { ...access.connectOptions('admin'), name: 'admin' });
    const a = await connectNats(server.url, { ...access.connectOptions('agent-a'), name: 'agent-a' });
    const b = await connectNats(server.url, { ...access.connectOptions('agent-b'), name: 'agent-b' });
    try {
      await Journal.open(admin);
      const [ja, jb] = [await Journal.open(a), await Journal.open(b)];
      const lease = (journal: Journal, network: string) => journal.append(leaseSubject(network), [testEvent(`lease/${network}/198.18.0.1`, 'LeaseBound', {})]);

      // nats.js rejects the refused publish at once (the server's -ERR names its subject), not after a timeout.
      const startedAt = Date.now();
      await expect(lease(ja, 'n1')).rejects.toThrow(NotPermittedError);
      expect(Date.now() - startedAt).toBeLessThan(1_000);
      await expect(lease(ja, 'n1')).rejects.toMatchObject({ subject: leaseSubject('n1') });

      const grant = async (bindings: Map<string, string[]>) => {
        access.writeServerConfig(leaseNetworksOf(bindings));
        await server.reload();
      };
      await grant(new Map([['n1', ['a']]]));
      expect(statSync(access.configFile).mode & 0o777).toBe(0o600);
      await expect(lease(ja, 'n1')).resolves.toMatchObject({ sequences: [expect.any(Number)] });
      await expect(lease(jb, 'n1')).rejects.toThrow(NotPermittedError);
      await expect(lease(ja, 'n2')).rejects.toThrow(NotPermittedError);

      // The binding moves to b: nats-server 2.9.10 applies the reloaded permissions to connections already open.
      await grant(new Map([['n1', ['b']]]));
      await expect(lease(ja, 'n1')).rejects.toThrow(NotPermittedError);
      await expect(lease(jb, 'n1')).resolves.toMatchObject({ sequences: [expect.any(Number)] });
      expect(a.isClosed()).toBe(false);

      // The static configuration: every agent every network's leases.
      access.writeServerConfig(undefined);
      await server.reload();
      await expect(lease(ja, 'n2')).resolves.toMatchObject({ sequences: [expect.any(Number)] });
    } finally {
      await Promise.allSettled([a.close(), b.close(), admin.close()]);
      await server.stop();
    }
  });
});

describe('connecting while the server reloads', () => {
  test('a first connect that meets a reload (refused, or left without an answer, by nats-server 2.9) is tried again: 100 connects during a reload every 250 ms (twice as often as the access keeper reloads) all get in', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lh-lease-access-'));
    dirs.push(dataDir);
    const access = prepareLocalAccess(dataDir, { users: ['agent-a'], leaseNetworks: new Map() });
    const server = await startNatsServer({ storeDir: access.storeDir, configFile: access.configFile });
    let reloading = true;
    let reloads = 0;
    const reloader = (async () => {
      while (reloading) {
        access.writeServerConfig(new Map([['a', [`n${reloads % 2}`]]]));
        await server.reload();
        reloads++;
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const failures: string[] = [];
    // Four clients connecting one after another each, side by side: a connect that meets a reload waits out its
    // attempt's 5 s timeout before it tries again, and the others go on meanwhile.
    const LANES = 4;
    try {
      await Promise.all(
        Array.from({ length: LANES }, async (_, lane) => {
          for (let i = lane; i < 100; i += LANES) {
            try {
              const nc = await connectNats(server.url, { ...access.connectOptions('client'), name: `c${i}` });
              await nc.close();
            } catch (error) {
              failures.push(`${(error as Error).name}: ${(error as Error).message}`);
            }
          }
        }),
      );
    } finally {
      reloading = false;
      await reloader;
      await server.stop();
    }
    expect(reloads).toBeGreaterThan(3);
    expect(failures).toStrictEqual([]);
  });
});
