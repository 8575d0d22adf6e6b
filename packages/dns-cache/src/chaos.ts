/**
 * The CHAOS-class TXT names dnsmasq answers about itself (dnsmasq(8),
 * "--cache-size": cachesize.bind, insertions.bind, evictions.bind,
 * misses.bind, hits.bind, auth.bind, servers.bind; version.bind), which
 * monitoring scripts query with `dig chaos txt hits.bind`. Answered
 * authoritatively with TTL 0, never forwarded; any other CHAOS question is
 * NOTIMP, as dnsmasq 2.90 answers it.
 */
import type { LocalAnswer } from './reply.js';

const TYPE_TXT = 16;
const TYPE_ANY = 255;
export const CLASS_CHAOS = 3;

/** What the statistics names report, read when asked. */
export interface ChaosFacts {
  readonly cacheSize: number;
  readonly insertions: number;
  readonly evictions: number;
  readonly hits: number;
  readonly misses: number;
  /** One per upstream: "address#port queries-sent failed", dnsmasq's servers.bind strings. */
  readonly servers: readonly string[];
}

const text = (value: string | number) => ({ type: 'TXT' as const, ttl: 0, data: [Uint8Array.from(Buffer.from(String(value), 'ascii'))] });

/**
 * The answer to a CHAOS question, or 'notimp'. `nameLower` canonical. Pure
 * but for reading `facts` (called only for CHAOS questions, off the hot path).
 */
export function chaosAnswer(nameLower: string, type: number, facts: () => ChaosFacts): LocalAnswer | 'notimp' {
  if (type !== TYPE_TXT && type !== TYPE_ANY) return 'notimp';
  switch (nameLower) {
    case 'cachesize.bind':
      return { kind: 'records', records: [text(facts().cacheSize)] };
    case 'insertions.bind':
      return { kind: 'records', records: [text(facts().insertions)] };
    case 'evictions.bind':
      return { kind: 'records', records: [text(facts().evictions)] };
    case 'hits.bind':
      return { kind: 'records', records: [text(facts().hits)] };
    case 'misses.bind':
      return { kind: 'records', records: [text(facts().misses)] };
    // This cache has no authoritative zones (dnsmasq counts auth-zone queries here).
    case 'auth.bind':
      return { kind: 'records', records: [text(0)] };
    case 'servers.bind':
      return { kind: 'records', records: facts().servers.map(text) };
    case 'version.bind':
      return { kind: 'records', records: [text('leasehold')] };
    default:
      return 'notimp';
  }
}
