import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { defaultAgentConfig, defaultMetadataOptions } from '@leasehold/agent';
import type { DnsCacheStats } from '@leasehold/dns-cache';
import { clientPacket } from '@leasehold/agent/testing';
import { ApiClient } from '@leasehold/api/client';
import { startTestNats, type TestNats } from '@leasehold/journal/testing';
import { decodeDhcp, DhcpMessageType, encodeEvent } from '@leasehold/protocol';
import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { openNats, type NatsRuntime } from '../runtime/nats.js';
import { startSystem, type RunningSystem } from '../runtime/system.js';
import { createLogger } from './logger.js';
import { parseListen, startObservability } from './server.js';

/** One sample of a Prometheus text exposition, by name and exact label text. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

let nats: TestNats;
let runtime: NatsRuntime;
let system: RunningSystem;
let dataDir: string;
const get = async (path: string) => {
  const res = await fetch(`${system.observability!.url}${path}`);
  return { status: res.status, text: await res.text() };
};

beforeAll(async () => {
  nats = await startTestNats();
  dataDir = mkdtempSync(join(tmpdir(), 'lh-metrics-'));
  runtime = await openNats({ natsUrl: nats.url, dataDir, name: 'metrics-test' });
  system = await startSystem(runtime, {
    api: { agentDownTimeMs: 3000, http: { listen: { host: '127.0.0.1', port: 0 }, required: true } },
    scheduler: { agentDownTime: 3000, reportInterval: 1000 },
    agent: defaultAgentConfig({ agentId: 'm1', interfaceMappings: { physm: 'fakem' }, listen: false, configureInterfaces: false, reportIntervalMs: 1000, agentDownTimeMs: 3000, dns: { enabled: false, port: 0 }, logDhcp: true, metadata: { ...defaultMetadataOptions, enableIsolatedMetadata: true } }),
    logger: createLogger({ level: 'silent', format: 'json' }),
    // One log-dhcp line a second: a packet's two lines already overflow it.
    transactionRate: 1,
    metrics: { listen: { host: '127.0.0.1', port: 0 }, readyMaxLag: 0, required: true },
  });
});
afterAll(async () => {
  await system?.stop();
  await runtime?.close();
  await nats?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the metrics endpoint of a running system', () => {
  test('counts DHCP packets by outcome, leases by state in the agent and the API, scheduler decisions and API requests', async () => {
    const client = new ApiClient(runtime.nc);
    const network = await client.networks.create({ name: 'm', 'provider:physical_network': 'physm' });
    const subnet = await client.subnets.create({ network_id: network.id, cidr: '198.18.77.0/24', allocation_pools: [{ start: '198.18.77.2', end: '198.18.77.99' }], dynamic_pools: [{ start: '198.18.77.100', end: '198.18.77.199' }] });
    // The scheduler binds the network to the only agent, which then serves it with its DHCP port.
    await expect.poll(() => system.agent!.served().find((s) => s.networkId === network.id)?.serverIps.get(subnet.id), { timeout: 10_000 }).toBeDefined();
    const serverId = system.agent!.served()[0]!.serverIps.get(subnet.id)!;
    const send = (bytes: Uint8Array) => system.agent!.server.handle(bytes, { ifname: 'fakem', ifaddr: undefined });
    const mac = '52:54:00:77:00:01';
    const offer = decodeDhcp((await send(clientPacket({ type: DhcpMessageType.Discover, mac })))!.bytes);
    await send(clientPacket({ type: DhcpMessageType.Request, mac, requestedIp: offer.yiaddr, serverId }));
    await send(new Uint8Array([1, 2, 3]));
    // A DHCPv6 datagram too short for its header, and one more shed by its sockets.
    await system.agent!.dhcp6.handle(new Uint8Array([1, 2]), { ifname: 'fakem', address: 'fe80::1%lo', port: 546, unicast: false });
    system.agent!.dhcp6.stats.dropped.stale += 1;
    // As an interface's router advertisements count what they send and hear (none are on here: ipv6_ra is off).
    system.agent!.ra.stats.sent.unsolicited += 2;
    system.agent!.ra.stats.solicitations.invalid += 1;

    // As the sockets' packet queue counts a datagram it sheds (this test hands packets to the server directly).
    system.agent!.server.stats.dropped.queue_full += 2;
    // As the metadata proxies count a caller that is no port (none listens here: listen is off).
    system.agent!.metadata!.stats.counts['not-found'] += 3;

    await expect.poll(async () => sample((await get('/metrics')).text, 'leasehold_api_leases', 'state="bound"'), { timeout: 5000 }).toBe(1);
    const { status, text } = await get('/metrics');
    expect(status).toBe(200);
    expect(sample(text, 'leasehold_dhcp_packets_received_total')).toBe(system.agent!.server.stats.received);
    expect(sample(text, 'leasehold_dhcp_packets_total', 'outcome="offer"')).toBe(1);
    expect(sample(text, 'leasehold_dhcp_packets_total', 'outcome="ack"')).toBe(1);
    expect(sample(text, 'leasehold_dhcp_packets_total', 'outcome="malformed"')).toBe(1);
    expect(sample(text, 'leasehold_dhcp_dropped_total', 'reason="queue_full"')).toBe(2);
    expect(sample(text, 'leasehold_dhcp_dropped_total', 'reason="stale"')).toBe(0);
    expect(sample(text, 'leasehold_dhcp6_packets_received_total')).toBe(1);
    expect(sample(text, 'leasehold_dhcp6_packets_total', 'outcome="malformed"')).toBe(1);
    expect(sample(text, 'leasehold_dhcp6_packets_total', 'outcome="reply"')).toBe(0);
    expect(sample(text, 'leasehold_dhcp6_dropped_total', 'reason="stale"')).toBe(1);
    expect(sample(text, 'leasehold_dhcp6_dropped_total', 'reason="queue_full"')).toBe(0);
    expect(sample(text, 'leasehold_ra_sent_total', 'kind="unsolicited"')).toBe(2);
    expect(sample(text, 'leasehold_ra_solicitations_total', 'outcome="invalid"')).toBe(1);
    expect(sample(text, 'leasehold_ra_send_errors_total')).toBe(0);
    expect(sample(text, 'leasehold_metadata_requests_total', 'outcome="not_found"')).toBe(3);
    expect(sample(text, 'leasehold_metadata_requests_total', 'outcome="forwarded"')).toBe(0);
    expect(sample(text, 'leasehold_log_lines_suppressed_total', 'component="dhcp"')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'leasehold_log_lines_suppressed_total', 'component="dns"')).toBe(0);
    expect(sample(text, 'leasehold_agent_leases', 'state="bound"')).toBe(1);
    expect(sample(text, 'leasehold_scheduler_decisions_written_total')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'leasehold_scheduler_passes_total')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'leasehold_scheduler_agents', 'status="alive"')).toBe(1);
    expect(sample(text, 'leasehold_api_requests_total', 'operation="networks.create"')).toBe(1);
    expect(sample(text, 'leasehold_api_requests_total', 'operation="subnets.create"')).toBe(1);
    expect(sample(text, 'leasehold_nats_connected')).toBe(1);
    const last = sample(text, 'leasehold_journal_last_sequence')!;
    expect(last).toBeGreaterThan(0);
    expect(sample(text, 'leasehold_projection_position', 'projection="api"')! + sample(text, 'leasehold_journal_lag_events', 'projection="api"')!).toBe(last);
    expect(text).toContain('leasehold_process_cpu_seconds_total');
    // Bounded history: what each projection replayed at its start, and its snapshot once one is stored.
    expect(sample(text, 'leasehold_projection_replayed_at_start', 'projection="scheduler"')).toBe(system.scheduler!.projection.start.replayedAtStart);
    expect(sample(text, 'leasehold_projection_start_seconds', 'projection="api"')).toBeGreaterThan(0);
    expect(sample(text, 'leasehold_projection_snapshot_sequence', 'projection="api"')).toBeUndefined();
    const stored = await system.api!.projection.snapshotNow();
    const after = (await get('/metrics')).text;
    expect(sample(after, 'leasehold_projection_snapshot_sequence', 'projection="api"')).toBe(stored!.seq);
    expect(sample(after, 'leasehold_projection_snapshot_age_seconds', 'projection="api"')).toBeLessThan(60);
  });

  test('counts Neutron HTTP API requests by method, route pattern and status, and times them (issue 20)', async () => {
    const http = system.http!.url;
    const created = await fetch(`${http}/v2.0/networks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ network: { name: 'http-metrics' } }) });
    expect(created.status).toBe(201);
    const { network } = (await created.json()) as { network: { id: string } };
    expect((await fetch(`${http}/v2.0/networks/${network.id}`)).status).toBe(200);
    expect((await fetch(`${http}/v2.0/networks/no-such`)).status).toBe(404);
    const text = (await get('/metrics')).text;
    expect(sample(text, 'leasehold_http_requests_total', 'method="POST",route="/v2.0/networks",status="201"')).toBe(1);
    expect(sample(text, 'leasehold_http_requests_total', 'method="GET",route="/v2.0/networks/:id",status="200"')).toBe(1);
    expect(sample(text, 'leasehold_http_requests_total', 'method="GET",route="/v2.0/networks/:id",status="404"')).toBe(1);
    expect(sample(text, 'leasehold_http_request_seconds_count')).toBe(3);
    // HTTP calls reach the handlers directly, so the NATS endpoints' counts are the NATS API's alone.
    expect(sample(text, 'leasehold_api_requests_total', 'operation="networks.show"') ?? 0).toBe(0);
  });

  test("measures a new port's wait until ACTIVE: leasehold_port_ready_seconds (issue 20 point 3)", async () => {
    const client = new ApiClient(runtime.nc);
    const network = await client.networks.create({ name: 'ready', 'provider:physical_network': 'physm', 'provider:network_type': 'vlan', 'provider:segmentation_id': 78 });
    await client.subnets.create({ network_id: network.id, cidr: '198.18.78.0/24' });
    await expect.poll(() => system.agent!.served().some((s) => s.networkId === network.id), { timeout: 10_000 }).toBe(true);
    const count = async () => sample((await get('/metrics')).text, 'leasehold_port_ready_seconds_count') ?? 0;
    const before = await count();
    const port = await client.ports.create({ network_id: network.id });
    await expect.poll(async () => (await client.ports.show(port.id)).status, { timeout: 5000 }).toBe('ACTIVE');
    expect(await count()).toBe(before + 1);
    expect(sample((await get('/metrics')).text, 'leasehold_port_ready_seconds_bucket', 'le="+Inf"')).toBe(before + 1);
  });

  test('counts, per projection, the events it quarantined (issue 15: stored data no fold may apply)', async () => {
    const counts = (text: string) => ['api', 'scheduler', 'agent-m1'].map((p) => sample(text, 'leasehold_journal_quarantined_events_total', `projection="${p}"`) ?? 0);
    const before = counts((await get('/metrics')).text);
    const forged = { type: 'NetworkCreated', v: 1, id: 'forged-1', aggregate: 'network/forged', at: Date.now(), data: {} };
    await jetstream(await nats.connect('poisoner')).publish('lh.evt.network.forged', encodeEvent(forged));
    await expect.poll(async () => counts((await get('/metrics')).text), { timeout: 5000 }).toStrictEqual(before.map((n) => n + 1));
  });

  test('/healthz says the process and its NATS connection are up; /readyz says ready once the projections reach the end of the journal', async () => {
    const health = await get('/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({ status: 'ok', nats: 'connected' });
    await expect.poll(async () => (await get('/readyz')).status, { timeout: 5000 }).toBe(200);
    const ready = JSON.parse((await get('/readyz')).text) as { projections: { name: string; lag: number }[] };
    expect(ready.projections.map((p) => p.name).sort()).toEqual(['agent-m1', 'api', 'scheduler']);
    expect(ready.projections.every((p) => p.lag === 0)).toBe(true);
    expect((await get('/nothing')).status).toBe(404);
    expect(system.describe().join('\n')).toContain(`${system.observability!.url}/metrics`);
  });
});

describe('an endpoint without a running system', () => {
  test('is healthy but not ready while the parts start, and unhealthy once NATS is closed', async () => {
    const nc = await nats.connect('obs-alone');
    const server = await startObservability({ listen: { host: '127.0.0.1', port: 0 }, nc, readyMaxLag: 0 });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { reasons: string[] }).reasons).toContain('starting: projections replaying');
      await nc.close();
      expect((await fetch(`${server.url}/healthz`)).status).toBe(503);
    } finally {
      await server.close();
    }
  });
});

describe("an endpoint with a DNS cache's counters", () => {
  test('shows health-check, dns-loop-detect and dnssec: upstreams down now, marked down, probes, loops, answers secure, insecure and bogus (issue 24)', async () => {
    const nc = await nats.connect('obs-dns');
    // Every other counter reads 0.
    const given: Record<string, number> = { upstreamsDown: 1, upstreamsMarkedDown: 3, healthProbes: 7, loopsDetected: 2, dnssecSecure: 11, dnssecBogus: 4 };
    const stats = new Proxy(given, { get: (target, name) => (typeof name === 'string' ? (target[name] ?? 0) : undefined) }) as unknown as DnsCacheStats;
    const server = await startObservability({ listen: { host: '127.0.0.1', port: 0 }, nc, readyMaxLag: 0, dnsStats: () => stats });
    try {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(sample(text, 'leasehold_dns_upstreams_down')).toBe(1);
      expect(sample(text, 'leasehold_dns_upstreams_marked_down_total')).toBe(3);
      expect(sample(text, 'leasehold_dns_upstream_health_probes_total')).toBe(7);
      expect(sample(text, 'leasehold_dns_upstream_loops_total')).toBe(2);
      expect(sample(text, 'leasehold_dns_dnssec_secure_total')).toBe(11);
      expect(sample(text, 'leasehold_dns_dnssec_bogus_total')).toBe(4);
      expect(sample(text, 'leasehold_dns_dnssec_insecure_total')).toBe(0);
    } finally {
      await server.close();
      await nc.close();
    }
  });
});

describe('an endpoint whose journal goes away', () => {
  test('/readyz fails at once with the reason the server is down and with the connections that are lost; /healthz stays up while they reconnect', async () => {
    const nc = await nats.connect('obs-outage');
    let down: string | undefined;
    const server = await startObservability({ listen: { host: '127.0.0.1', port: 0 }, nc, connections: [nc], journalDown: () => down, readyMaxLag: 0 });
    const readyz = async () => {
      const res = await fetch(`${server.url}/readyz`);
      return { status: res.status, reasons: ((await res.json()) as { reasons: string[] }).reasons };
    };
    try {
      down = 'the embedded nats-server (pid 7) was killed by SIGKILL';
      expect(await readyz()).toStrictEqual({ status: 503, reasons: [down] });
      down = undefined;
      // The connection sees its server go: not ready until it is back, alive all along.
      const reconnected = (async () => {
        for await (const s of nc.status()) if (s.type === 'reconnect') return;
      })();
      await nats.server().kill();
      await expect.poll(async () => (await readyz()).reasons, { timeout: 5000, interval: 20 }).toStrictEqual(['NATS connection lost (reconnecting): obs-outage']);
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toStrictEqual({ status: 'ok', nats: 'reconnecting' });
      await nats.crashAndRestart();
      await reconnected;
      expect((await readyz()).reasons).not.toContain('NATS connection lost (reconnecting): obs-outage');
    } finally {
      await server.close();
      await nc.close();
    }
  });
});

describe('an endpoint while the parts replay the journal', () => {
  test('/readyz names each projection still replaying with where it is, and one that makes no progress with the event it waits for', async () => {
    const nc = await nats.connect('obs-replaying');
    const replaying = [
      { name: 'api', filter: 'lh.evt.>', position: 1_200, target: 5_000, events: 1_200, stalledMs: 0, caughtUp: false },
      { name: 'scheduler', filter: 'lh.evt.>', position: 4_999, target: 5_000, events: 4_999, stalledMs: 12_000, caughtUp: false },
    ];
    const server = await startObservability({ listen: { host: '127.0.0.1', port: 0 }, nc, readyMaxLag: 0, replaying: () => replaying });
    try {
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { reasons: string[]; projections: { name: string; position: number; lag: number }[] };
      expect(body.reasons).toStrictEqual([
        'starting: projections replaying',
        'projection api is replaying: event 1200 of 5000',
        'projection scheduler is waiting for the event after 4999 on lh.evt.> (replaying up to 5000): none for 12 s',
      ]);
      expect(body.projections).toStrictEqual([
        { name: 'api', position: 1_200, lag: 3_800 },
        { name: 'scheduler', position: 4_999, lag: 1 },
      ]);
    } finally {
      await server.close();
      await nc.close();
    }
  });
});

describe('parseListen', () => {
  test.prop([fc.ipV4(), fc.integer({ min: 1, max: 65535 })])('reads HOST:PORT back as the host and port written', (host, port) => {
    expect(parseListen(`${host}:${port}`)).toEqual({ host, port });
  });

  test('port 0 turns the endpoint off, an empty host listens everywhere, and anything else is refused', () => {
    expect(parseListen('127.0.0.1:0')).toBeUndefined();
    expect(parseListen(':9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(parseListen('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(() => parseListen('9464')).toThrow(/HOST:PORT/);
    expect(() => parseListen('localhost:70000')).toThrow(/HOST:PORT/);
  });
});
