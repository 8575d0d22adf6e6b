/**
 * `npm run bench:api`: the API's port creates per second (one at a time, and
 * with 32 in flight) and its read latency with 10,000 ports, against a
 * nats-server this script spawns (file storage, temporary directory) and an
 * API service in this process, started by the daemon's startSystem as
 * `leasehold api` starts it. The client has its own connection, so every
 * call crosses the server as a real caller's would. Every loop is bounded in
 * count and time.
 *
 * A reply listing all 10,000 ports is larger than nats-server's default
 * max_payload (1 MiB), and the API has no paging yet, so the server is given
 * BENCH_MAX_PAYLOAD (default 8 MiB; `BENCH_MAX_PAYLOAD=default` keeps 1 MiB
 * and shows the failure).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ApiClient, ApiError } from '@leasehold/api/client';
import { connectNats, startNatsServer } from '@leasehold/journal';
import { pack } from '@leasehold/protocol';
import { connectedRuntime, startSystem } from '@leasehold/server';
import { machineLine, measure, pipelined, printTable, type Figure } from './harness.js';

const TOTAL_PORTS = Number(process.env.BENCH_PORTS ?? 10_000);
const SMALL_NETWORK_PORTS = 100;
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 3_000);
// The pipelined run creates what is left of the big network's share, so the reads see exactly TOTAL_PORTS.
const PIPELINED = Math.max(0, TOTAL_PORTS - SMALL_NETWORK_PORTS - SEQUENTIAL);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 32);
const LIST_CALLS = Number(process.env.BENCH_LIST_CALLS ?? 50);
const SHOW_CALLS = Number(process.env.BENCH_SHOW_CALLS ?? 1_000);
const MAX_MS = 60_000;

const MAX_PAYLOAD = process.env.BENCH_MAX_PAYLOAD ?? String(8 * 2 ** 20);
const NATS_DEFAULT_MAX_PAYLOAD = 2 ** 20;

const storeDir = mkdtempSync(join(tmpdir(), 'lh-bench-api-'));
const config = join(storeDir, 'bench.conf');
writeFileSync(config, MAX_PAYLOAD === 'default' ? '' : `max_payload: ${Number(MAX_PAYLOAD)}\n`);
const server = await startNatsServer({ storeDir: join(storeDir, 'js'), extraArgs: ['-c', config] });
const serviceNc = await connectNats(server.url, { name: 'bench-api-service' });
const clientNc = await connectNats(server.url, { name: 'bench-api-client' });
const system = await startSystem(connectedRuntime(server.url, serviceNc), {
  // 10,000 ports in one project: the bench measures the API, not Neutron's default quota of 500.
  api: { agentDownTimeMs: 75_000, quotas: { quota_network: -1, quota_subnet: -1, quota_port: -1 } },
  log: (line) => console.error(line),
});
const api = system.api!;
const client = new ApiClient(clientNc, { timeoutMs: 30_000 });

console.log(machineLine(`nats-server ${serviceNc.info?.version} (file storage, spawned on ${server.url}), max_payload ${serviceNc.info?.max_payload} bytes`));
console.log(`counts: ${SEQUENTIAL} sequential creates, ${PIPELINED} with ${WINDOW} in flight, reads at ${TOTAL_PORTS} ports; ${LIST_CALLS} calls per list figure, ${SHOW_CALLS} shows`);

interface Latency {
  readonly name: string;
  readonly samples: number[];
  readonly note: string;
}

/** The q-quantile (nearest rank) of sorted samples. Pure. */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

/** Calls `call` up to `count` times one after another (bounded by MAX_MS) and keeps each duration in ms. */
async function latency(name: string, count: number, call: (i: number) => Promise<string>): Promise<Latency> {
  const samples: number[] = [];
  const deadline = performance.now() + MAX_MS;
  let note = '';
  for (let i = 0; i < count && performance.now() < deadline; i++) {
    const t0 = performance.now();
    note = await call(i);
    samples.push(performance.now() - t0);
  }
  return { name, samples, note };
}

function printLatencies(rows: readonly Latency[]): void {
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    const sorted = [...r.samples].sort((a, b) => a - b);
    const ms = (v: number) => `${v.toFixed(2).padStart(8)} ms`;
    console.log(`${r.name.padEnd(width)}  p50 ${ms(quantile(sorted, 0.5))}  p99 ${ms(quantile(sorted, 0.99))}  max ${ms(sorted.at(-1) ?? Number.NaN)}  (${sorted.length} calls; ${r.note})`);
  }
}

