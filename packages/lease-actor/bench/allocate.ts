/**
 * Allocator figures for a /16 pool: DORA (offer + bind) per second as the pool
 * fills, allocate() on a nearly full pool, and folding a whole table.
 * Run: cd packages/lease-actor && npx tsx --conditions=@leasehold/source bench/allocate.ts
 */
import { LeaseTable, leaseTimes, type JournaledLeaseEvent } from '../src/index.js';

const first = ((198 << 24) | (18 << 16)) >>> 0; // 198.18.0.0
const size = 65_536;
const config = { networkId: 'bench', pools: [{ first, last: first + size - 1 }], excluded: [first, first + 1], offerTtlMs: 30_000 };
const mac = (i: number) => `02:00:${((i >>> 24) & 255).toString(16)}:${((i >>> 16) & 255).toString(16)}:${((i >>> 8) & 255).toString(16)}:${(i & 255).toString(16)}`;

const table = new LeaseTable(config);
const journal: JournaledLeaseEvent[] = [];
let now = 1_000_000;
const report = (label: string, n: number, ms: number) => console.log(`${label}: ${n} in ${ms.toFixed(0)} ms = ${Math.round((n / ms) * 1000)}/s, ${((ms * 1000) / n).toFixed(2)} µs each`);

let t = performance.now();
let clients = 0;
const checkpoints = [0.5, 0.9, 0.99, 1];
let from = 0;
for (const fill of checkpoints) {
  const target = Math.floor((size - 2) * fill);
  t = performance.now();
  for (; clients < target; clients++) {
    const client = { mac: mac(clients) };
    const { allocation } = table.offer({ ...client, now });
    if (!allocation.ok) throw new Error(`exhausted at ${clients}`);
    const bound = { type: 'LeaseBound' as const, ip: allocation.ip, ...client, at: now, ...leaseTimes(now, 86_400_000) };
    if (table.check(bound)) throw new Error('refused');
    table.apply(bound);
    journal.push(bound);
    now += 1;
  }
  report(`DORA from ${Math.round((from / size) * 100)}% to ${Math.round(fill * 100)}% full`, clients - from, performance.now() - t);
  from = clients;
}
console.log('free after fill:', table.freeCount());

// Free 100 scattered addresses, then time allocate() for new clients on a 99.8% full pool.
for (let i = 0; i < 100; i++) {
  const ip = first + 2 + ((i * 6551) % (size - 2));
  const lease = table.lease(ip, now);
  if (lease?.client) {
    const released = { type: 'LeaseReleased' as const, ip, ...lease.client, at: now };
    table.apply(released);
    journal.push(released);
  }
}
t = performance.now();
const N = 200_000;
for (let i = 0; i < N; i++) table.allocate({ mac: mac(size + i), now });
report('allocate() for new clients with 100 free of 65,536', N, performance.now() - t);

t = performance.now();
for (let i = 0; i < N; i++) table.allocate({ mac: mac(i % clients), now });
report('allocate() for clients holding a lease', N, performance.now() - t);

t = performance.now();
const replayed = LeaseTable.fold(config, journal);
report('fold of the journal into a fresh table', journal.length, performance.now() - t);
console.log('replayed free:', replayed.freeCount(), 'heap MB:', Math.round(process.memoryUsage().heapUsed / 2 ** 20));
