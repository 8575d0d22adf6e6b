/**
 * The wire of the fault tests: one relay namespace (where the load
 * generator runs) with a link to each agent. The agents run in this
 * namespace, each hearing relayed requests on its own link's host end
 * (`relay_interfaces`), so each is a separate server address as on two
 * hosts; the relay holds giaddr (the clients' gateway) on its loopback and
 * sends every client message to both agents, as dhcrelay does with two
 * servers. Nothing is routed in this namespace: an agent's socket is bound
 * to its link, so its replies to giaddr leave through that link (Linux
 * treats the destination as on-link for a socket bound to a device when no
 * route through it matches), and the relay answers ARP for giaddr there.
 *
 *   relay ns [a] ── [hostIfs[0]] agent 1     (198.19.A.0/24)
 *            [b] ── [hostIfs[1]] agent 2     (198.19.B.0/24)
 *            lo: giaddr (clients' subnet 198.19.C.0/20)
 *
 * Addresses come from 198.19.0.0/16 (RFC 2544), chosen at random among the
 * /24s no interface of this namespace uses yet, so that a soak and a test (or
 * two test runs) on one machine do not collide: two interfaces holding
 * addresses of one subnet make the kernel send an agent's replies out of the
 * wrong one.
 */
import { randomInt } from 'node:crypto';
import { parseIpv4 } from '@leasehold/protocol';
import { createTestLink, ip, type TestLink } from '@leasehold/agent/testing';

export interface FaultTopology extends AsyncDisposable {
  /** The relay's namespace: run the load generator here. */
  readonly ns: string;
  /** The interface each agent hears relayed requests on (this namespace). */
  readonly hostIfs: readonly string[];
  /** Each agent's address: where the relay sends, and the server identifier its clients see. */
  readonly servers: readonly string[];
  /** The relay's address on the clients' subnet. */
  readonly giaddr: string;
  /** The clients' subnet, e.g. "198.19.144.0/20". */
  readonly clientCidr: string;
  remove(): Promise<void>;
}

/** Creates the relay namespace and one link per agent (`agents` of them). */
export async function createFaultTopology(agents = 2): Promise<FaultTopology> {
  const used = usedThirdOctets(await ip('-j', 'addr', 'show'));
  const freeLinks = range(16, 128).filter((o) => !used.has(o));
  const freeBlocks = range(0, 8).map((k) => 128 + 16 * k).filter((o) => range(o, o + 16).every((x) => !used.has(x)));
  if (freeLinks.length < agents || freeBlocks.length === 0) throw new Error('no free 198.19.x.0/24 for a fault topology: remove stale test links (ip link | grep lh)');
  const octets = new Set<number>();
  while (octets.size < agents) octets.add(freeLinks[randomInt(0, freeLinks.length)]!);
  const linkOctets = [...octets];
  const clientOctet = freeBlocks[randomInt(0, freeBlocks.length)]!;
  const links: TestLink[] = [];
  const remove = async () => {
    for (const link of links.splice(0).reverse()) await link.remove().catch(() => {});
  };
  try {
    for (const o of linkOctets) links.push(await createTestLink({ hostAddress: `198.19.${o}.1/24` }));
    const relay = links[0]!;
    for (const [i, link] of links.entries()) {
      if (i > 0) await ip('-n', link.ns, 'link', 'set', link.clientIf, 'netns', relay.ns);
      await ip('-n', relay.ns, 'addr', 'add', `198.19.${linkOctets[i]}.2/24`, 'dev', link.clientIf);
      await ip('-n', relay.ns, 'link', 'set', link.clientIf, 'up');
    }
    const giaddr = `198.19.${clientOctet}.1`;
    await ip('-n', relay.ns, 'addr', 'add', `${giaddr}/32`, 'dev', 'lo');
    return {
      ns: relay.ns,
      hostIfs: links.map((l) => l.hostIf),
      servers: linkOctets.map((o) => `198.19.${o}.1`),
      giaddr,
      clientCidr: `198.19.${clientOctet}.0/20`,
      remove,
      [Symbol.asyncDispose]: remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

/**
 * The third octets of 198.19.0.0/16 that addresses in `ip -j addr` output
 * touch: every /24 inside each address's prefix (a /20 covers 16). Pure.
 */
export function usedThirdOctets(ipJson: string): Set<number> {
  const used = new Set<number>();
  const links = JSON.parse(ipJson || '[]') as { addr_info?: { family?: string; local?: string; prefixlen?: number }[] }[];
  for (const link of links) {
    for (const a of link.addr_info ?? []) {
      if (a.family !== 'inet' || !a.local?.startsWith('198.19.')) continue;
      const third = (parseIpv4(a.local) >>> 8) & 255;
      const span = 2 ** Math.max(0, 24 - Math.min(24, Math.max(16, a.prefixlen ?? 32)));
      const first = third - (third % span);
      for (let o = first; o < first + span; o++) used.add(o);
    }
  }
  return used;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