try {
  const big = await client.networks.create({ name: 'bench-big', dns_domain: 'bench.example' });
  await client.subnets.create({ network_id: big.id, cidr: '198.18.0.0/16' });
  const small = await client.networks.create({ name: 'bench-small' });
  await client.subnets.create({ network_id: small.id, cidr: '198.19.0.0/24' });

  const figures: Figure[] = [];
  const createLatency: number[] = [];
  figures.push(
    await measure('ports.create, awaiting each', async () => {
      let n = 0;
      const deadline = performance.now() + MAX_MS;
      for (; n < SEQUENTIAL && performance.now() < deadline; n++) {
        const t0 = performance.now();
        await client.ports.create({ network_id: big.id, name: `seq-${n}` });
        createLatency.push(performance.now() - t0);
      }
      return n;
    }),
  );
  figures.push(
    await measure(`ports.create, ${WINDOW} in flight`, () =>
      pipelined(PIPELINED, WINDOW, MAX_MS, (i) => client.ports.create({ network_id: big.id, name: `pipe-${i}` })),
    ),
  );
  console.log('');
  printTable(figures);
  const sortedCreate = createLatency.sort((a, b) => a - b);
  console.log(`ports.create latency (sequential): p50 ${quantile(sortedCreate, 0.5).toFixed(2)} ms, p99 ${quantile(sortedCreate, 0.99).toFixed(2)} ms`);

  // Top up whatever the time bounds cut short (untimed), then the small network's share.
  const bigTarget = TOTAL_PORTS - SMALL_NETWORK_PORTS;
  const bigNow = api.model.portsOf(big.id).length;
  await pipelined(bigTarget - bigNow, WINDOW, 10 * MAX_MS, (i) => client.ports.create({ network_id: big.id, name: `fill-${i}` }));
  await pipelined(SMALL_NETWORK_PORTS, WINDOW, MAX_MS, (i) => client.ports.create({ network_id: small.id, name: `small-${i}` }));
  const all = [...api.model.ports.values()].map((p) => p.value);
  console.log(`\nread model holds ${all.length} ports (${api.model.portsOf(big.id).length} on bench-big, ${api.model.portsOf(small.id).length} on bench-small)`);

  const viewBytes = pack({ ports: await client.ports.list({ network_id: small.id }) }).length / SMALL_NETWORK_PORTS;
  const allBytes = viewBytes * all.length;
  console.log(`one port in a list reply: ~${viewBytes.toFixed(0)} bytes of msgpack, so all ${all.length} need ~${(allBytes / 2 ** 20).toFixed(2)} MiB`);
  if (allBytes > NATS_DEFAULT_MAX_PAYLOAD) {
    console.log(`  that is over nats-server's default max_payload (1 MiB, what \`leasehold start\` runs): there an unfiltered ports.list fails`);
  }

  const lists: Latency[] = [];
  const tryList = async (name: string, filters: Parameters<typeof client.ports.list>[0]) => {
    try {
      lists.push(await latency(name, LIST_CALLS, async () => `${(await client.ports.list(filters)).length} ports`));
    } catch (error) {
      console.log(`${name}: FAILED: ${error instanceof ApiError ? `${error.code}: ${error.message}` : String(error)}`);
    }
  };
  await tryList('ports.list, all', {});
  await tryList(`ports.list, network_id (${SMALL_NETWORK_PORTS} of ${all.length})`, { network_id: small.id });
  await tryList(`ports.list, network_id (${bigTarget} of ${all.length})`, { network_id: big.id });
  const someIp = all[Math.floor(all.length / 2)]!.fixedIps[0]!.ipAddress;
  const dotted = [someIp >>> 24, (someIp >>> 16) & 255, (someIp >>> 8) & 255, someIp & 255].join('.');
  await tryList('ports.list, ip_address (1 match)', { ip_address: dotted });
  const ids = all.map((p) => p.id);
  lists.push(
    await latency('ports.show', SHOW_CALLS, async (i) => {
      await client.ports.show(ids[(i * 7919) % ids.length]!);
      return 'by id, spread over all ports';
    }),
  );
  console.log('');
  printLatencies(lists);
} finally {
  await system.stop();
  await clientNc.close();
  await serviceNc.close();
  await server.stop();
  rmSync(storeDir, { recursive: true, force: true });
}
