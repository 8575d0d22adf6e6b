/**
 * What a snapshot of the API's read model costs: its size after protocol's
 * `pack`, the time of `snapshot()` + `pack`, and of `unpack` +
 * `ReadModel.restore`, for a live state of 2,000 ports on 20 networks, 3
 * agents and 50,000 leases (the events folded directly, no server). With
 * SNAPSHOT_CHURN=n, n more ports are created and deleted first (each with a
 * fresh MAC and an address from the pool, as the API does), to show what
 * the released claims the model keeps add.
 *
 *   npx tsx --conditions=@leasehold/source harness/src/bench/api-snapshot.ts
 *   SNAPSHOT_CHURN=20000 npx tsx --conditions=@leasehold/source harness/src/bench/api-snapshot.ts
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ReadModel } from '@leasehold/api';
import { agentDraft, bindingDraft, ipClaimDraft, macClaimDraft, networkDraft, portDraft, sequenced, type EventDraft } from '@leasehold/api/testing';
import { leaseSubject, leaseTimes, toEnvelope } from '@leasehold/lease-actor';
import { cidr, pack, parseIpv4, unpack, type PortState } from '@leasehold/protocol';
import { machineLine } from './harness.js';

const NETWORKS = 20;
const PORTS_PER_NETWORK = 100;
const LEASES_PER_NETWORK = 2_500;
const AGENTS = 3;
const CHURN = Number(process.env.SNAPSHOT_CHURN ?? 0);
const ROUNDS = Number(process.env.SNAPSHOT_ROUNDS ?? 7);
const T0 = 1_800_000_000_000;
/** Network i owns 198.18.0.0/15's i-th /20: ports from .10 on, dynamic leases from .1100 on. */
const BASE = parseIpv4('198.18.0.0');

