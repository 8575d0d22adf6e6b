/**
 * dnsmasq's dns-loop-detect: each default upstream is asked a TXT question
 * `<8 hex digits>.test` whose digits name that upstream (a random id per
 * server, as dnsmasq's serv->uid). If the question comes back to this cache
 * as a client's query, the upstream forwards to us: it is not used until the
 * next probe round (the upstreams change, or SIGHUP), the query is dropped
 * unanswered (answering would keep the loop going) and dnsmasq's line is
 * logged: `NOT using nameserver 198.18.255.1#53 - query loop detected`.
 * As dnsmasq 2.90's loop.c; loop-detect.test.ts builds a real loop with
 * dnsmasq.
 */
import { randomInt } from 'node:crypto';
import { encodeDns } from '@leasehold/protocol';
import type { UpstreamServer } from './config.js';
import type { ErrorGuard } from './guard.js';
import type { DnsCacheStats } from './stats.js';
import type { UpstreamClient } from './upstream.js';

const TYPE_TXT = 16;
const PROBE_NAME = /^([0-9a-f]{8})\.test$/;

const serverKey = (s: UpstreamServer) => `${s.address}#${s.port}`;

/** One probe to send: the server, the question's name and the query bytes. */
export interface LoopProbe {
  readonly server: UpstreamServer;
  readonly name: string;
  readonly query: Uint8Array;
}

export class LoopDetector {
  /** Probe id → the server it was sent to. */
  #ids = new Map<number, UpstreamServer>();
  /** Servers whose probe came back (by ip#port). */
  readonly looped = new Set<string>();

  /** A new round: fresh ids, every server enabled again (dnsmasq re-tests the disabled ones too). */
  probes(servers: readonly UpstreamServer[]): LoopProbe[] {
    this.#ids.clear();
    this.looped.clear();
    const seen = new Set<string>();
    const probes: LoopProbe[] = [];
    for (const server of servers) {
      if (seen.has(serverKey(server))) continue;
      seen.add(serverKey(server));
      let id: number;
      do id = randomInt(0, 2 ** 32);
      while (this.#ids.has(id));
      this.#ids.set(id, server);
      const name = `${id.toString(16).padStart(8, '0')}.test`;
      const query = encodeDns({
        id: randomInt(0, 65536), qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, z: false, ad: false, cd: false, rcode: 0,
        questions: [{ name, type: TYPE_TXT, class: 1 }], answers: [], authorities: [], additionals: [],
      });
      probes.push({ server, name, query });
    }
    return probes;
  }

  /**
   * Whether a client's question is one of our probes come back: then its
   * server is marked looped and returned (once; a second copy returns
   * undefined but is still a probe, see isProbe). `nameLower` canonical.
   */
  detect(nameLower: string, type: number): UpstreamServer | undefined {
    const id = this.#probeId(nameLower, type);
    const server = id === undefined ? undefined : this.#ids.get(id);
    if (server === undefined || this.looped.has(serverKey(server))) return undefined;
    this.looped.add(serverKey(server));
    return server;
  }

  /** Whether a question is a probe of this round (dropped rather than answered). */
  isProbe(nameLower: string, type: number): boolean {
    const id = this.#probeId(nameLower, type);
    return id !== undefined && this.#ids.has(id);
  }

  #probeId(nameLower: string, type: number): number | undefined {
    if (type !== TYPE_TXT || nameLower.length !== 13) return undefined;
    const hex = PROBE_NAME.exec(nameLower)?.[1];
    return hex === undefined ? undefined : parseInt(hex, 16);
  }
}

/** Sends a new round of probes, one per default upstream; the answers do not matter, only whether a probe comes back to us. */
export function sendLoopProbes(loops: LoopDetector, servers: readonly UpstreamServer[], upstream: UpstreamClient, errors: ErrorGuard): void {
  for (const probe of loops.probes(servers)) {
    upstream.ask(probe.server, probe.query, { nameLower: probe.name, type: TYPE_TXT, class: 1 }).catch((error: unknown) => errors.report('sending a loop probe', error));
  }
}

/**
 * Whether a client's question is one of our probes come back (drop it): the
 * first copy marks its upstream looped, counts it and logs dnsmasq's line.
 */
export function loopedBack(loops: LoopDetector, name: string, type: number, stats: DnsCacheStats, errors: ErrorGuard): boolean {
  const server = loops.detect(name, type);
  if (server !== undefined) {
    stats.loopsDetected++;
    errors.log(`NOT using nameserver ${server.address}#${server.port} - query loop detected`);
    return true;
  }
  if (!loops.isProbe(name, type)) return false;
  stats.dropped++;
  return true;
}
