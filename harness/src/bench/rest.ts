/**
 * `npm run bench:rest`: port creates per second through Neutron's HTTP API
 * beside the NATS API, in the same run on the same system (one at a time,
 * with 32 in flight, and HTTP bulk creates of 100), then list latency with
 * BENCH_PORTS ports (default 10,000) through both. The system is started
 * by the daemon's startSystem with the HTTP front door on a free loopback
 * port, as `leasehold api --http` starts it, on a nats-server this script
 * spawns (file storage, temporary directory). The NATS client has its own
 * connection and the HTTP client is node:http with keep-alive, so every call
 * crosses a socket as a real caller's would. Every loop is bounded in count
 * and time. Issue 20's goal: HTTP keeps at least half the NATS rate.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ApiClient } from '@leasehold/api/client';
import { connectNats, startNatsServer } from '@leasehold/journal';
import { connectedRuntime, startSystem } from '@leasehold/server';
import { machineLine, measure, pipelined, printTable, rate, type Figure } from './harness.js';

const TOTAL_PORTS = Number(process.env.BENCH_PORTS ?? 10_000);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 1_000);
const PIPELINED = Number(process.env.BENCH_PIPELINED ?? 2_000);
const BULK = 100;
const WINDOW = Number(process.env.BENCH_WINDOW ?? 32);
const LIST_CALLS = Number(process.env.BENCH_LIST_CALLS ?? 20);
const MAX_MS = 60_000;

const storeDir = mkdtempSync(join(tmpdir(), 'lh-bench-rest-'));
const config = join(storeDir, 'bench.conf');
// Listing 10,000 ports over NATS is over nats-server's default max_payload (1 MiB).
writeFileSync(config, `max_payload: ${8 * 2 ** 20}\n`);
const server = await startNatsServer({ storeDir: join(storeDir, 'js'), extraArgs: ['-c', config] });
const serviceNc = await connectNats(server.url, { name: 'bench-rest-service' });
const clientNc = await connectNats(server.url, { name: 'bench-rest-client' });
const system = await startSystem(connectedRuntime(server.url, serviceNc), {
  api: {
    agentDownTimeMs: 75_000,
    quotas: { quota_network: -1, quota_subnet: -1, quota_port: -1 },
    http: { listen: { host: '127.0.0.1', port: 0 }, required: true },
  },
  log: (line) => console.error(line),
});
const endpoint = system.http!.url;
const client = new ApiClient(clientNc, { timeoutMs: 30_000 });

// node:http with a keep-alive agent: a lighter client than fetch, so the figures are the server's more than the client's.
const agent = new Agent({ keepAlive: true, maxSockets: WINDOW });
const { hostname, port } = new URL(endpoint);

function http(method: string, path: string, body?: unknown): Promise<unknown> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ agent, hostname, port, method, path, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 500) >= 400) reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
        else resolve(text ? JSON.parse(text) : undefined);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Calls `call` up to `count` times one after another (bounded by MAX_MS); the durations' p50 and p99 in ms. */
async function latency(count: number, call: () => Promise<unknown>): Promise<{ p50: number; p99: number; n: number }> {
  const samples: number[] = [];
  const deadline = performance.now() + MAX_MS;
  for (let i = 0; i < count && performance.now() < deadline; i++) {
    const t0 = performance.now();
    await call();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.max(0, Math.ceil(p * samples.length) - 1))] ?? Number.NaN;
  return { p50: q(0.5), p99: q(0.99), n: samples.length };
}

console.log(machineLine(`nats-server ${serviceNc.info?.version} (file storage), Neutron HTTP API on ${endpoint}`));
console.log(`counts: ${SEQUENTIAL} sequential creates and ${PIPELINED} with ${WINDOW} in flight per door, HTTP bulk of ${BULK}; lists at ${TOTAL_PORTS} ports`);

