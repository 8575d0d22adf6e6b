/**
 * The agent model's snapshot with 50,000 bound leases on one network with a
 * /16 pool (plus 200 ports, 3 agents): its size once packed, the time of
 * snapshot() + pack and of unpack + restore, against a full fold of the same
 * events. Not a test: figures for the README.
 * Run: cd packages/agent && npx tsx --conditions=@leasehold/source bench/snapshot.ts [leases]
 */
import { leaseSubject, leaseTimes, toEnvelope, type LeaseBound } from '@leasehold/lease-actor';
import type { StoredEvent } from '@leasehold/journal';
import { aggregateSubject, pack, parseCidr, parseIpv4, unpack, type EventEnvelope } from '@leasehold/protocol';
import { AgentModel } from '../src/state/agent-model.js';
import { leaseHostnames } from '../src/state/model-snapshot.js';

const LEASES = Number(process.argv[2] ?? 50_000);
const NET = '5d3f9c4e-8a1b-4c2d-9e7f-0a1b2c3d4e5f';
const SUB = '7e6d5c4b-3a29-4817-8f6e-5d4c3b2a1908';
const T0 = 1_765_000_000_000;
const block = parseCidr('198.18.0.0/16');
const first = parseIpv4('198.18.1.0');
const last = parseIpv4('198.18.255.254');
const mac = (i: number) => `02:${[24, 16, 8, 0].map((s) => ((i >>> s) & 255).toString(16).padStart(2, '0')).join(':')}:01`;

const events: StoredEvent[] = [];
let seq = 0;
const store = (subject: string, event: EventEnvelope) => events.push({ seq: ++seq, subject, event });
const envelope = (aggregate: string, type: string, data: unknown, at = T0): EventEnvelope => ({ type, v: 1, id: `e-${seq}`, aggregate, at, data });
store(aggregateSubject('network', NET), envelope(`network/${NET}`, 'NetworkCreated', {
  network: { id: NET, name: 'bench', adminStateUp: true, mtu: 1500, dnsDomain: 'example.org.', availabilityZoneHints: [], physicalNetwork: 'physnet1' },
}));
store(aggregateSubject('network', NET), envelope(`network/${NET}`, 'SubnetCreated', {
  subnet: {
    id: SUB, networkId: NET, name: 'bench', cidr: block, gatewayIp: block.address + 1,
    allocationPools: [{ first: block.address + 2, last: block.address + 254 }], dynamicPools: [{ first, last }],
    dnsNameservers: [], hostRoutes: [], enableDhcp: true, leaseDuration: 86_400,
  },
}));
for (let p = 0; p < 200; p++) {
  const id = `port-${String(p).padStart(8, '0')}-0000-4000-8000-000000000000`;
  store(aggregateSubject('port', id), envelope(`port/${id}`, 'PortCreated', {
    port: {
      id, networkId: NET, name: `vm-${p}`, macAddress: `fa:16:3e:00:${(p >> 8).toString(16).padStart(2, '0')}:${(p & 255).toString(16).padStart(2, '0')}`,
      fixedIps: [{ subnetId: SUB, ipAddress: block.address + 2 + p }], dnsName: `vm-${p}`, extraDhcpOpts: [],
      deviceOwner: 'compute:nova', deviceId: `vm-${p}`, adminStateUp: true,
    },
  }));
}
for (let a = 0; a < 3; a++) {
  const agentId = `dhcp-host${a}`;
  store(aggregateSubject('binding', NET), envelope(`binding/${NET}`, 'NetworkScheduled', { networkId: NET, agentId, reason: 'new-network' }));
  store(aggregateSubject('agent', agentId), envelope(`agent/${agentId}`, 'AgentHeartbeat', {
    agentId, host: `host${a}`, availabilityZone: 'nova', networks: [NET], load: 200, interfaceMappings: { physnet1: 'eth1' }, reportIntervalMs: 30_000, version: '0.1.0',
  }));
}
const model = new AgentModel();
const table = (() => {
  for (const e of events) model.apply(e);
  return model.table(NET)!;
})();
for (let i = 0; i < LEASES; i++) {
  const at = T0 + i * 10;
  const client = { mac: mac(i) };
  const { allocation } = table.offer({ ...client, now: at });
  if (!allocation.ok) throw new Error(`pool exhausted at ${i}`);
  const bound: LeaseBound = { type: 'LeaseBound', ip: allocation.ip, ...client, ...(i % 2 ? { hostname: `client-${i}` } : {}), at, ...leaseTimes(at, 86_400_000) };
  const stored = { seq: ++seq, subject: leaseSubject(NET, allocation.ip), event: toEnvelope(NET, bound, { id: `lease-${i}` }) };
  events.push(stored);
  model.apply(stored);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = <T>(f: () => T): [T, number] => {
  const t = performance.now();
  const out = f();
  return [out, performance.now() - t];
};
const runs = { snapshot: [] as number[], pack: [] as number[], unpack: [] as number[], restore: [] as number[], names: [] as number[], fold: [] as number[] };
let bytes = new Uint8Array();
for (let r = 0; r < 7; r++) {
  const [snapshot, ts] = time(() => model.snapshot());
  const [packed, tp] = time(() => pack(snapshot));
  const [value, tu] = time(() => unpack(packed));
  const restored = new AgentModel();
  const [checked, tr] = time(() => restored.restore(value));
  const [, tn] = time(() => leaseHostnames(checked));
  const [, tf] = time(() => {
    const m = new AgentModel();
    for (const e of events) m.apply(e);
    return m;
  });
  if (restored.table(NET)!.durableState().leases.length !== LEASES) throw new Error('restore lost leases');
  runs.snapshot.push(ts); runs.pack.push(tp); runs.unpack.push(tu); runs.restore.push(tr); runs.names.push(tn); runs.fold.push(tf);
  bytes = packed;
}
const ms = (xs: number[]) => `${median(xs).toFixed(0)} ms`;
console.log(`${LEASES} bound leases on one /16 network, 200 ports, 3 agents; ${events.length} events; median of 7 runs`);
console.log(`packed snapshot: ${(bytes.length / 1e6).toFixed(2)} MB (${(bytes.length / LEASES).toFixed(0)} bytes per lease)`);
console.log(`snapshot(): ${ms(runs.snapshot)}, pack: ${ms(runs.pack)}, together ${(median(runs.snapshot.map((t, i) => t + runs.pack[i]!))).toFixed(0)} ms`);
console.log(`unpack: ${ms(runs.unpack)}, restore(): ${ms(runs.restore)}, together ${(median(runs.unpack.map((t, i) => t + runs.restore[i]!))).toFixed(0)} ms; leaseHostnames: ${ms(runs.names)}`);
console.log(`for comparison, a full fold of the ${events.length} decoded events: ${ms(runs.fold)}`);
