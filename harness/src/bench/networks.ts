/**
 * `npm run bench:networks`: what the DHCP server's per-packet work costs as
 * the number of networks one agent serves grows (a Neutron DHCP agent serves
 * every network scheduled to it: hundreds on a busy host). One agent, N
 * networks each on its own interface name and /26 of 198.18.0.0/15, built
 * through the real API and journal (a spawned nats-server); then DISCOVERs
 * handed straight to the server (no sockets), from 50 MACs that already hold
 * offers, on the last network's interface and relayed to it (giaddr). Per-MAC
 * limits are off so every packet does the full work. Bounded: 20,000 packets
 * per case, N up to 1,000.
 */
import { clientPacket } from '@leasehold/agent/testing';
import { DhcpMessageType, decodeDhcp, encodeDhcp, formatIpv4, parseIpv4 } from '@leasehold/protocol';
import { machineLine } from './harness.js';
import { startAgentEnv } from '../agent-env/agent-env.js';

const STEPS = [1, 100, 1_000];
const PACKETS = 20_000;
const base = parseIpv4('198.18.0.0');
const cidrOf = (i: number) => `${formatIpv4(base + i * 64)}/26`;

console.log(machineLine('one agent, packets handed to the DHCP server in-process (no sockets), one core'));
// The agent alone on purpose (agent/testing's environment, not startSystem): packets go straight to its
// DHCP server, so the figure is the server's work per packet and nothing else's.
// Every network in one project: Neutron's default quota (100 networks) would stop the bench at the 101st.
const env = await startAgentEnv({ quotas: { quota_network: -1, quota_subnet: -1, quota_port: -1 } });
try {
  const mappings: Record<string, string> = {};
  for (let i = 0; i < STEPS.at(-1)!; i++) mappings[`p${i}`] = `fk${i}`;
  const agent = await env.startAgent({
    agentId: 'bench-networks',
    interfaceMappings: mappings,
    configureInterfaces: false,
    listen: false,
    dhcpLimits: { perMac: { burst: 0 } },
  });
  let built = 0;
  for (const target of STEPS) {
    for (; built < target; built++) {
      const first = base + built * 64;
      const { network } = await env.network(`p${built}`, {
        cidr: cidrOf(built),
        gateway_ip: formatIpv4(first + 1),
        allocation_pools: [{ start: formatIpv4(first + 2), end: formatIpv4(first + 9) }],
        dynamic_pools: [{ start: formatIpv4(first + 10), end: formatIpv4(first + 62) }],
      });
      await env.bind(agent, network.id);
    }
    const last = target - 1;
    const ifname = `fk${last}`;
    const giaddr = base + last * 64 + 1;
    const macs = Array.from({ length: 50 }, (_, m) => `52:54:00:be:${(m >> 8).toString(16).padStart(2, '0')}:${(m & 255).toString(16).padStart(2, '0')}`);
    const direct = macs.map((mac) => clientPacket({ type: DhcpMessageType.Discover, mac }));
    const relayed = direct.map((bytes) => encodeDhcp({ ...decodeDhcp(bytes), giaddr, hops: 1 }));
    const measure = async (packets: Uint8Array[], arrival: { ifname: string | undefined; ifaddr: number | undefined }) => {
      // Warm-up (and every MAC gets its offer), then the timed packets.
      for (const p of packets) await agent.server.handle(p, arrival);
      const started = performance.now();
      let answered = 0;
      for (let k = 0; k < PACKETS; k++) if (await agent.server.handle(packets[k % packets.length]!, arrival)) answered++;
      const us = ((performance.now() - started) * 1000) / PACKETS;
      return { us, answered };
    };
    const d = await measure(direct, { ifname, ifaddr: undefined });
    const r = await measure(relayed, { ifname: undefined, ifaddr: parseIpv4('198.19.0.1') });
    console.log(
      `${String(target).padStart(5)} networks served: DISCOVER on an interface ${d.us.toFixed(1).padStart(6)} µs (${d.answered} answered), relayed ${r.us.toFixed(1).padStart(6)} µs (${r.answered} answered)`,
    );
  }
} finally {
  await env.stop();
}
