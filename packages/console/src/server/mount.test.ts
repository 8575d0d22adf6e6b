/** The console on a real Neutron HTTP API over a real API service and nats-server, driven with fetch. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpApi, type HttpApi } from '@leasehold/api';
import { startTestApi, type TestApi } from '@leasehold/api/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { consoleMount } from './mount.js';
import type { EventJson, LeaseTimeline, NetworkAt, NetworkPage, Overview, PortPage } from './shapes.js';

const TOKEN = 'console-test-token';
let t: TestApi;
let http: HttpApi;
let ui: string;
/** What the scheduler would say no live agent reaches (the server hands the console its scheduler's). */
let unreachable: { networkId: string; physicalNetwork: string }[] = [];

beforeAll(async () => {
  ui = mkdtempSync(join(tmpdir(), 'lh-console-ui-'));
  mkdirSync(join(ui, 'assets'));
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(ui, 'assets', 'app.js'), 'console.log(1)');
  t = await startTestApi();
  http = await startHttpApi(t.api, { host: '127.0.0.1', port: 0, token: TOKEN, mounts: [consoleMount({ journal: t.journal, uiRoot: ui, readModelPosition: () => t.api.model.at(), unreachableNetworks: () => unreachable })] });
});
afterAll(async () => {
  await http?.close();
  await t?.stop();
  if (ui) rmSync(ui, { recursive: true, force: true });
});