try {
  const net = await client.networks.create({ name: 'bench-rest' });
  await client.subnets.create({ network_id: net.id, cidr: '198.18.0.0/16' });
  const one = { network_id: net.id };
  const figures: Figure[] = [];
  const sequential = (create: (i: number) => Promise<unknown>) => async () => {
    const deadline = performance.now() + MAX_MS;
    let n = 0;
    for (; n < SEQUENTIAL && performance.now() < deadline; n++) await create(n);
    return n;
  };
  // Interleaved by door so the machine's drift touches both alike.
  figures.push(await measure('NATS ports.create, awaiting each', sequential((i) => client.ports.create({ ...one, name: `nats-seq-${i}` }))));
  figures.push(await measure('HTTP POST /v2.0/ports, awaiting each', sequential((i) => http('POST', '/v2.0/ports', { port: { ...one, name: `http-seq-${i}` } }))));
  figures.push(await measure(`NATS ports.create, ${WINDOW} in flight`, () => pipelined(PIPELINED, WINDOW, MAX_MS, (i) => client.ports.create({ ...one, name: `nats-pipe-${i}` }))));
  figures.push(await measure(`HTTP POST /v2.0/ports, ${WINDOW} in flight`, () => pipelined(PIPELINED, WINDOW, MAX_MS, (i) => http('POST', '/v2.0/ports', { port: { ...one, name: `http-pipe-${i}` } }))));
  figures.push(
    await measure(`HTTP bulk POST of ${BULK} ports, awaiting each`, async () => {
      const deadline = performance.now() + MAX_MS;
      let n = 0;
      for (let b = 0; n < SEQUENTIAL && performance.now() < deadline; b++) {
        await http('POST', '/v2.0/ports', { ports: Array.from({ length: BULK }, (_, i) => ({ ...one, name: `http-bulk-${b}-${i}` })) });
        n += BULK;
      }
      return n;
    }),
  );
  console.log('');
  printTable(figures);
  const ratio = (http: number, nats: number) => `${((rate(figures[http]!) / rate(figures[nats]!)) * 100).toFixed(0)}%`;
  console.log(`HTTP / NATS: ${ratio(1, 0)} awaiting each, ${ratio(3, 2)} with ${WINDOW} in flight (goal: at least 50%)`);

  // Fill up to TOTAL_PORTS (untimed), then list through both doors.
  const have = system.api!.model.portsOf(net.id).length;
  await pipelined(Math.max(0, TOTAL_PORTS - have), WINDOW, 10 * MAX_MS, (i) => client.ports.create({ ...one, name: `fill-${i}` }));
  const total = system.api!.model.portsOf(net.id).length;
  const ms = (v: number) => `${v.toFixed(1).padStart(7)} ms`;
  const show = (name: string, l: { p50: number; p99: number; n: number }) => console.log(`${name.padEnd(44)} p50 ${ms(l.p50)}  p99 ${ms(l.p99)}  (${l.n} calls)`);
  console.log(`\nlists at ${total} ports:`);
  show('NATS ports.list network_id (all)', await latency(LIST_CALLS, () => client.ports.list({ network_id: net.id })));
  show('HTTP GET /v2.0/ports?network_id= (all)', await latency(LIST_CALLS, () => http('GET', `/v2.0/ports?network_id=${net.id}`)));
  show('NATS ports.list network_id, limit 100', await latency(LIST_CALLS, () => client.ports.list({ network_id: net.id, limit: 100 })));
  show('HTTP GET /v2.0/ports?network_id=&limit=100', await latency(LIST_CALLS, () => http('GET', `/v2.0/ports?network_id=${net.id}&limit=100`)));
  show('HTTP GET /v2.0/ports?name= (1 match)', await latency(LIST_CALLS, () => http('GET', '/v2.0/ports?name=fill-7')));
} finally {
  await system.stop();
  await clientNc.close();
  await serviceNc.close();
  await server.stop();
  rmSync(storeDir, { recursive: true, force: true });
}
