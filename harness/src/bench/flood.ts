/**
 * `npm run bench:flood`: what one DISCOVER of a random-MAC flood costs the
 * lease table once the pool is exhausted (every address offered to a made-up
 * client and not yet old enough to reclaim, then old enough). Each such
 * DISCOVER asks the pool-starvation defence for an offer to withdraw, so this
 * is the per-packet price of the attack on a directly attached link, where no
 * per-relay limit applies. Bounded: 20,000 DISCOVERs per pool size.
 */
import { LeaseTable } from '@leasehold/lease-actor';
import { parseIpv4 } from '@leasehold/protocol';
import { machineLine } from './harness.js';

console.log(machineLine('lease table only, no sockets, one core'));
const mac = (i: number) => `02:${[24, 16, 8, 0].map((s) => ((i >>> s) & 255).toString(16).padStart(2, '0')).join(':')}:00`;
for (const size of [254, 4_094, 65_534]) {
  const first = parseIpv4('198.18.0.1');
  const table = new LeaseTable({ networkId: 'bench', pools: [{ subnetId: 's', first, last: first + size - 1 }] });
  let i = 0;
  // The flood takes every address at t = 0...
  for (; i < size; i++) table.offer({ mac: mac(i), now: 0, subnetId: 's' });
  // ...and keeps coming 10 s later, when those offers are old enough to reclaim (default 2 s).
  const count = 20_000;
  let offered = 0;
  const started = performance.now();
  for (let k = 0; k < count; k++) if (table.offer({ mac: mac(i++), now: 10_000 + k * 0.01, subnetId: 's' }).allocation.ok) offered++;
  const us = ((performance.now() - started) * 1000) / count;
  console.log(`pool of ${size.toLocaleString('en-US').padStart(6)}: ${us.toFixed(1).padStart(6)} µs per DISCOVER from a new MAC on the exhausted pool (${offered.toLocaleString('en-US')} of ${count.toLocaleString('en-US')} got an offer)`);
}