const get = (path: string, token = TOKEN) => fetch(`${http.url}${path}`, { headers: token ? { 'X-Auth-Token': token } : {} });
async function json<T>(path: string): Promise<T> {
  const response = await get(path);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as T;
}
async function post(path: string, body: unknown): Promise<Record<string, { id: string }>> {
  const response = await fetch(`${http.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'X-Auth-Token': TOKEN }, body: JSON.stringify(body) });
  expect(response.status).toBe(201);
  return (await response.json()) as Record<string, { id: string }>;
}

/** Reads server-sent events from a stream until `want` of them came. */
async function readEvents(response: Response, want: number): Promise<EventJson[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: EventJson[] = [];
  let buffer = '';
  while (events.length < want) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
      const data = buffer.slice(0, cut).split('\n').find((l) => l.startsWith('data: '));
      buffer = buffer.slice(cut + 2);
      if (data) events.push(JSON.parse(data.slice(6)) as EventJson);
    }
  }
  await reader.cancel();
  return events;
}

describe('the console on the HTTP API', () => {
  test('serves its bundle without a token and its data only with the API\'s token', async () => {
    expect((await get('/console/', '')).status).toBe(200);
    expect(await (await get('/console/assets/app.js', '')).text()).toBe('console.log(1)');
    const redirect = await fetch(`${http.url}/console`, { redirect: 'manual' });
    expect(redirect.headers.get('location')).toBe('/console/');
    expect((await get('/console/api/overview', '')).status).toBe(401);
    expect((await get('/console/api/overview', 'wrong')).status).toBe(401);
    expect((await get('/v2.0/networks', '')).status).toBe(401);
    expect((await get('/console/api/overview')).status).toBe(200);
  });

  test('shows a network, its subnet\'s pool and its port from the API, and streams the events as they are stored', async () => {
    const stream = await get('/console/api/events?type=NetworkCreated,PortCreated');
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const { network } = await post('/v2.0/networks', { network: { name: 'console-net' } });
    const { subnet } = await post('/v2.0/subnets', { subnet: { network_id: network!.id, cidr: '198.18.70.0/28', ip_version: 4 } });
    const { port } = await post('/v2.0/ports', { port: { network_id: network!.id, name: 'vm-1' } });
    const streamed = await readEvents(stream, 2);
    expect(streamed.map((e) => [e.type, e.network_id])).toEqual([['NetworkCreated', network!.id], ['PortCreated', network!.id]]);

    const overview = await json<Overview>('/console/api/overview');
    const row = overview.networks.find((n) => n.id === network!.id);
    expect(row).toMatchObject({ name: 'console-net', status: 'ACTIVE', agents: [], pools: [{ subnet_id: subnet!.id, cidr: '198.18.70.0/28', size: 13, used: 1 }] });
    expect(overview.alerts).toContainEqual({ level: 'critical', network_id: network!.id, text: 'network console-net has no DHCP agent' });
    // The read model's position beside the journal's end: the port's event is folded (the API answered after it).
    expect(overview.projection?.position).toBeGreaterThanOrEqual(streamed[1]!.seq);
    expect(overview.projection!.last).toBeGreaterThanOrEqual(overview.projection!.position);

    const page = await json<NetworkPage>(`/console/api/networks/${network!.id}`);
    expect(page.ports.map((p) => [p.id, p.name, p.ips])).toEqual([[port!.id, 'vm-1', ['198.18.70.2']]]);
    expect(page.subnets.map((s) => s.pools)).toEqual([['198.18.70.2-198.18.70.14']]);
    expect((await json<{ total: number }>(`/console/api/networks/${network!.id}/leases?q=x`)).total).toBe(0);

    const recent = await json<{ events: EventJson[] }>(`/console/api/events/recent?network=${network!.id}&type=PortCreated`);
    expect(recent.events.map((e) => e.aggregate)).toEqual([`port/${port!.id}`]);

    // The scheduler's verdict that no live agent maps the network's physical network names it in the alert.
    unreachable = [{ networkId: network!.id, physicalNetwork: 'physnet-x' }];
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the overview's one-second reuse
      expect((await json<Overview>('/console/api/overview')).alerts).toContainEqual({ level: 'critical', network_id: network!.id, physical_network: 'physnet-x', text: 'network console-net: no live agent maps physnet physnet-x' });
      expect((await json<NetworkPage>(`/console/api/networks/${network!.id}`)).unreachable_physnet).toBe('physnet-x');
    } finally {
      unreachable = [];
    }
  });

  test("a port's page: its addresses, MAC, owner and extra DHCP options, its network, and its events; an unknown port is a 404", async () => {
    const { network } = await post('/v2.0/networks', { network: { name: 'ported' } });
    await post('/v2.0/subnets', { subnet: { network_id: network!.id, cidr: '198.18.75.0/28', ip_version: 4 } });
    const opts = [{ opt_name: 'bootfile-name', opt_value: 'pxelinux.0', ip_version: 4 }];
    const { port } = await post('/v2.0/ports', { port: { network_id: network!.id, name: 'pxe-vm', device_owner: 'compute:nova', mac_address: 'fa:16:3e:00:75:01', extra_dhcp_opts: opts } });
    const page = await json<PortPage>(`/console/api/ports/${port!.id}`);
    expect(page.port).toMatchObject({ id: port!.id, name: 'pxe-vm', network_id: network!.id, mac_address: 'fa:16:3e:00:75:01', fixed_ips: [expect.objectContaining({ ip_address: '198.18.75.2' })], device_owner: 'compute:nova' });
    expect(page.port.extra_dhcp_opts).toEqual([expect.objectContaining({ opt_name: 'bootfile-name', opt_value: 'pxelinux.0' })]);
    expect(page.network).toEqual({ id: network!.id, name: 'ported' });
    expect(page.events.map((e) => [e.type, e.aggregate])).toEqual([['PortCreated', `port/${port!.id}`]]);
    expect([page.leases, page.agents, page.why]).toEqual([[], [], null]);
    expect((await get('/console/api/ports/4f1c9a61-0000-4000-8000-000000000000')).status).toBe(404);
  });

  test('a lease page of an address never leased has no events; a missing network is a 404 with the API\'s error', async () => {
    const { network } = await post('/v2.0/networks', { network: { name: 'empty' } });
    expect(await json<LeaseTimeline>(`/console/api/leases/${network!.id}/198.18.71.5`)).toEqual({ network_id: network!.id, ip_address: '198.18.71.5', lease: null, events: [], port_events: [], why: null });
    const missing = await get('/console/api/networks/4f1c9a61-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    expect((await get(`/console/api/leases/${network!.id}/not-an-ip`)).status).toBe(400);
    expect((await get('/console/api/agents/no-such-agent')).status).toBe(404);
  });

  test('time travel: the network replayed as it was at a moment, and what changed since', async () => {
    const before = Date.now() - 1;
    const { network } = await post('/v2.0/networks', { network: { name: 'travel' } });
    await post('/v2.0/subnets', { subnet: { network_id: network!.id, cidr: '198.18.72.0/28', ip_version: 4 } });
    const { port: first } = await post('/v2.0/ports', { port: { network_id: network!.id, name: 'first' } });
    // The journal's clock: the moment after the first port's event.
    const middle = (await json<{ events: EventJson[] }>(`/console/api/events/recent?network=${network!.id}&type=PortCreated`)).events[0]!.at;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const { port: second } = await post('/v2.0/ports', { port: { network_id: network!.id, name: 'second' } });

    const then = await json<NetworkAt>(`/console/api/networks/${network!.id}/at?time=${middle}`);
    expect(then.then?.ports.map((p) => p.name)).toEqual(['first']);
    expect(then.then?.subnets.map((s) => s.use)).toEqual([expect.objectContaining({ size: 13, used: 1 })]);
    expect(then.diff).toEqual({ leasesAdded: [], leasesGone: [], leasesChanged: [], portsAdded: [second!.id], portsGone: [] });
    expect(then.events).toBeGreaterThan(0);
    expect(then.snapshot).toBeNull(); // the whole history is there: no snapshot needed
    expect(first!.id).toBe(then.then?.ports[0]?.id);

    const earlier = await json<NetworkAt>(`/console/api/networks/${network!.id}/at?time=${new Date(before).toISOString()}`);
    expect(earlier.then).toBeNull();
    expect([...earlier.diff.portsAdded].sort()).toEqual([first!.id, second!.id].sort());
    expect((await get(`/console/api/networks/${network!.id}/at?time=yesterday`)).status).toBe(400);
  });

  test('streams are bounded, closing the server ends the open ones, and the rates say what the process counts', async () => {
    const own = await startHttpApi(t.api, { host: '127.0.0.1', port: 0, mounts: [consoleMount({ journal: t.journal, uiRoot: ui, maxStreams: 1, counters: () => ({ dhcp: 5, dns: undefined }) })] });
    // Sampled once at the start: no interval yet, and no DNS counter at all.
    expect(await (await fetch(`${own.url}/console/api/rates`)).json()).toEqual({ interval_ms: 10_000, dhcp: [], dns: null });
    const stream = await fetch(`${own.url}/console/api/events`);
    expect(stream.status).toBe(200);
    // One stream at most here: the next is refused, not queued.
    const second = await fetch(`${own.url}/console/api/events`);
    expect(second.status).toBe(503);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('BUSY');
    await own.close();
    const rest = await stream.text();
    expect(rest).toContain(': live');
  });
});
