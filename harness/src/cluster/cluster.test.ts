import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultAgentConfig } from '@leasehold/agent';
import { ApiClient } from '@leasehold/api/client';
import { Journal, connectNats, type ConnectOptions } from '@leasehold/journal';
import { makeTestCertificates } from '@leasehold/journal/testing';
import { leaseSubject, toEnvelope } from '@leasehold/lease-actor';
import { parseIpv4 } from '@leasehold/protocol';
import { jetstreamManager } from '@nats-io/jetstream';
import { describe, expect, test } from 'vitest';
import { createLogger } from '@leasehold/server';
import { startClusterSystem } from './cluster.js';

const main = fileURLToPath(new URL('./cluster-main.ts', import.meta.url));
const quiet = () => createLogger({ level: 'warn', format: 'json', destination: { write: () => true } });

describe('npm run cluster', () => {
  test('starts three nodes and the system at R3, prints where everything listens, the API answers, and Ctrl-C leaves no process behind', { timeout: 90_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lh-cluster-cmd-'));
    const child = spawn(process.execPath, ['--conditions=@leasehold/source', '--import', 'tsx', main, '--data-dir', dataDir, '--agent-id', 'c1', '--dhcp-port', '10067'], {
      env: { ...process.env, NATS_URL: '', NATS_USER: '', LEASEHOLD_DATA_DIR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await expect.poll(() => out, { timeout: 60_000, interval: 200 }).toMatch(/Press Ctrl-C to stop/);
      const nodes = [...out.matchAll(/nats\s+(lh-n\d) (nats:\/\/127\.0\.0\.1:\d+)\s+\(nats-server [\d.]+, pid (\d+)/g)].map((m) => ({ name: m[1], url: m[2]!, pid: Number(m[3]) }));
      expect(nodes.map((n) => n.name)).toStrictEqual(['lh-n1', 'lh-n2', 'lh-n3']);
      expect(out).toMatch(/journal\s+stream LH_EVENTS .* at R3/);
      expect(out).toMatch(/api\s+\d+ operations/);
      expect(out).toMatch(/agent\s+c1:/);
      expect(readFileSync(join(dataDir, 'nats.url'), 'utf8').trim()).toBe(nodes[0]!.url);

      const nc = await connectNats(nodes.map((n) => n.url), { env: {}, name: 'cluster-cmd-test' });
      try {
        const info = await (await jetstreamManager(nc)).streams.info('LH_EVENTS');
        expect(info.config.num_replicas).toBe(3);
        expect(info.cluster?.replicas).toHaveLength(2);
        const api = new ApiClient(nc);
        const network = await api.networks.create({ name: 'on-the-cluster' });
        expect((await api.networks.list()).map((n) => n.id)).toContain(network.id);
      } finally {
        await nc.close();
      }

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      for (const { pid } of nodes) expect(() => process.kill(pid, 0)).toThrow();
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a cluster locked down by role', () => {
  test('the API, scheduler and agent each do their job under their own user (routes: password and mutual TLS), and a network forged by the agent never reaches the API\'s read model', { timeout: 90_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lh-cluster-auth-'));
    const certs = makeTestCertificates(join(dataDir, 'tls'));
    const system = await startClusterSystem({
      dataDir,
      auth: true,
      routeTls: { certFile: certs.routeCertFile, keyFile: certs.routeKeyFile, caFile: certs.caFile },
      agent: defaultAgentConfig({
        agentId: 'c1',
        listen: false,
        configureInterfaces: false,
        dns: { enabled: false, port: 0 },
        interfaceMappings: { '*': 'lo' },
        reportIntervalMs: 500,
        agentDownTimeMs: 5_000,
      }),
      scheduler: { reportInterval: 500, agentDownTime: 5_000 },
      agentDownTimeMs: 5_000,
      logger: quiet(),
    });
    const login = (user: string, extra: ConnectOptions = {}) => connectNats(system.urls as string[], { env: {}, ...system.credentials.get(user), ...extra, name: user });
    const connections = [];
    try {
      expect(readFileSync(join(system.credentialsDir!, 'client.env'), 'utf8')).toMatch(/^NATS_USER=client\nNATS_PASSWORD=\S+\n$/);
      for (const node of system.cluster.nodes) {
        expect(readFileSync(node.configFile, 'utf8')).toMatch(/cluster \{[\s\S]*nats-route:\/\/route:[^@"]+@127\.0\.0\.1[\s\S]*authorization \{ user: "route"[\s\S]*verify: true/);
      }
      expect(system.describe().join('\n')).toContain('routes     password, mutual TLS');
      // Without credentials nobody gets in.
      await expect(connectNats(system.urls as string[], { env: {}, maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization/i);

      const clientNc = await login('client');
      connections.push(clientNc);
      const api = new ApiClient(clientNc);
      const network = await api.networks.create({ name: 'locked' });
      await api.subnets.create({ network_id: network.id, cidr: '198.18.0.0/24' });
      // The agent heartbeats (its own subject), the scheduler binds the network to it (a binding event),
      // and the agent then asks the API for its DHCP port (the one API call it may make).
      await expect.poll(async () => (await api.bindings.networksOnAgent('c1')), { timeout: 20_000, interval: 250 }).toContain(network.id);
      await expect
        .poll(async () => (await api.ports.list({ network_id: network.id })).filter((p) => p.device_owner === 'network:dhcp').map((p) => p.device_id), { timeout: 20_000, interval: 250 })
        .toStrictEqual(['dhcp-c1']);
      expect((await api.agents.list()).find((a) => a.id === 'c1')?.alive).toBe(true);
      // Its readiness reports (on its own lh.api.agents.c1.ready, which its user may publish) reach the API's user: the DHCP port turns ACTIVE.
      await expect.poll(async () => (await api.ports.list({ network_id: network.id })).map((p) => p.status), { timeout: 20_000, interval: 250 }).toStrictEqual(['ACTIVE']);

      // The agent's user tries to write a network: a copy of the real NetworkCreated under a new id.
      const adminNc = await login('admin');
      connections.push(adminNc);
      const admin = await Journal.open(adminNc);
      const original = (await admin.read(`lh.evt.network.${network.id}`)).find((s) => s.event.type === 'NetworkCreated')!.event;
      const forge = (id: string) => {
        const data = original.data as { network: Record<string, unknown> };
        return { ...original, id: randomUUID(), aggregate: `network/${id}`, data: { network: { ...data.network, id, name: `forged-${id}` } } };
      };
      const forgedId = randomUUID();
      const agentNc = await login('agent-c1');
      connections.push(agentNc);
      const agent = await Journal.open(agentNc);
      await expect(agent.append(`lh.evt.network.${forgedId}`, [forge(forgedId)], 0)).rejects.toThrow(/Permissions Violation/);
      // Nor may it move the network to an agent of its choosing.
      await expect(agent.append(`lh.evt.binding.${network.id}`, [{ ...original, id: randomUUID(), type: 'NetworkScheduled' }])).rejects.toThrow(/Permissions Violation/);

      // The same forgery written by the admin is folded: the read model would have shown it.
      const controlId = randomUUID();
      await admin.append(`lh.evt.network.${controlId}`, [forge(controlId)], 0);
      await expect.poll(async () => (await api.networks.list()).map((n) => n.id), { timeout: 10_000, interval: 200 }).toContain(controlId);
      const ids = (await api.networks.list()).map((n) => n.id);
      expect(ids).not.toContain(forgedId);
      expect(ids).toContain(network.id);
      expect(await api.bindings.networksOnAgent('c1')).toContain(network.id);
    } finally {
      await Promise.allSettled(connections.map((nc) => nc.close()));
      await system.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('lease permissions on a locked-down cluster', () => {
  test('every node grants the agent the leases of a network once it is bound to it and takes them away once it is unbound, on connections already open to each node', { timeout: 90_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lh-cluster-leases-'));
    const system = await startClusterSystem({
      dataDir,
      auth: true,
      agent: defaultAgentConfig({ agentId: 'c1', listen: false, configureInterfaces: false, dns: { enabled: false, port: 0 }, interfaceMappings: { '*': 'lo' }, reportIntervalMs: 500, agentDownTimeMs: 5_000 }),
      scheduler: { reportInterval: 500, agentDownTime: 5_000 },
      agentDownTimeMs: 5_000,
      logger: quiet(),
    });
    const connections = [];
    try {
      // Agent c1's user on each node alone: a node that missed a reload would answer differently.
      const perNode: Journal[] = [];
      for (const node of system.cluster.nodes) {
        const nc = await connectNats(node.url, { env: {}, ...system.credentials.get('agent-c1'), name: `agent-c1@${node.name}` });
        connections.push(nc);
        perNode.push(await Journal.open(nc));
      }
      const ip = parseIpv4('198.18.1.250');
      const writes = (networkId: string) =>
        Promise.all(
          perNode.map((journal) =>
            journal.append(leaseSubject(networkId, ip), [toEnvelope(networkId, { type: 'LeaseReleased', at: Date.now(), ip, mac: '52:54:00:01:00:fe' }, { id: randomUUID() })]).then(
              () => 'written',
              (error: Error) => error.name,
            ),
          ),
        );
      const clientNc = await connectNats(system.urls as string[], { env: {}, ...system.credentials.get('client'), name: 'client' });
      connections.push(clientNc);
      const api = new ApiClient(clientNc);
      const bound = await api.networks.create({ name: 'bound' });
      const never = await api.networks.create({ name: 'never-bound' });
      expect(await writes(bound.id)).toStrictEqual(['NotPermittedError', 'NotPermittedError', 'NotPermittedError']);

      const subnet = await api.subnets.create({ network_id: bound.id, cidr: '198.18.1.0/24' });
      await expect.poll(() => writes(bound.id), { timeout: 20_000, interval: 100 }).toStrictEqual(['written', 'written', 'written']);
      for (const node of system.cluster.nodes) expect(readFileSync(node.configFile, 'utf8')).toContain(`"lh.evt.lease.${bound.id}.>"`);
      expect(await writes(never.id)).toStrictEqual(['NotPermittedError', 'NotPermittedError', 'NotPermittedError']);

      // No DHCP left on the network: the scheduler unbinds it, and every node takes its leases away.
      await api.subnets.update(subnet.id, { enable_dhcp: false });
      await expect.poll(() => writes(bound.id), { timeout: 20_000, interval: 100 }).toStrictEqual(['NotPermittedError', 'NotPermittedError', 'NotPermittedError']);
      expect(connections.every((nc) => !nc.isClosed())).toBe(true);
    } finally {
      await Promise.allSettled(connections.map((nc) => nc.close()));
      await system.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
