/** Counters the server keeps; stats() returns a copy. */
export interface DnsCacheStats {
  /** Every datagram or TCP frame received from clients. */
  queries: number;
  /** Of cacheHits (and queries), those answered inside the batched UDP addon without entering JS. */
  hotHits: number;
  cacheHits: number;
  cacheMisses: number;
  localAnswers: number;
  /** Questions sent upstream (one per coalesced group, per server tried). */
  forwarded: number;
  /** Client questions that joined an identical question already in flight. */
  coalesced: number;
  /** Upstream answers retried over TCP because they came back truncated. */
  tcpRetries: number;
  /** Upstream attempts that timed out or failed. */
  upstreamFailures: number;
  /** Upstream datagrams dropped: unknown id, wrong source, wrong question, malformed. */
  upstreamDropped: number;
  /** Client messages answered FORMERR. */
  formerr: number;
  servfail: number;
  refused: number;
  nxdomainPolicy: number;
  /** Client messages dropped unanswered: no readable header, a response, or over dns-forward-max. */
  dropped: number;
  /** UDP answers sent truncated because the client's payload size (or edns-packet-max) was too small. */
  truncated: number;
  /** UDP responses dropped by response rate limiting. */
  rrlDropped: number;
  /** UDP responses over the rate sent as an empty truncated reply instead (rrl-slip). */
  rrlSlipped: number;
  /** Expired answers served: at once (use-stale-cache) or because every upstream failed (serve-stale). */
  staleAnswers: number;
  /** Cache entries refreshed in the background because a hit came in the last prefetch-% of their TTL. */
  prefetches: number;
  /** Upstream answers replaced by stop-dns-rebind (empty NOERROR) or bogus-nxdomain (NXDOMAIN). */
  answersRefused: number;
  /** ANY questions answered with the RFC 8482 HINFO record. */
  minimalAny: number;
  /** Questions filterwin2k answered with no records instead of forwarding. */
  filtered: number;
  /** Upstreams dns-loop-detect found looping (each time one's probe came back). */
  loopsDetected: number;
  /** health-check: upstreams down now (skipped, probed until they answer). */
  upstreamsDown: number;
  /** health-check: times an upstream was marked down. */
  upstreamsMarkedDown: number;
  /** health-check: probes sent to down upstreams. */
  healthProbes: number;
  /**
   * Exceptions caught in a socket callback, timer or microtask, where they
   * would otherwise end the process (a bug or a race, not bad input); each
   * gave up one packet or timer. Logged at most once per 10 s.
   */
  internalErrors: number;
  /** dnssec: forwarded answers found secure (AD), insecure (unsigned, passed on) and bogus (SERVFAIL). */
  dnssecSecure: number;
  dnssecInsecure: number;
  dnssecBogus: number;
  /** dnssec: DS and DNSKEY questions the validator asked upstream. */
  dnssecQueries: number;
  cacheEntries: number;
  cacheEvictions: number;
  inFlight: number;
  localNames: number;
}

export function emptyStats(): DnsCacheStats {
  return {
    queries: 0, hotHits: 0, cacheHits: 0, cacheMisses: 0, localAnswers: 0, forwarded: 0, coalesced: 0, tcpRetries: 0,
    upstreamFailures: 0, upstreamDropped: 0, formerr: 0, servfail: 0, refused: 0, nxdomainPolicy: 0, dropped: 0,
    truncated: 0, rrlDropped: 0, rrlSlipped: 0, staleAnswers: 0, prefetches: 0, answersRefused: 0, minimalAny: 0, filtered: 0, loopsDetected: 0, upstreamsDown: 0, upstreamsMarkedDown: 0, healthProbes: 0, internalErrors: 0, dnssecSecure: 0, dnssecInsecure: 0, dnssecBogus: 0, dnssecQueries: 0, cacheEntries: 0, cacheEvictions: 0, inFlight: 0, localNames: 0,
  };
}