const mac = (kind: number, n: number) => `fa:16:${kind.toString(16).padStart(2, '0')}:${((n >> 16) & 0xff).toString(16).padStart(2, '0')}:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;

function history(): EventDraft[] {
  const drafts: EventDraft[] = [];
  const networks = Array.from({ length: NETWORKS }, () => randomUUID());
  const agents = Array.from({ length: AGENTS }, (_, i) => `dhcp-agent-${i}`);
  let at = T0;
  networks.forEach((id, i) => {
    const first = BASE + i * 4096;
    drafts.push(networkDraft(id, 'NetworkCreated', { network: { id, name: `tenant-${i}`, adminStateUp: true, mtu: 1500, dnsDomain: 'example.org.', availabilityZoneHints: [], physicalNetwork: 'physnet1' } }, at));
    drafts.push(
      networkDraft(
        id,
        'SubnetCreated',
        {
          subnet: {
            id: randomUUID(),
            networkId: id,
            name: '',
            cidr: cidr(first, 20),
            gatewayIp: first + 1,
            allocationPools: [{ first: first + 2, last: first + 1099 }],
            dynamicPools: [{ first: first + 1100, last: first + 4094 }],
            dnsNameservers: [first + 1],
            hostRoutes: [],
            enableDhcp: true,
            leaseDuration: 86_400,
          },
        },
        at,
      ),
    );
  });
  const subnetOf = new Map(drafts.filter((d) => d.event.type === 'SubnetCreated').map((d) => [(d.event.data as { subnet: { networkId: string; id: string } }).subnet.networkId, (d.event.data as { subnet: { id: string } }).subnet.id]));

  const createPort = (networkId: string, ip: number, macAddress: string): PortState => {
    const port: PortState = {
      id: randomUUID(),
      networkId,
      name: '',
      macAddress,
      fixedIps: [{ subnetId: subnetOf.get(networkId)!, ipAddress: ip }],
      dnsName: '',
      extraDhcpOpts: [],
      deviceOwner: 'compute:nova',
      deviceId: randomUUID(),
      adminStateUp: true,
    };
    drafts.push(macClaimDraft('MacClaimed', { networkId, mac: macAddress, portId: port.id }, ++at));
    drafts.push(ipClaimDraft('IpAllocated', { networkId, subnetId: subnetOf.get(networkId)!, ip, portId: port.id }, at));
    drafts.push(portDraft(port.id, 'PortCreated', { port }, at));
    return port;
  };

  // Churn first: ports that came and went, each leaving its released claims behind.
  for (let c = 0; c < CHURN; c++) {
    const networkId = networks[c % NETWORKS]!;
    const ip = BASE + (c % NETWORKS) * 4096 + 10 + PORTS_PER_NETWORK + (Math.floor(c / NETWORKS) % 900);
    const port = createPort(networkId, ip, mac(0x3e, 0x800000 + c));
    drafts.push(portDraft(port.id, 'PortDeleted', { networkId }, ++at));
    drafts.push(ipClaimDraft('IpReleased', { networkId, subnetId: port.fixedIps[0]!.subnetId, ip, portId: port.id }, at));
    drafts.push(macClaimDraft('MacReleased', { networkId, mac: port.macAddress, portId: port.id }, at));
  }
  networks.forEach((networkId, i) => {
    for (let p = 0; p < PORTS_PER_NETWORK; p++) createPort(networkId, BASE + i * 4096 + 10 + p, mac(0x3e, i * PORTS_PER_NETWORK + p));
  });
  networks.forEach((networkId, i) => {
    for (const agentId of agents.slice(0, 2).map((_, k) => agents[(i + k) % AGENTS]!)) {
      drafts.push(bindingDraft('NetworkScheduled', { networkId, agentId, reason: 'new-network', strategy: 'least-networks', inputs: { loads: Object.fromEntries(agents.map((a) => [a, i])) } }, ++at));
    }
  });
  for (const agentId of agents) {
    const served = networks.filter((_, i) => agentId === agents[i % AGENTS] || agentId === agents[(i + 1) % AGENTS]);
    drafts.push(agentDraft('AgentHeartbeat', { agentId, host: `${agentId}.example.org`, availabilityZone: 'nova', networks: served, load: served.length * PORTS_PER_NETWORK, interfaceMappings: { physnet1: 'eth1' }, reportIntervalMs: 30_000, version: '0.1.0' }, ++at));
  }
  networks.forEach((networkId, i) => {
    for (let l = 0; l < LEASES_PER_NETWORK; l++) {
      const ip = BASE + i * 4096 + 1100 + l;
      const n = i * LEASES_PER_NETWORK + l;
      const client = { mac: mac(0x01, n), ...(n % 2 === 0 ? { clientId: `01${mac(0x01, n).replaceAll(':', '')}` } : {}), ...(n % 3 === 0 ? { hostname: `host-${n}` } : {}) };
      const event = { type: 'LeaseBound' as const, at: ++at, ip, ...client, ...leaseTimes(at, 3_600_000) };
      drafts.push({ subject: leaseSubject(networkId, ip), event: toEnvelope(networkId, event, { id: randomUUID() }) });
    }
  });
  return drafts;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;

const events = sequenced(history());
let t = performance.now();
const model = new ReadModel();
for (const e of events) model.apply(e);
const foldMs = performance.now() - t;

const take: number[] = [];
const packs: number[] = [];
const unpacks: number[] = [];
const restores: number[] = [];
let bytes = 0;
let restored: ReadModel | undefined;
for (let r = 0; r < ROUNDS; r++) {
  t = performance.now();
  const snapshot = model.snapshot();
  const t1 = performance.now();
  const packed = pack(snapshot);
  const t2 = performance.now();
  const value = unpack(packed);
  const t3 = performance.now();
  restored = ReadModel.restore(value);
  const t4 = performance.now();
  take.push(t1 - t);
  packs.push(t2 - t1);
  unpacks.push(t3 - t2);
  restores.push(t4 - t3);
  bytes = packed.length;
}

const s = model.snapshot();
const leases = [...model.fleet.leases.values()].reduce((n, m) => n + m.size, 0);
const released = model.claimVersions.size - model.ipClaims.size - model.macClaims.size;
console.log(machineLine());
console.log(
  `state: ${model.networks.size} networks, ${model.ports.size} ports, ${model.fleet.agents.size} agents, ${leases} leases, ` +
    `${model.claimVersions.size} claim subjects (${released} released), ${events.length} events, position ${model.at()}; churned ports ${CHURN}`,
);
console.log(`fold of all events: ${ms(foldMs)}`);
console.log(`snapshot after pack: ${bytes.toLocaleString('en-US')} bytes (${(bytes / 2 ** 20).toFixed(2)} MiB)`);
const part = (name: string, value: unknown) => console.log(`  ${name}: ${pack(value).length.toLocaleString('en-US')} bytes`);
part('networks', s.networks);
part('ports', s.ports);
part('claims', s.claims);
part('agents + bindings', [s.agents, s.bindings]);
part('leases', s.leases);
console.log(`median of ${ROUNDS} (min-max):`);
const line = (name: string, xs: number[]) => console.log(`  ${name.padEnd(22)} ${ms(median(xs)).padStart(9)}  (${ms(Math.min(...xs))} - ${ms(Math.max(...xs))})`);
line('snapshot()', take);
line('pack', packs);
line('snapshot() + pack', take.map((x, i) => x + packs[i]!));
line('unpack', unpacks);
line('restore', restores);
line('unpack + restore', unpacks.map((x, i) => x + restores[i]!));
console.log(`restored model at position ${restored!.at()} with ${restored!.ports.size} ports and ${[...restored!.fleet.leases.values()].reduce((n, m) => n + m.size, 0)} leases`);
