/**
 * The DHCP hot path without sockets, for CPU per exchange on a busy machine:
 * DhcpServer.handle with the agent's JournalLeaseWriter on a real
 * nats-server (file storage) and the agent's projection folding the same
 * stream (its own events come back), driven by relayed DISCOVER/REQUEST
 * pairs, BATCH clients at a time (the packet pump hands over 64 a turn).
 * Prints this process's CPU (user + system) and nats-server's per exchange;
 * the machine's load skews both less than it skews rates. Not a test.
 * Run: cd packages/agent && npx tsx --conditions=@leasehold/source bench/dhcp-path.ts [exchanges per round] [batch] [rounds]
 * (add `node --cpu-prof` through NODE_OPTIONS=--cpu-prof for a profile).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, connectNats, startNatsServer } from '@leasehold/journal';
import { aggregateSubject, decodeDhcp, parseCidr, parseIpv4, type EventEnvelope } from '@leasehold/protocol';
import { JournalLeaseWriter } from '../src/dhcp/lease-writer.js';
import { DhcpServer } from '../src/dhcp/server.js';
import { startModelProjection } from '../src/projection.js';
import { AgentModel } from '../src/state/agent-model.js';
import { clientPacket, DhcpMessageType } from '../src/testing/packets.js';

const EXCHANGES = Number(process.argv[2] ?? 5_000);
const BATCH = Number(process.argv[3] ?? 64);
const ROUNDS = Number(process.argv[4] ?? 5);
const NET = '5d3f9c4e-8a1b-4c2d-9e7f-0a1b2c3d4e5f';
const SUB = '7e6d5c4b-3a29-4817-8f6e-5d4c3b2a1908';
const block = parseCidr('198.18.0.0/16');
const serverIp = block.address + 2;
const giaddr = block.address + 1;

const storeDir = mkdtempSync(join(tmpdir(), 'lh-bench-dhcp-path-'));
const nats = await startNatsServer({ storeDir });
const nc = await connectNats(nats.url, { name: 'bench-dhcp-path' });
const journal = await Journal.open(nc);
const envelope = (aggregate: string, type: string, data: unknown): EventEnvelope => ({ type, v: 1, id: crypto.randomUUID(), aggregate, at: Date.now(), data });
const netSubject = aggregateSubject('network', NET);
await journal.append(netSubject, [
  envelope(`network/${NET}`, 'NetworkCreated', {
    network: { id: NET, name: 'bench', adminStateUp: true, mtu: 1500, dnsDomain: 'example.org.', availabilityZoneHints: [], physicalNetwork: 'physnet1' },
  }),
  envelope(`network/${NET}`, 'SubnetCreated', {
    subnet: {
      id: SUB, networkId: NET, name: 'bench', cidr: block, gatewayIp: giaddr,
      allocationPools: [{ first: block.address + 2, last: block.address + 254 }], dynamicPools: [{ first: parseIpv4('198.18.1.0'), last: parseIpv4('198.18.255.254') }],
      dnsNameservers: [], hostRoutes: [], enableDhcp: true, leaseDuration: 86_400,
    },
  }),
]);
const model = new AgentModel({ offerTtlMs: 60_000, declineQuarantineMs: 86_400_000 });
const projection = await startModelProjection({ config: { agentId: 'bench', offerTtlMs: 60_000, declineQuarantineMs: 86_400_000 }, journal, model, restored: () => {}, log: () => {} });
await projection.caughtUp;
const server = new DhcpServer({
  agentId: 'bench',
  model,
  writer: new JournalLeaseWriter({ journal, log: (line) => console.error(line) }),
  served: () => [{ networkId: NET, ifname: undefined, serverIps: new Map([[SUB, serverIp]]) }],
  liveAgents: () => [],
  limits: { perRelay: { burst: 1e9, perSecond: 1e9 } },
});
const arrival = { ifname: undefined, ifaddr: serverIp };
const mac = (i: number) => `02:${[24, 16, 8, 0].map((s) => ((i >>> s) & 255).toString(16).padStart(2, '0')).join(':')}:01`;

const natsCpu = () => {
  const fields = readFileSync(`/proc/${nats.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

async function run(from: number, count: number): Promise<number> {
  let acks = 0;
  for (let start = from; start < from + count; start += BATCH) {
    const clients = Array.from({ length: Math.min(BATCH, from + count - start) }, (_, k) => start + k);
    const offers = await Promise.all(clients.map((i) => server.handle(clientPacket({ type: DhcpMessageType.Discover, mac: mac(i), xid: i, giaddr }), arrival)));
    const acked = await Promise.all(
      clients.map((i, k) => {
        const offer = offers[k];
        if (!offer) return undefined;
        const requestedIp = decodeDhcp(offer.bytes).yiaddr;
        return server.handle(clientPacket({ type: DhcpMessageType.Request, mac: mac(i), xid: i, giaddr, requestedIp, serverId: serverIp }), arrival);
      }),
    );
    acks += acked.filter((r) => r && decodeDhcp(r.bytes).options.some((o) => o.code === 53 && o.value === DhcpMessageType.Ack)).length;
  }
  return acks;
}

await run(0, Math.min(5_000, EXCHANGES)); // warm-up: the JIT, the stream's first blocks
// Several rounds, each timed apart: on a shared machine the least disturbed round is the steadiest figure.
const rounds: { agentUs: number; natsUs: number; perSecond: number }[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const cpu0 = process.cpuUsage();
  const nats0 = natsCpu();
  const t0 = performance.now();
  const acks = await run(1_000_000 * (r + 1), EXCHANGES);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (acks !== EXCHANGES) throw new Error(`only ${acks} of ${EXCHANGES} exchanges were ACKed: ${JSON.stringify(server.stats.counts)}`);
  rounds.push({ agentUs: (cpu.user + cpu.system) / acks, natsUs: ((natsCpu() - nats0) * 1e6) / acks, perSecond: acks / wall });
}
const byAgent = [...rounds].sort((a, b) => a.agentUs - b.agentUs);
const median = byAgent[Math.floor(byAgent.length / 2)]!;
const round = (x: { agentUs: number; natsUs: number }) => `agent ${x.agentUs.toFixed(0)} µs + nats-server ${x.natsUs.toFixed(0)} µs`;
console.log(`${ROUNDS} rounds of ${EXCHANGES} exchanges, batch ${BATCH}, per exchange: least ${round(byAgent[0]!)}, median ${round(median)} (${median.perSecond.toFixed(0)}/s)`);
await projection.stop();
await nc.close();
await nats.stop();
rmSync(storeDir, { recursive: true, force: true });
