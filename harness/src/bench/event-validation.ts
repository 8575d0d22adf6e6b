/**
 * What validating an event costs a fold (issue 15: every fold validates
 * before it applies; lease events are folded at 100k/s). Per event, on a
 * typical LeaseBound and on a heartbeat and a SubnetCreated: decoding the
 * envelope (what every projection did before), protocol's checkStoredEvent
 * (schema, version, subject and ids: what the journal's projections add), the
 * same data checked by a zod schema (zod 4, what the API uses for requests),
 * and the old hand-written lease guard. Interleaved rounds, best round shown
 * (the machine is shared).
 *
 *   npx tsx --conditions=@leasehold/source harness/src/bench/event-validation.ts
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { leaseSubject, toEnvelope } from '@leasehold/lease-actor';
import { checkEventData, checkStoredEvent, decodeEvent, decodeStoredEvent, encodeEvent, isIpv4, parseIpv4, type EventEnvelope } from '@leasehold/protocol';
import { toAgentEnvelope, toNetworkEnvelope } from '@leasehold/resources';
import { bestOfRounds, machineLine, printTable, rate, timeLoop } from './harness.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 3_000_000);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 400);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const at = 1_700_000_000_000;
const ip = parseIpv4('198.18.0.100');
const leaseEnvelope = toEnvelope('net-1', { type: 'LeaseBound', ip, mac: 'fa:16:3e:00:00:01', clientId: '01fa163e000001', hostname: 'vm-1', at, expiresAt: at + 86_400_000, renewAt: at + 43_200_000, rebindAt: at + 75_600_000 }, { id: '6f1c1a52-7b07-4e0c-9c47-3a4c1b0f2d11' });
const leaseSubjectText = leaseSubject('net-1', ip);
const leaseBytes = encodeEvent(leaseEnvelope);
// As a projection holds it: decoded by msgpackr (its maps are not the literal's shape).
const leaseDecoded = decodeEvent(leaseBytes);
const heartbeat: EventEnvelope = toAgentEnvelope(
  { type: 'AgentHeartbeat', at, agentId: 'agent-1', host: 'host-1', availabilityZone: 'nova', networks: ['n1', 'n2', 'n3'], load: 12, interfaceMappings: { physnet1: 'eth1' }, reportIntervalMs: 30_000, version: '0.1.0' },
  { id: 'h-1' },
);
const block = parseIpv4('198.18.0.0');
const subnet: EventEnvelope = toNetworkEnvelope('net-1', {
  type: 'SubnetCreated', at,
  subnet: {
    id: 'sub-1', networkId: 'net-1', name: 'sub', cidr: { address: block, prefix: 24 }, gatewayIp: block + 1,
    allocationPools: [{ first: block + 2, last: block + 99 }], dynamicPools: [{ first: block + 100, last: block + 199 }],
    dnsNameservers: [block + 1], hostRoutes: [], enableDhcp: true, leaseDuration: 86_400,
  },
}, { id: 's-1' });

// The LeaseBound data as a zod schema with the same rules as protocol's.
const time = z.number().min(-8.64e15).max(8.64e15);
const zodLeaseBound = z.object({
  ip: z.number().int().min(0).max(0xffffffff),
  mac: z.string().max(255),
  clientId: z.string().max(1024).optional(),
  hostname: z.string().max(65_535).optional(),
  expiresAt: time,
  renewAt: time,
  rebindAt: time,
});

/** The guard lease-actor's fromEnvelope had before (types only, no bounds, no subject). */
function oldLeaseGuard(data: unknown): boolean {
  if (data === null || typeof data !== 'object') return false;
  const d = data as Record<string, unknown>;
  const isTime = (v: unknown) => typeof v === 'number' && !Number.isNaN(v);
  return isIpv4(d.ip) && typeof d.mac === 'string' && (d.clientId === undefined || typeof d.clientId === 'string') && (d.hostname === undefined || typeof d.hostname === 'string') && isTime(d.expiresAt) && isTime(d.renewAt) && isTime(d.rebindAt);
}

function check(what: string, ok: boolean): void {
  if (!ok) throw new Error(`bench: ${what}`);
}
check('the LeaseBound is valid', checkStoredEvent(leaseSubjectText, leaseEnvelope) === undefined);
check('zod agrees', zodLeaseBound.safeParse(leaseEnvelope.data).success);
check('the old guard agrees', oldLeaseGuard(leaseEnvelope.data));
check('the heartbeat is valid', checkStoredEvent('lh.evt.agent.agent-1', heartbeat) === undefined);
check('the subnet is valid', checkStoredEvent('lh.evt.network.net-1', subnet) === undefined);

const cases: { name: string; op: () => unknown }[] = [
  { name: `LeaseBound: decodeEvent (${leaseBytes.length} B msgpack + envelope checks)`, op: () => decodeEvent(leaseBytes) },
  { name: 'LeaseBound: decodeStoredEvent (decode + checkStoredEvent)', op: () => decodeStoredEvent(leaseSubjectText, leaseBytes) },
  { name: 'LeaseBound: checkStoredEvent (data, version, subject, ip)', op: () => checkStoredEvent(leaseSubjectText, leaseDecoded) },
  { name: 'LeaseBound: checkEventData (data and version only)', op: () => checkEventData('LeaseBound', 1, leaseDecoded.data) },
  { name: 'LeaseBound: zod safeParse of the data', op: () => zodLeaseBound.safeParse(leaseDecoded.data) },
  { name: 'LeaseBound: the old hand-written guard', op: () => oldLeaseGuard(leaseDecoded.data) },
  { name: 'AgentHeartbeat: checkStoredEvent', op: () => checkStoredEvent('lh.evt.agent.agent-1', heartbeat) },
  { name: 'SubnetCreated: checkStoredEvent (pools apart and inside)', op: () => checkStoredEvent('lh.evt.network.net-1', subnet) },
];


console.log(machineLine(`zod ${zodVersion()}`));
for (const c of cases) timeLoop(c.name, c.op, 20_000, 300);
const figures = bestOfRounds(cases, ROUNDS, ITERATIONS, ROUND_MS);
check('the timed calls ran', figures.every((f) => f.ops > 0));
printTable(figures);
const ns = (prefix: string) => 1e9 / rate(figures.find((f) => f.name.startsWith(prefix))!);
console.log('');
console.log(`per LeaseBound: decode ${ns('LeaseBound: decodeEvent').toFixed(0)} ns, + validation ${ns('LeaseBound: checkStoredEvent').toFixed(0)} ns (zod on the data alone: ${ns('LeaseBound: zod').toFixed(0)} ns; old guard ${ns('LeaseBound: the old').toFixed(0)} ns)`);
console.log(`at 100,000 lease events/s validation takes ${((ns('LeaseBound: checkStoredEvent') * 100_000) / 1e7).toFixed(2)}% of one core`);

function zodVersion(): string {
  try {
    return (JSON.parse(readFileSync(fileURLToPath(import.meta.resolve('zod/package.json')), 'utf8')) as { version: string }).version;
  } catch {
    return '(version unknown)';
  }
}
