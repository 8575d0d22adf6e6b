/**
 * `npm run fuzz:dhcp`: generated datagrams fed through a real agent's
 * `DhcpServer.handle` (a spawned nats-server, the journal and the API
 * service, via the agent's test harness; no sockets), with the agent's
 * default limits. Bounded: stops at FUZZ_PACKETS (default 1,000,000) or
 * FUZZ_SECONDS (default 600), whichever comes first.
 *
 * The mix: random bytes (some behind a valid BOOTP header and magic cookie),
 * fast-check's `dhcpMessage` samples as they are and mutated, mutated valid
 * client packets of every message type, and valid-looking floods (one MAC,
 * random MACs on the link and behind relays, one chaddr churning client
 * ids, RELEASE/DECLINE/INFORM for random addresses). Fifty legitimate
 * clients take a lease first and renew throughout; their ACKs are counted.
 *
 * Fails (exit 1) when anything escapes `handle` (a rejection, an uncaught
 * exception), when a packet ends in no counted outcome, or when memory is
 * not flat: heap after GC at the end more than 32 MiB above the sample at
 * 200,000 packets. Prints packets/s, every outcome count, the limiter and
 * holdings table sizes, and rss/heap every 100,000 packets.
 *
 * Environment: FUZZ_PACKETS, FUZZ_SECONDS, FUZZ_SEED (default 1),
 * FUZZ_BATCH (datagrams handed over together, default 256).
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { dhcpOutcomes, type Arrival, type DhcpServer, type RunningAgent } from '@leasehold/agent';
import { clientPacket } from '@leasehold/agent/testing';
import { DhcpMessageType as T, decodeDhcp, encodeDhcp, messageType, parseIpv4, type Ipv4 } from '@leasehold/protocol';
import { dhcpMessage } from '@leasehold/protocol/testing';
import { startAgentEnv } from '../agent-env/agent-env.js';
import { machineLine } from '../bench/harness.js';

const PACKETS = Number(process.env.FUZZ_PACKETS ?? 1_000_000);
const MAX_MS = Number(process.env.FUZZ_SECONDS ?? 600) * 1000;
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const BATCH = Number(process.env.FUZZ_BATCH ?? 256);
const SAMPLE_EVERY = 100_000;
const LEGIT = 50;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// ---- deterministic randomness (xorshift32) ----
let state = SEED >>> 0 || 1;
const u32 = () => {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>>= 0);
};
const below = (n: number) => u32() % n;
const randomBytes = (n: number) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = u32() & 255;
  return out;
};
const randomMac = () => [...randomBytes(6)].map((b) => b.toString(16).padStart(2, '0')).join(':');

// ---- the system under test ----
const failures: string[] = [];
process.on('uncaughtException', (e) => failures.push(`uncaught exception: ${e.stack ?? e}`));
process.on('unhandledRejection', (e) => failures.push(`unhandled rejection: ${e instanceof Error ? e.stack : String(e)}`));

// The agent alone on purpose (agent/testing's environment, not startSystem): the fuzzer feeds its DHCP
// server directly and checks the agent's own invariants.
const env = await startAgentEnv();
const DIRECT_IF = 'fz-direct';
let agent: RunningAgent;
let server: DhcpServer;
try {
  agent = await env.startAgent({ agentId: 'fuzz-agent', interfaceMappings: { fzd: DIRECT_IF }, configureInterfaces: false, listen: false });
  server = agent.server;
} catch (error) {
  await env.stop();
  throw error;
}
const direct = await env.network('fzd', {
  cidr: '198.18.200.0/24',
  allocation_pools: [{ start: '198.18.200.2', end: '198.18.200.99' }],
  dynamic_pools: [{ start: '198.18.200.100', end: '198.18.200.250' }],
});
// Reached through relays only (no interface mapping for its physical network).
const relayed = await env.network('fzr', {
  cidr: '198.18.201.0/24',
  allocation_pools: [{ start: '198.18.201.2', end: '198.18.201.99' }],
  dynamic_pools: [{ start: '198.18.201.100', end: '198.18.201.250' }],
});
await env.bind(agent, direct.network.id);
await env.bind(agent, relayed.network.id);
const serverId = agent.served().find((s) => s.networkId === direct.network.id)!.serverIps.get(direct.subnet.id)!;
const directArrival: Arrival = { ifname: DIRECT_IF, ifaddr: serverId };
const relayArrival: Arrival = { ifname: undefined, ifaddr: parseIpv4('198.19.0.1') };
const inDirect = () => parseIpv4('198.18.200.0') + 1 + below(254);
const relayAddress = () => parseIpv4('198.18.201.0') + 1 + below(254);

// ---- legitimate clients: a lease each first, then renewals throughout ----
const legit: { mac: string; ip: Ipv4 }[] = [];
for (let i = 0; i < LEGIT; i++) {
  const mac = `02:1e:91:00:00:${i.toString(16).padStart(2, '0')}`;
  const offer = await server.handle(clientPacket({ type: T.Discover, mac }), directArrival);
  const ip = decodeDhcp(offer!.bytes).yiaddr;
  const ack = await server.handle(clientPacket({ type: T.Request, mac, requestedIp: ip, serverId }), directArrival);
  if (!ack || messageType(decodeDhcp(ack.bytes)) !== T.Ack) throw new Error(`legitimate client ${mac} got no lease before the fuzz`);
  legit.push({ mac, ip });
}
const baseline = { ...server.stats.counts, received: server.stats.received };
let renewals = 0;
let renewalAcks = 0;

// ---- generators ----
const fcPool = fc.sample(dhcpMessage(), { numRuns: 4000, seed: SEED }).map((m) => encodeDhcp(m));
const requestTypes = [T.Discover, T.Request, T.Decline, T.Release, T.Inform, T.Offer, T.Ack, T.Nak, 0, 9, 13, 18, 200];
const validPacket = (): Uint8Array => {
  const type = requestTypes[below(requestTypes.length)]!;
  const relay = below(3) === 0;
  return clientPacket({
    type,
    mac: randomMac(),
    xid: u32(),
    ...(below(2) ? { requestedIp: relay ? relayAddress() : inDirect() } : {}),
    ...(below(3) === 0 ? { serverId: below(2) ? serverId : u32() } : {}),
    ...(below(4) === 0 ? { ciaddr: relay ? relayAddress() : inDirect() } : {}),
    ...(relay ? { giaddr: relayAddress(), relayInfo: [{ code: 1, data: randomBytes(below(8)) }] } : {}),
    ...(below(4) === 0 ? { hostname: `h${u32()}` } : {}),
  });
};
const mutate = (source: Uint8Array): Uint8Array => {
  let bytes = Uint8Array.from(source);
  const rounds = 1 + below(4);
  for (let r = 0; r < rounds; r++) {
    switch (below(6)) {
      case 0: // flip bits
        for (let k = 0, n = 1 + below(8); k < n && bytes.length; k++) bytes[below(bytes.length)]! ^= 1 << below(8);
        break;
      case 1: // set a byte to a boundary value (lengths, option codes)
        if (bytes.length) bytes[below(bytes.length)] = [0, 1, 0x7f, 0x80, 0xfe, 0xff, 52, 53, 82][below(9)]!;
        break;
      case 2: // truncate
        bytes = bytes.subarray(0, below(bytes.length + 1));
        break;
      case 3: // append garbage
        bytes = Uint8Array.from([...bytes, ...randomBytes(below(64))]);
        break;
      case 4: {
        // duplicate a chunk of the options area
        const from = 236 + below(Math.max(1, bytes.length - 236));
        const chunk = bytes.subarray(from, from + below(32));
        bytes = Uint8Array.from([...bytes.subarray(0, from), ...chunk, ...bytes.subarray(from)]);
        break;
      }
      default: // overwrite a run
        if (bytes.length) bytes.set(randomBytes(Math.min(below(16), bytes.length)), below(bytes.length));
    }
  }
  return bytes;
};
const headerThenGarbage = (): Uint8Array => {
  const bytes = randomBytes(240 + below(360));
  bytes[0] = 1;
  bytes.set([99, 130, 83, 99], 236);
  return bytes;
};
const floodMac = randomMac();
const churnMac = randomMac();
const floodRelay = relayAddress();

const kinds = {
  'random bytes': 0,
  'BOOTP header + random options': 0,
  'fast-check dhcpMessage': 0,
  'fast-check dhcpMessage, mutated': 0,
  'valid packet (every type), mutated': 0,
  'valid packet (every type)': 0,
  'flood: one MAC': 0,
  'flood: random MACs on the link': 0,
  'flood: random MACs behind one relay': 0,
  'flood: one chaddr churning client ids': 0,
};
type Kind = keyof typeof kinds;
const next = (): [Kind, Uint8Array, Arrival] => {
  const arrival = below(4) === 0 ? relayArrival : directArrival;
  const roll = below(100);
  if (roll < 12) return ['random bytes', randomBytes(below(600)), arrival];
  if (roll < 20) return ['BOOTP header + random options', headerThenGarbage(), arrival];
  if (roll < 28) return ['fast-check dhcpMessage', fcPool[below(fcPool.length)]!, arrival];
  if (roll < 38) return ['fast-check dhcpMessage, mutated', mutate(fcPool[below(fcPool.length)]!), arrival];
  if (roll < 60) return ['valid packet (every type), mutated', mutate(validPacket()), arrival];
  if (roll < 70) return ['valid packet (every type)', validPacket(), arrival];
  if (roll < 78) return ['flood: one MAC', clientPacket({ type: below(2) ? T.Discover : T.Request, mac: floodMac, xid: u32(), requestedIp: inDirect() }), directArrival];
  if (roll < 86) return ['flood: random MACs on the link', clientPacket({ type: below(3) ? T.Discover : T.Request, mac: randomMac(), xid: u32(), requestedIp: inDirect() }), directArrival];
  if (roll < 94) {
    const packet = clientPacket({ type: below(3) ? T.Discover : T.Request, mac: randomMac(), xid: u32(), giaddr: floodRelay, requestedIp: relayAddress() });
    return ['flood: random MACs behind one relay', packet, relayArrival];
  }
  const msg = decodeDhcp(clientPacket({ type: below(2) ? T.Discover : T.Request, mac: churnMac, xid: u32(), requestedIp: inDirect(), serverId }));
  const churned = encodeDhcp({ ...msg, options: [...msg.options, { code: 61, value: randomBytes(7) }] });
  return ['flood: one chaddr churning client ids', churned, directArrival];
};

// ---- the run ----
interface Sample {
  readonly packets: number;
  readonly seconds: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
  readonly macKeys: number;
  readonly relayKeys: number;
  readonly holdings: number;
}
const samples: Sample[] = [];
const mib = (n: number) => n / 2 ** 20;
const sample = (packets: number, seconds: number) => {
  gc();
  const m = process.memoryUsage();
  samples.push({ packets, seconds, rssMiB: mib(m.rss), heapMiB: mib(m.heapUsed), macKeys: server.macBuckets.size, relayKeys: server.relayBuckets.size, holdings: server.holdings.size });
  const s = samples.at(-1)!;
  console.log(
    `${s.packets.toLocaleString('en-US').padStart(9)} packets  ${s.seconds.toFixed(1).padStart(6)} s  rss ${s.rssMiB.toFixed(1).padStart(6)} MiB  heap ${s.heapMiB.toFixed(1).padStart(6)} MiB  ` +
      `MAC buckets ${s.macKeys}  relay buckets ${s.relayKeys}  holdings ${s.holdings}`,
  );
};

console.log(machineLine(`nats-server on ${env.t.nats.url}`));
console.log(`fuzz: up to ${PACKETS.toLocaleString('en-US')} packets or ${MAX_MS / 1000} s, seed ${SEED}, ${BATCH} per batch, agent defaults ${JSON.stringify(server.limits)}`);
let escaped = 0;
let sent = 0;
const t0 = performance.now();
sample(0, 0);
const handle = (bytes: Uint8Array, arrival: Arrival) =>
  server.handle(bytes, arrival).catch((e: unknown) => {
    escaped++;
    if (failures.length < 10) failures.push(`handle rejected: ${e instanceof Error ? e.stack : String(e)}`);
    return undefined;
  });
try {
  while (sent < PACKETS && performance.now() - t0 < MAX_MS) {
    const batch: Promise<unknown>[] = [];
    const n = Math.min(BATCH, PACKETS - sent);
    for (let i = 0; i < n; i++) {
      let kind: Kind;
      let bytes: Uint8Array;
      let arrival: Arrival;
      try {
        [kind, bytes, arrival] = next();
      } catch {
        // A generator that cannot build its packet (a mutated encode): random bytes instead.
        [kind, bytes, arrival] = ['random bytes', randomBytes(below(600)), directArrival];
      }
      kinds[kind]++;
      batch.push(handle(bytes, arrival));
    }
    if (sent % 10_000 < n) {
      // Ten distinct clients a round (one client's renewals never race each other, as a real client's do not).
      for (let k = 0; k < 10; k++) {
        const client = legit[renewals % legit.length]!;
        renewals++;
        batch.push(
          handle(clientPacket({ type: T.Request, mac: client.mac, ciaddr: client.ip }), directArrival).then((reply) => {
            if (reply && messageType(decodeDhcp(reply.bytes)) === T.Ack) renewalAcks++;
          }),
        );
      }
    }
    await Promise.all(batch);
    const before = sent;
    sent += n;
    if (Math.floor(sent / SAMPLE_EVERY) > Math.floor(before / SAMPLE_EVERY)) sample(sent, (performance.now() - t0) / 1000);
  }
  const seconds = (performance.now() - t0) / 1000;
  if (sent % SAMPLE_EVERY !== 0) sample(sent, seconds);

  const counts = server.stats.counts;
  const received = server.stats.received - baseline.received;
  const outcomes = dhcpOutcomes.map((o) => [o, counts[o] - baseline[o]] as const);
  const total = outcomes.reduce((n, [, c]) => n + c, 0);
  console.log(`\n${sent.toLocaleString('en-US')} fuzz packets (+${renewals} legitimate renewals) in ${seconds.toFixed(1)} s: ${Math.round(sent / seconds).toLocaleString('en-US')} packets/s`);
  console.log('\ngenerated:');
  for (const [kind, n] of Object.entries(kinds)) console.log(`  ${kind.padEnd(40)} ${n.toLocaleString('en-US').padStart(9)}`);
  console.log('\noutcomes (every packet ends in exactly one):');
  for (const [o, c] of outcomes) console.log(`  ${o.padEnd(40)} ${c.toLocaleString('en-US').padStart(9)}`);
  console.log(`  ${'total'.padEnd(40)} ${total.toLocaleString('en-US').padStart(9)}  (received ${received.toLocaleString('en-US')})`);
  console.log(`\nlegitimate clients: ${renewalAcks}/${renewals} renewals ACKed during the fuzz`);
  const bound = async (networkId: string) => (await env.t.client.leases.list({ network_id: networkId, state: 'bound' })).length;
  console.log(`leases bound (API read model, from the journal): ${await bound(direct.network.id)} on the link's network, ${await bound(relayed.network.id)} on the relayed one (pools of 151 each)`);

  if (received !== sent + renewals) failures.push(`the server received ${received} datagrams, ${sent + renewals} were handed over`);
  if (total !== received) failures.push(`${received - total} packets ended in no counted outcome`);
  if (escaped > 0) failures.push(`${escaped} packets escaped handle() with a rejection`);
  if (renewalAcks < renewals) failures.push(`only ${renewalAcks} of ${renewals} legitimate renewals were ACKed`);
  const reference = samples.find((s) => s.packets >= 200_000) ?? samples[1];
  const last = samples.at(-1)!;
  if (reference && last.heapMiB - reference.heapMiB > 32) failures.push(`heap grew from ${reference.heapMiB.toFixed(1)} MiB (at ${reference.packets}) to ${last.heapMiB.toFixed(1)} MiB`);
  if (reference) console.log(`memory: heap after GC ${reference.heapMiB.toFixed(1)} MiB at ${reference.packets.toLocaleString('en-US')} packets, ${last.heapMiB.toFixed(1)} MiB at the end; rss ${reference.rssMiB.toFixed(1)} -> ${last.rssMiB.toFixed(1)} MiB`);
} finally {
  await env.stop();
}
if (failures.length > 0) {
  console.error(`\nFAILED:\n${failures.join('\n')}`);
  process.exit(1);
}
console.log('\nno crash, nothing escaped, every packet counted');
