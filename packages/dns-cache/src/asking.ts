/**
 * Asking the upstreams of one question: in order (the default and
 * strict-order: the next on timeout, SERVFAIL or REFUSED) or all at once
 * (all-servers: the first usable answer wins), recording each server's
 * response time, health and counts on the way. When every server that
 * answered said SERVFAIL or REFUSED, that answer is what the client gets
 * (dnsmasq 2.90 passes it through rather than making its own SERVFAIL).
 */
import { DnsRcode, readRcode } from '@leasehold/protocol';
import type { UpstreamCounts } from './chaos.js';
import type { DnsCacheConfig, UpstreamServer } from './config.js';
import type { ErrorGuard } from './guard.js';
import type { UpstreamHealth } from './health.js';
import type { Routing } from './routing.js';
import type { DnsCacheStats } from './stats.js';
import type { AskedQuestion, AskResult, UpstreamClient } from './upstream.js';

/** What asking needs of the resolver. */
interface Asking {
  readonly config: DnsCacheConfig;
  readonly stats: DnsCacheStats;
  readonly upstream: UpstreamClient;
  readonly routing: Routing;
  readonly health: UpstreamHealth | undefined;
  readonly serverCounts: UpstreamCounts;
  readonly errors: ErrorGuard;
}

/**
 * What asking gave: a usable answer, else the upstream SERVFAIL or REFUSED
 * to pass through (`error`), else nothing (every server timed out or failed).
 */
export interface Asked {
  readonly answer?: Uint8Array;
  readonly error?: Uint8Array;
}

/** strict-order and the default: one server at a time, the next on timeout, SERVFAIL or REFUSED. */
export async function askInOrder(r: Asking, servers: readonly UpstreamServer[], query: Uint8Array, question: AskedQuestion): Promise<Asked> {
  let error: Uint8Array | undefined;
  for (const server of servers) {
    r.stats.forwarded++;
    const result = await r.upstream.ask(server, query, question);
    record(r, server, result);
    const ok = result.ok && usable(result.answer);
    r.serverCounts.record(server, ok);
    if (ok) return { answer: result.answer };
    r.stats.upstreamFailures++;
    if (result.ok) error = passedThrough(error, result.answer, r.config.strictOrder);
  }
  return { error };
}

/** all-servers: ask every server at once; the first usable answer wins. */
export function askAll(r: Asking, servers: readonly UpstreamServer[], query: Uint8Array, question: AskedQuestion): Promise<Asked> {
  if (servers.length === 0) return Promise.resolve({});
  return new Promise((resolve) => {
    let left = servers.length;
    let won = false;
    let error: Uint8Array | undefined;
    for (const server of servers) {
      r.stats.forwarded++;
      r.upstream
        .ask(server, query, question)
        // A socket that cannot be opened (EMFILE under load) rejects: that server failed, no unhandled rejection.
        .catch((): AskResult => ({ ok: false, reason: 'error' }))
        .then((result) => {
          left--;
          record(r, server, result);
          r.serverCounts.record(server, result.ok && usable(result.answer));
          if (!won && result.ok && usable(result.answer)) {
            won = true;
            resolve({ answer: result.answer });
          } else {
            if (!result.ok || !usable(result.answer)) r.stats.upstreamFailures++;
            if (result.ok && !usable(result.answer)) error = passedThrough(error, result.answer, false);
            if (left === 0 && !won) resolve({ error });
          }
        })
        .catch((thrown: unknown) => {
          r.errors.report('asking all servers', thrown);
          if (left === 0 && !won) resolve({ error });
        });
    }
  });
}

/**
 * A server's response time and health. A REFUSED counts as slow, so the
 * fastest-first order stops putting that server first (dnsmasq 2.90 stops
 * preferring a server that refused; one that said SERVFAIL it keeps).
 */
function record(r: Asking, server: UpstreamServer, result: AskResult): void {
  const refused = result.ok && readRcode(result.answer) === DnsRcode.REFUSED;
  r.routing.record(server, result.ok && !refused ? result.rttMs : r.config.upstreamTimeoutMs);
  r.health?.outcome(server, result.ok);
}

/**
 * The error answer the client gets if no server gives a usable one, as
 * dnsmasq 2.90 chooses it: with strict-order the first server's (dnsmasq
 * passes it through when the query carries EDNS options; without any it
 * tries the next and, when the last fails too, sends nothing at all, which
 * is not copied); else a SERVFAIL over a REFUSED (asking all servers,
 * dnsmasq waits out REFUSED answers until the last but takes a SERVFAIL).
 */
function passedThrough(previous: Uint8Array | undefined, next: Uint8Array, strictOrder: boolean): Uint8Array {
  if (previous === undefined) return next;
  if (strictOrder) return previous;
  return readRcode(previous) === DnsRcode.SERVFAIL ? previous : next;
}

/** SERVFAIL and REFUSED mean "ask someone else" (RFC 1035 4.1.1; dnsmasq moves on too). */
function usable(answer: Uint8Array): boolean {
  const rcode = readRcode(answer);
  return rcode !== DnsRcode.SERVFAIL && rcode !== DnsRcode.REFUSED;
}
