/**
 * Asking the upstreams of one question: in order (the default and
 * strict-order: the next on timeout, SERVFAIL or REFUSED) or all at once
 * (all-servers: the first usable answer wins), recording each server's
 * response time, health and counts on the way.
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

/** strict-order and the default: one server at a time, the next on timeout, SERVFAIL or REFUSED. */
export async function askInOrder(r: Asking, servers: readonly UpstreamServer[], query: Uint8Array, question: AskedQuestion): Promise<Uint8Array | undefined> {
  for (const server of servers) {
    r.stats.forwarded++;
    const result = await r.upstream.ask(server, query, question);
    r.routing.record(server, result.ok ? result.rttMs : r.config.upstreamTimeoutMs);
    r.health?.outcome(server, result.ok);
    const ok = result.ok && usable(result.answer);
    r.serverCounts.record(server, ok);
    if (ok) return result.answer;
    r.stats.upstreamFailures++;
  }
  return undefined;
}

/** all-servers: ask every server at once; the first usable answer wins. */
export function askAll(r: Asking, servers: readonly UpstreamServer[], query: Uint8Array, question: AskedQuestion): Promise<Uint8Array | undefined> {
  if (servers.length === 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let left = servers.length;
    let won = false;
    for (const server of servers) {
      r.stats.forwarded++;
      r.upstream
        .ask(server, query, question)
        // A socket that cannot be opened (EMFILE under load) rejects: that server failed, no unhandled rejection.
        .catch((): AskResult => ({ ok: false, reason: 'error' }))
        .then((result) => {
          left--;
          r.routing.record(server, result.ok ? result.rttMs : r.config.upstreamTimeoutMs);
          r.health?.outcome(server, result.ok);
          r.serverCounts.record(server, result.ok && usable(result.answer));
          if (!won && result.ok && usable(result.answer)) {
            won = true;
            resolve(result.answer);
          } else {
            if (!result.ok || !usable(result.answer)) r.stats.upstreamFailures++;
            if (left === 0 && !won) resolve(undefined);
          }
        })
        .catch((error: unknown) => {
          r.errors.report('asking all servers', error);
          if (left === 0 && !won) resolve(undefined);
        });
    }
  });
}

/** SERVFAIL and REFUSED mean "ask someone else" (RFC 1035 4.1.1; dnsmasq moves on too). */
function usable(answer: Uint8Array): boolean {
  const rcode = readRcode(answer);
  return rcode !== DnsRcode.SERVFAIL && rcode !== DnsRcode.REFUSED;
}
