/**
 * The web console (issue 25) in a real browser: Debian's Chromium, headless,
 * driven by playwright-core, against `leasehold start` spawned with an agent
 * on a test bridge. A network, subnet and port made through the Neutron HTTP
 * API show on the overview and network pages, and a network on a physical
 * network no agent maps is an alert that names it (with the scheduler's binding
 * and the candidates it ranked); a real DHCP client (udhcpc in
 * a namespace) takes its lease and the lease appears on the open network
 * page without a reload; the lease's page shows its events as a timeline;
 * time travel to before the lease shows the network without it and the
 * lease as added since (and its agent alive then); the port's page (its
 * address, MAC, owner, DHCP options, lease and why); the answering agent's page; the events page shows new events live; keyboard
 * navigation reaches the
 * network page; a narrow window does not scroll sideways; the browser logs
 * no error. Each page's screenshot goes to docs/console/ (docs/console.md).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestBridge, macOf, startClient, type RunningClient, type TestBridge } from '@leasehold/agent/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort, spawnLeasehold, type LeaseholdProcess } from '../history/probes.js';

// The docs' screenshots (docs/console/) are rewritten when LEASEHOLD_CONSOLE_SHOTS=docs; any other
// run writes them to a temporary folder, so `npm test` leaves the work tree as it found it.
const SHOTS = process.env.LEASEHOLD_CONSOLE_SHOTS === 'docs' ? fileURLToPath(new URL('../../../docs/console/', import.meta.url)) : mkdtempSync(join(tmpdir(), 'lh-console-shots-'));
const PHYSNET = 'phys-console';

let dataDir: string;
let bridge: TestBridge;
let system: LeaseholdProcess;
let base: string;
let browser: Browser;
let page: Page;
let client: RunningClient | undefined;
const browserErrors: string[] = [];

async function neutron(path: string, body: unknown): Promise<Record<string, Record<string, unknown>>> {
  const response = await fetch(`${base}/v2.0/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await response.json()) as Record<string, Record<string, unknown>>;
  expect(response.status, JSON.stringify(answer)).toBe(201);
  return answer;
}

const consoleJson = async <T>(path: string) => (await (await fetch(`${base}/console/api/${path}`)).json()) as T;

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lh-console-'));
  // No DNS server here: the test is about the console, and port 53 may be someone else's.
  writeFileSync(join(dataDir, 'leasehold.yaml'), 'agent:\n  dns:\n    enabled: false\n');
  bridge = await createTestBridge(1);
  const http = await freePort();
  base = `http://127.0.0.1:${http}`;
  system = spawnLeasehold([
    'start', '--data-dir', dataDir, '--config', join(dataDir, 'leasehold.yaml'), '--http', `127.0.0.1:${http}`, '--metrics-listen', '127.0.0.1:0',
    '--agent-id', 'agent-console', '--interface-mappings', `${PHYSNET}:${bridge.ifname}`, '--log-format', 'json',
  ]);
  await system.waitFor(/Press Ctrl-C to stop/, 180_000);
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (message) => {
    if (message.type() === 'error') browserErrors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => browserErrors.push(String(error)));
}, 240_000);

afterAll(async () => {
  await client?.stop();
  await browser?.close();
  await system?.stop();
  await bridge?.remove();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (process.env.LEASEHOLD_CONSOLE_SHOTS !== 'docs') rmSync(SHOTS, { recursive: true, force: true });
});

// Each step waits on a browser, a spawned system and a real DHCP client: CI runs it on two cores
// shared with every other package's tests, where a first clean-clone run saw 30 s go by.
describe('the web console in Chromium', { timeout: 180_000 }, () => {
  let networkId: string;
  let portId: string;
  let mac: string;
  let address: string;
  /** A moment before the client asked for its lease (this machine's clock, as the agent's events are). */
  let beforeLease: number;

  test('the overview shows the agent and a network made through the API, with its binding and pool bar', async () => {
    const { network } = await neutron('networks', { network: { name: 'console-net', 'provider:network_type': 'flat', 'provider:physical_network': PHYSNET } });
    networkId = network!.id as string;
    await neutron('subnets', { subnet: { network_id: networkId, name: 'console-sub', cidr: '198.19.125.0/24', ip_version: 4 } });
    mac = await macOf(bridge.links[0]!.ns, bridge.links[0]!.clientIf);
    const { port } = await neutron('ports', { port: { network_id: networkId, name: 'console-vm', mac_address: mac, device_owner: 'compute:nova', extra_dhcp_opts: [{ opt_name: 'ntp-server', opt_value: '198.19.125.1' }] } });
    address = (port!.fixed_ips as { ip_address: string }[])[0]!.ip_address;
    portId = port!.id as string;
    // A network on a physical network no agent maps: the scheduler binds it nowhere, and the overview says why.
    const { network: far } = await neutron('networks', { network: { name: 'console-far', 'provider:network_type': 'flat', 'provider:physical_network': 'phys-nowhere' } });
    await neutron('subnets', { subnet: { network_id: far!.id, name: 'far-sub', cidr: '198.19.126.0/24', ip_version: 4 } });
    const unreachable = async () => (await consoleJson<{ alerts: { text: string }[] }>('overview')).alerts.map((a) => a.text);
    await expect.poll(unreachable, { timeout: 60_000, interval: 500 }).toContain('network console-far: no live agent maps physnet phys-nowhere');
    // The scheduler binds the network to the agent, which makes its DHCP port.
    await expect.poll(async () => (await consoleJson<{ bindings: unknown[]; ports: unknown[] }>(`networks/${networkId}`)).ports.length, { timeout: 60_000, interval: 500 }).toBe(2);

    await page.goto(`${base}/console/`);
    const row = page.locator('tr', { has: page.locator(`a[href="#/networks/${networkId}"]`) });
    await row.waitFor();
    await expect.poll(() => row.textContent(), { timeout: 30_000 }).toContain('agent-console');
    expect(await row.textContent()).toContain('198.19.125.0/24');
    expect(await page.locator('table').first().textContent()).toMatch(/agent-console.*alive/);
    expect(await page.locator('ul.alerts li.critical').textContent()).toContain('console-far: no live agent maps physnet phys-nowhere');
    // The rate charts: the agent counts DHCP packets; this system serves no DNS.
    expect(await page.locator('.chart svg[role="img"]').first().getAttribute('aria-label')).toMatch(/^DHCP: [\d.]+ packets\/s now/);
    expect(await page.locator('.chart', { hasText: 'DNS' }).textContent()).toContain('not served by this process');
    // Their samples are kept in the data directory, for the charts of the daemon's next start.
    const kept = () => (JSON.parse(readFileSync(join(dataDir, 'console-rates.json'), 'utf8')) as { samples: unknown[] }).samples.length;
    await expect.poll(kept, { timeout: 30_000, interval: 500 }).toBeGreaterThan(0);
    await page.locator('.live.on').first().waitFor({ timeout: 30_000 });
    await shot('overview');
  });

  test('the keyboard alone reaches the network page from the overview', async () => {
    await page.goto(`${base}/console/#/`);
    await page.locator(`a[href="#/networks/${networkId}"]`).waitFor();
    let focused = '';
    for (let i = 0; i < 30 && focused !== 'console-net'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate<string>("document.activeElement?.textContent ?? ''");
    }
    expect(focused).toBe('console-net');
    await page.keyboard.press('Enter');
    await page.locator('h1', { hasText: 'Network console-net' }).waitFor();
    expect(await page.evaluate<string>('document.activeElement?.tagName')).toBe('H1');
  });

  test("a real DHCP client's lease appears on the open network page without a reload", async () => {
    await page.locator('.live.on').waitFor({ timeout: 30_000 });
    const subnets = await page.locator('section', { hasText: 'Subnets' }).textContent();
    expect(subnets).toContain('198.19.125.0/24');
    expect(await page.locator('section', { hasText: 'Ports' }).textContent()).toContain('console-vm');
    // The scheduler's binding, with why and the candidates it ranked.
    const binding = page.locator('section', { hasText: 'Binding history' }).locator('li[data-type="NetworkScheduled"]');
    expect(await binding.first().textContent()).toMatch(/bound to agent-console: new-network/);
    expect(await binding.first().locator('details summary').textContent()).toMatch(/ranked candidates \(1 shown of 1 eligible/);
    expect(await page.locator('table.leases tbody tr[data-ip]').count()).toBe(0);
    // Marks this document: a reload would lose the mark. (Page code as text: this file has no DOM types.)
    await page.evaluate('window.lhMark = 1');

    beforeLease = Date.now();
    client = await startClient('udhcpc', bridge.links[0]!, { hostname: 'console-vm' });
    const lease = await client.waitFor(['bound'], 60_000);
    expect(lease.ip).toBe(address);
    const leaseRow = page.locator(`table.leases tr[data-ip="${address}"]`);
    await leaseRow.waitFor({ timeout: 30_000 });
    expect(await page.evaluate<number | undefined>('window.lhMark')).toBe(1);
    expect(await leaseRow.textContent()).toContain(mac);
    expect(await leaseRow.textContent()).toContain('bound');
    await shot('network');

    // The search runs on the server: a piece of the MAC finds it, a host name nobody has finds nothing.
    await page.fill('input[type="search"]', mac.slice(-5));
    await expect.poll(() => page.locator('table.leases tbody tr[data-ip]').count()).toBe(1);
    await page.fill('input[type="search"]', 'no-such-host');
    await expect.poll(() => page.locator('table.leases tbody tr[data-ip]').count()).toBe(0);
    await page.fill('input[type="search"]', '');
    await leaseRow.waitFor();
  });

  test('time travel to before the lease shows the network without it, and the lease as added since', async () => {
    await page.fill('input[name="moment"]', new Date(beforeLease - 1).toISOString());
    await page.click('button:has-text("Show")');
    const travel = page.locator('.travel');
    await travel.waitFor({ timeout: 60_000 });
    expect(await travel.locator('p.facts').textContent()).toMatch(/, 0 leases\.$/);
    expect(await travel.textContent()).toContain('leases added: 1');
    expect(await travel.locator('ul', { hasText: address }).count()).toBe(1);
    // The agent then, as the scheduler's fold of the heartbeats judged it at that moment.
    expect(await travel.locator('.agents-then').textContent()).toMatch(/agent-console\s*alive/);
    await page.locator('section', { hasText: 'Time travel' }).screenshot({ path: join(SHOTS, 'time-travel.png') });
  });

  test("the lease's page shows why (the allocator's rule, the answering agent) and its events and its port's as a timeline", async () => {
    await page.locator(`table.leases a[href="#/leases/${networkId}/${address}"]`).click();
    await page.locator('h1', { hasText: `Lease ${address}` }).waitFor();
    const bound = page.locator('.timeline li[data-type="LeaseBound"]');
    await bound.first().waitFor();
    expect(await bound.first().textContent()).toContain(mac);
    expect(await page.locator('.timeline li[data-type="PortCreated"]').count()).toBe(1);
    // The rule and the agent, as leasehold why lease derives them.
    expect(await page.locator('dd[data-rule]').getAttribute('data-rule')).toBe('fixed');
    expect(await page.locator('dd[data-rule]').textContent()).toContain('(console-vm) with MAC');
    expect(await page.locator('dd[data-agent]').textContent()).toContain('agent-console: the only agent bound to the network');
    await shot('lease');
  });

  test("the network's ports table links to the port's page: its address, MAC, owner, DHCP options, lease and why", async () => {
    await page.goto(`${base}/console/#/networks/${networkId}`);
    await page.locator('section', { hasText: 'Ports' }).locator(`a[href="#/ports/${portId}"]`).click();
    await page.locator('h1', { hasText: 'Port console-vm' }).waitFor();
    expect(await page.locator('dd[data-field="mac"]').textContent()).toBe(mac);
    expect(await page.locator('dd[data-field="fixed-ips"]').textContent()).toContain(address);
    expect(await page.locator('dd[data-field="device-owner"]').textContent()).toContain('compute:nova');
    expect(await page.locator('table.dhcp-opts').textContent()).toContain('ntp-server198.19.125.1');
    expect(await page.locator(`ul.port-leases li[data-ip="${address}"]`).textContent()).toContain('bound');
    expect(await page.locator('dd[data-rule]').getAttribute('data-rule')).toBe('fixed');
    await page.locator('.timeline li[data-type="LeaseBound"]').first().waitFor();
    expect(await page.locator('.timeline li[data-type="PortCreated"]').count()).toBe(1);
    expect(await page.locator(`a[href="#/networks/${networkId}"]`).count()).toBeGreaterThan(0);
    await shot('port');
  });

  test('the answering agent links to its page: its state, the network it serves and its binding', async () => {
    await page.locator('dd[data-agent] a').click();
    await page.locator('h1', { hasText: 'Agent agent-console' }).waitFor();
    const served = page.locator('section', { hasText: 'Networks served (1)' });
    await served.waitFor();
    expect(await served.locator(`a[href="#/networks/${networkId}"]`).textContent()).toBe('console-net');
    expect(await page.locator('section', { hasText: 'Interface mappings' }).textContent()).toContain(PHYSNET);
    expect(await page.locator('li[data-type="NetworkScheduled"]').count()).toBe(1);
    await shot('agent');
  });

  test('the events page lists the network\'s events and shows a new one live', async () => {
    await page.goto(`${base}/console/#/events?network=${networkId}`);
    await page.locator('table.events tr[data-type="LeaseBound"]').first().waitFor();
    await page.locator('.live.on').waitFor({ timeout: 30_000 });
    await neutron('ports', { port: { network_id: networkId, name: 'console-vm-2' } });
    await page.locator('table.events tr[data-type="PortCreated"]').nth(1).waitFor({ timeout: 30_000 });
    // Filtered by the network, the page has the time-travel control too.
    expect(await page.locator('section', { hasText: 'Time travel' }).count()).toBe(1);
    await shot('events');
  });

  test('a narrow window scrolls no page sideways', async () => {
    await page.setViewportSize({ width: 420, height: 800 });
    for (const hash of ['#/', `#/networks/${networkId}`, `#/leases/${networkId}/${address}`, `#/ports/${portId}`, '#/agents/agent-console', '#/events']) {
      await page.goto(`${base}/console/${hash}`);
      await page.locator('main h1').waitFor();
      await page.locator('main section, main table').first().waitFor();
      expect(await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth'), hash).toBe(true);
    }
    await page.goto(`${base}/console/#/networks/${networkId}`);
    await page.locator(`table.leases tr[data-ip="${address}"]`).waitFor();
    await shot('network-narrow');
  });

  test('the browser logged no error on any page', () => {
    expect(browserErrors).toEqual([]);
  });
});
