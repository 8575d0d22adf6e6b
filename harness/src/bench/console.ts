/**
 * `npm run bench:console`: how long the web console's overview takes to
 * load with 100 networks and 10,000 leases (issue 25 point 3: under 1 s on
 * this machine). The store is a synthetic history of the real shapes
 * (harness/src/history: networks, subnets and ports through the API, the
 * agents' heartbeats and bindings, 10,000 clients' leases), on a
 * nats-server this script spawns (file storage, temporary directory); the
 * daemon's startSystem serves the API with the console on a free loopback
 * port, as `leasehold start` does. Then: the overview's JSON fetched once
 * (computed) and BENCH_ROUNDS times more (reused while nothing new is
 * folded, a second at most), one network's page and a page of its leases, and the
 * overview page loaded in headless Chromium (playwright-core) in a fresh
 * browser context each round, timed from navigation to the 100th network's
 * row on screen, and the network page with the most leases, timed to its
 * lease table's first row, counting the rows the virtualised table put in
 * the DOM. Every loop is bounded.
 *
 *   BENCH_NETWORKS=100 BENCH_LEASES=10000 BENCH_ROUNDS=7 npm run bench:console
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Journal, connectNats, startNatsServer } from '@leasehold/journal';
import { connectedRuntime, startSystem } from '@leasehold/server';
import { chromium } from 'playwright-core';
import { DEFAULT_SHAPE, historyPlan, writeHistory } from '../history/index.js';
import { machineLine } from './harness.js';

const NETWORKS = Number(process.env.BENCH_NETWORKS ?? 100);
const LEASES = Number(process.env.BENCH_LEASES ?? 10_000);
const ROUNDS = Math.min(50, Number(process.env.BENCH_ROUNDS ?? 7));
const PAGE_TIMEOUT_MS = 60_000;

const storeDir = mkdtempSync(join(tmpdir(), 'lh-bench-console-'));
const config = join(storeDir, 'bench.conf');
writeFileSync(config, `max_payload: ${8 * 2 ** 20}\n`);
const server = await startNatsServer({ storeDir: join(storeDir, 'js'), extraArgs: ['-c', config] });
const nc = await connectNats(server.url, { name: 'bench-console' });

const stats = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `median ${median.toFixed(0)} ms, best ${sorted[0]!.toFixed(0)} ms, worst ${sorted.at(-1)!.toFixed(0)} ms (${ms.length} rounds)`;
};

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

try {
  const journal = await Journal.open(nc);
  const shape = { ...DEFAULT_SHAPE, networks: NETWORKS, portsPerNetwork: 20, leases: LEASES };
  const plan = historyPlan(shape, { events: LEASES, endAt: Date.now() });
  const t0 = performance.now();
  const { live } = await writeHistory(nc, journal, plan);
  const stored = (await journal.jsm.streams.info(journal.layout.stream)).state.messages;
  console.log(`history: ${NETWORKS} networks, ${NETWORKS * shape.portsPerNetwork} ports, ${LEASES} leases; ${stored} events written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const system = await startSystem(connectedRuntime(server.url, nc), {
    api: { agentDownTimeMs: 75_000, quotas: { quota_network: -1, quota_subnet: -1, quota_port: -1 }, http: { listen: { host: '127.0.0.1', port: 0 }, required: true } },
    log: () => {},
  });
  try {
    const base = `${system.http!.url}/console`;
    const json = async (path: string) => {
      const response = await fetch(`${base}/api/${path}`);
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return response.json() as Promise<Record<string, unknown[]>>;
    };
    // The first answer is computed; later ones within a second, with nothing new folded, reuse it (data-routes.ts).
    let overview: Record<string, unknown[]> = {};
    const computedMs = await timed(async () => (overview = await json('overview')));
    const leases = (overview.networks as { leases: number }[]).reduce((n, row) => n + row.leases, 0);
    console.log(`overview JSON: ${overview.networks!.length} networks, ${overview.agents!.length} agents, ${leases} bound leases, ${overview.alerts!.length} alerts, ${JSON.stringify(overview).length} bytes`);
    const rounds = Array.from({ length: ROUNDS }, (_, i) => i);
    const overviewMs: number[] = [];
    for (const _ of rounds) overviewMs.push(await timed(() => json('overview')));
    const networkMs: number[] = [];
    for (const _ of rounds) networkMs.push(await timed(() => json(`networks/${live.networkIds[0]}`)));
    const leasesMs: number[] = [];
    for (const _ of rounds) leasesMs.push(await timed(() => json(`networks/${live.networkIds[0]}/leases?q=02:&offset=0&limit=50`)));
    console.log(`GET /console/api/overview, computed       ${computedMs.toFixed(0)} ms (the first request)`);
    console.log(`GET /console/api/overview, then           ${stats(overviewMs)}`);
    console.log(`GET /console/api/networks/<id>            ${stats(networkMs)}`);
    console.log(`GET /console/api/networks/<id>/leases?q=  ${stats(leasesMs)}`);

    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const pageMs: number[] = [];
      const loadMs: number[] = [];
      for (const _ of rounds) {
        // A fresh context: no cached bundle, as a first visit.
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        const page = await context.newPage();
        const t = performance.now();
        await page.goto(`${base}/`);
        await page.locator(`h2:has-text("Networks (${NETWORKS})")`).waitFor({ timeout: PAGE_TIMEOUT_MS });
        await page.locator('section', { hasText: `Networks (${NETWORKS})` }).locator('tbody tr').nth(NETWORKS - 1).waitFor({ timeout: PAGE_TIMEOUT_MS });
        pageMs.push(performance.now() - t);
        loadMs.push(await page.evaluate<number>("performance.getEntriesByType('navigation')[0].loadEventEnd"));
        await context.close();
      }
      console.log(`overview page, navigation to the ${NETWORKS}th network's row  ${stats(pageMs)}`);
      console.log(`  of which the bundle's load event                       ${stats(loadMs)}`);

      // The network page with the most leases: its lease table holds a server page (500 rows at most) and renders those in view.
      const biggest = (overview.networks as { id: string; leases: number }[]).reduce((a, b) => (b.leases > a.leases ? b : a));
      const networkPageMs: number[] = [];
      let rendered = 0;
      for (const _ of rounds) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        const page = await context.newPage();
        const t = performance.now();
        await page.goto(`${base}/#/networks/${biggest.id}`);
        await page.locator('table.leases tr[data-ip]').first().waitFor({ timeout: PAGE_TIMEOUT_MS });
        networkPageMs.push(performance.now() - t);
        rendered = await page.locator('table.leases tr[data-ip]').count();
        await context.close();
      }
      console.log(`network page (${biggest.leases} bound leases), navigation to the first lease row  ${stats(networkPageMs)}; lease rows in the DOM: ${rendered}`);
    } finally {
      await browser.close();
    }
  } finally {
    await system.stop();
  }
} finally {
  await nc.close();
  await server.stop();
  rmSync(storeDir, { recursive: true, force: true });
}
console.log(machineLine(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`));
