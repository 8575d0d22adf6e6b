/**
 * Active upstream health checks, as CoreDNS's forward plugin does them
 * (`max_fails`, `health_check`): an upstream that failed to answer
 * `max-fails` questions in a row (timeouts and socket errors; a SERVFAIL is
 * an answer) is marked down and skipped, and is asked `. IN NS` every
 * `health-check` milliseconds, the interval doubling after each failed probe
 * up to 30 s (backoff), until it answers; then it is used again. When every
 * upstream a name could go to is down they are all tried anyway, as CoreDNS
 * does, so a recovery is never missed and serve-stale still has its chance.
 *
 * Bounded: one timer and at most one probe in flight per down upstream, and
 * upstreams are the config's. Logged (down / answers again) and counted
 * (stats.upstreamsDown, upstreamsMarkedDown, healthProbes).
 */
import { encodeDns } from '@leasehold/protocol';
import type { UpstreamServer } from './config.js';
import type { ErrorGuard } from './guard.js';
import type { DnsCacheStats } from './stats.js';
import type { UpstreamClient } from './upstream.js';

/** The longest wait between two probes of a down upstream. */
const MAX_PROBE_INTERVAL_MS = 30_000;
const TYPE_NS = 2;

const key = (s: UpstreamServer) => `${s.address}#${s.port}`;

interface Down {
  readonly server: UpstreamServer;
  delayMs: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class UpstreamHealth {
  /** Consecutive failures per upstream still up. */
  readonly #fails = new Map<string, number>();
  readonly #down = new Map<string, Down>();
  #closed = false;

  constructor(
    readonly intervalMs: number,
    readonly maxFails: number,
    readonly upstream: UpstreamClient,
    readonly stats: DnsCacheStats,
    readonly errors: ErrorGuard,
  ) {}

  /** The servers to ask: the ones up, or all of them when every one is down (CoreDNS). */
  usable(servers: readonly UpstreamServer[]): readonly UpstreamServer[] {
    if (this.#down.size === 0) return servers;
    const up = servers.filter((s) => !this.#down.has(key(s)));
    return up.length > 0 ? up : servers;
  }

  /** What one question to `server` came to: answered (any RCODE) or not (timeout, socket error). */
  outcome(server: UpstreamServer, answered: boolean): void {
    const k = key(server);
    if (answered) {
      if (this.#fails.size !== 0) this.#fails.delete(k);
      // A down server tried because all were down, and it answered: up again without waiting for the probe.
      if (this.#down.has(k)) this.#up(k);
      return;
    }
    if (this.#down.has(k)) return;
    const fails = (this.#fails.get(k) ?? 0) + 1;
    if (fails < this.maxFails) {
      this.#fails.set(k, fails);
      return;
    }
    this.#fails.delete(k);
    const down: Down = { server, delayMs: this.intervalMs, timer: undefined };
    this.#down.set(k, down);
    this.stats.upstreamsDown = this.#down.size;
    this.stats.upstreamsMarkedDown++;
    this.errors.log(`upstream ${k} is down after ${fails} failed questions: not used, asked ". NS" every ${this.intervalMs} ms or more until it answers`);
    this.#schedule(down);
  }

  close(): void {
    this.#closed = true;
    for (const d of this.#down.values()) clearTimeout(d.timer);
  }

  #schedule(down: Down): void {
    if (this.#closed) return;
    down.timer = setTimeout(() => void this.#probe(down), down.delayMs);
    down.timer.unref();
  }

  async #probe(down: Down): Promise<void> {
    const k = key(down.server);
    if (this.#down.get(k) !== down) return;
    this.stats.healthProbes++;
    let answered = false;
    try {
      // The root's canonical name, as readQuestion gives it for the answer's question.
      answered = (await this.upstream.ask(down.server, probeQuery(), { nameLower: '.', type: TYPE_NS, class: 1 })).ok;
    } catch (error) {
      this.errors.report('probing a down upstream', error);
    }
    if (this.#down.get(k) !== down) return;
    if (answered) return this.#up(k);
    down.delayMs = Math.min(down.delayMs * 2, Math.max(MAX_PROBE_INTERVAL_MS, this.intervalMs));
    this.#schedule(down);
  }

  #up(k: string): void {
    clearTimeout(this.#down.get(k)?.timer);
    this.#down.delete(k);
    this.stats.upstreamsDown = this.#down.size;
    this.errors.log(`upstream ${k} answers again: used again`);
  }
}

/** `. IN NS`, CoreDNS's health check question. */
function probeQuery(): Uint8Array {
  return encodeDns({
    id: 0, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, z: false, ad: false, cd: false, rcode: 0,
    questions: [{ name: '.', type: TYPE_NS, class: 1 }], answers: [], authorities: [], additionals: [],
  });
}
