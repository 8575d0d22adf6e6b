/**
 * One query in, one reply out (or none): the order of checks that decides
 * how a question is answered. Socket-free: listeners hand it bytes and a
 * send function, so tests and benchmarks can drive it directly.
 *
 * Order: header checks (no header: drop; a response: drop) → question
 * (unreadable: FORMERR) → views (a listener of no view: REFUSED) → local
 * data, the shared names and the listener's view (authoritative) →
 * local-service (REFUSED to clients outside the local networks) →
 * filterwin2k → cache → synth-domain → dns-loop-detect's probes come back
 * (dropped) → policies that never forward (server=/domain/ local-only,
 * domain-needed, bogus-priv) → coalesce with an identical question in
 * flight → forward; an upstream answer is validated (dnssec: bogus is
 * SERVFAIL), then goes through alias, then stop-dns-rebind and bogus-nxdomain.
 */
import { copyQuestionCase, dnsCacheKey, DnsRcode, readQuestion, rewriteId, type DnsQuestionView } from '@leasehold/protocol';
import { AnswerAliases } from './alias.js';
import { askAll, askInOrder, type Asked } from './asking.js';
import { answerPolicyOf, answerVerdict, policyReply, type AnswerPolicy } from './answer-policy.js';
import type { HotAnswers, NativeUdp } from './batched-udp.js';
import { AnswerCache, answerFromEntry, staleAnswer, type CacheEntry } from './cache.js';
import type { DnsCacheConfig, UpstreamServer } from './config.js';
import { chaosAnswer, chaosFacts, CLASS_CHAOS, UpstreamCounts } from './chaos.js';
import { askRouted, DnssecForwarding } from './dnssec/forwarding.js';
import type { DnssecStatus } from './dnssec/validator.js';
import { ErrorGuard } from './guard.js';
import { UpstreamHealth } from './health.js';
import { LocalRecords } from './local.js';
import { LoopDetector, loopedBack, sendLoopProbes } from './loop-detect.js';
import { isLocalClient, isPlainName, isPrivateReverse, isWin2kNoise, type LocalNetworks } from './policy.js';
import { headerReply, localReply, minimalAnyReply, readQueryEdns, slipReply, truncatedReply, udpLimit, type QueryEdns } from './reply.js';
import { prefixKey, prefixKey4, ResponseRateLimiter } from './rrl.js';
import { Routing, type Route } from './routing.js';
import type { QueryLog, QueryTransaction } from './query-log.js';
import type { DnsCacheStats } from './stats.js';
import { SynthDomains } from './synth.js';
import { UpstreamClient, type AskedQuestion } from './upstream.js';

export interface Client {
  readonly address: string;
  readonly tcp: boolean;
  /** The IPv4 address as a host-order uint32, when the listener has it (saves parsing `address`). */
  readonly ip4?: number;
  /** Came through a batched listener, whose addon answers from the hot table (an IPv6 one gives no ip4). */
  readonly batched?: boolean;
  /** The address the query arrived on (its listener's bound address): whose view of the local names answers it. */
  readonly listener?: string;
}

export type Send = (reply: Uint8Array) => void;

interface Waiter {
  readonly query: Uint8Array;
  readonly question: DnsQuestionView;
  readonly edns: QueryEdns | undefined;
  readonly tcp: boolean;
  readonly send: Send;
}

const TYPE_PTR = 12;
const TYPE_ANY = 255;
/** RFC 8767 4: the TTL of a stale answer served because upstream failed ("30 seconds is recommended"). */
const STALE_ANSWER_TTL = 30;
/** Clients waiting on one question in flight; more are dropped, so a flood of one name cannot grow memory. */
const MAX_WAITERS = 64;
/** A monotonic clock in milliseconds: TTLs must not jump with the wall clock. */
const monotonic = () => performance.now();

export class Resolver {
  readonly cache: AnswerCache;
  readonly local: LocalRecords;
  readonly routing: Routing;
  readonly upstream: UpstreamClient;
  /** Response rate limiting (rrl-rate), when on. */
  readonly rrl: ResponseRateLimiter | undefined;
  /** Cache hits the batched listeners answer inside the addon, when the server enables it. */
  hot: HotAnswers | undefined;
  /** log-queries, when on and the server was given a sink (query-log.ts); the hot table is off then, so every query comes here. */
  queryLog: QueryLog | undefined;
  /** Per upstream: questions sent and attempts failed, for servers.bind and the SIGUSR1 dump. */
  readonly serverCounts = new UpstreamCounts();
  readonly #inFlight = new Map<string, Waiter[]>();
  /** stop-dns-rebind and bogus-nxdomain, when configured (answer-policy.ts). */
  readonly #answerPolicy: AnswerPolicy | undefined;
  /** prefetch: the last percentage of a TTL in which a hit refreshes the entry; 0 when off. */
  readonly #prefetchPct: number;
  readonly #advertise: number;
  readonly #filterwin2k: boolean;
  /** synth-domain and alias, when configured. */
  readonly #synth: SynthDomains | undefined;
  readonly #aliases: AnswerAliases | undefined;
  /** dns-loop-detect, when on: its looped servers are the ones routing skips. */
  readonly loops: LoopDetector | undefined;
  /** health-check, when on: down upstreams are skipped and probed. */
  readonly health: UpstreamHealth | undefined;
  /** dnssec, when on: upstream questions with DO and CD, answers validated (dnssec/). */
  readonly dnssec: DnssecForwarding | undefined;

  constructor(
    readonly config: DnsCacheConfig,
    readonly networks: LocalNetworks,
    readonly stats: DnsCacheStats,
    readonly now: () => number = monotonic,
    /** The batched UDP addon for upstream sockets, if it is to be used. */
    native: NativeUdp | undefined = undefined,
    /** Where the listeners and upstream sockets report what they catch (counted in stats.internalErrors). */
    readonly errors: ErrorGuard = new ErrorGuard(stats),
  ) {
    this.cache = new AnswerCache(config);
    this.local = new LocalRecords(config);
    this.routing = new Routing(config, now);
    this.#advertise = config.ednsPacketMax;
    this.#answerPolicy = answerPolicyOf(config);
    this.#prefetchPct = config.prefetch ?? 0;
    this.#filterwin2k = config.filterwin2k;
    this.#synth = config.synthDomains.length > 0 ? new SynthDomains(config.synthDomains) : undefined;
    this.#aliases = config.aliases.length > 0 ? new AnswerAliases(config.aliases) : undefined;
    this.loops = config.dnsLoopDetect ? new LoopDetector() : undefined;
    if (this.loops !== undefined) this.routing.disabled = this.loops.looped;
    this.rrl = config.rrlRate > 0 ? new ResponseRateLimiter({ rate: config.rrlRate, slip: config.rrlSlip, tableSize: config.rrlTableSize }) : undefined;
    this.upstream = new UpstreamClient({
      timeoutMs: config.upstreamTimeoutMs,
      native,
      onDrop: () => stats.upstreamDropped++,
      onTcpRetry: () => stats.tcpRetries++,
      onError: (where, error) => errors.report(where, error),
      tls: { servername: config.tlsServername, caFile: config.tlsCa },
    });
    this.health = config.healthCheckMs === undefined ? undefined : new UpstreamHealth(config.healthCheckMs, config.maxFails, this.upstream, stats, errors);
    this.dnssec = config.dnssec ? new DnssecForwarding(config, stats, errors, askRouted(this)) : undefined;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /**
   * Answers one client message through `send` (now or later); never throws.
   * `query` is only read during the call: the listener may reuse its bytes.
   */
  handle(query: Uint8Array, client: Client, send: Send): void {
    const stats = this.stats;
    stats.queries++;
    // Without a full header there is no id to answer with; a message with QR set is a response, not ours to answer.
    if (query.length < 12 || (query[2]! & 0x80) !== 0) {
      stats.dropped++;
      return;
    }
    let question: DnsQuestionView;
    try {
      question = readQuestion(query);
    } catch {
      if (this.rrl !== undefined && !client.tcp && this.#limited(query, 12, client, send)) return;
      stats.formerr++;
      return send(headerReply(query, DnsRcode.FORMERR, 12, undefined));
    }
    // Every UDP reply counts against the client's prefix, before any work is spent on it.
    if (this.rrl !== undefined && !client.tcp && this.#limited(query, question.end, client, send)) return;
    // RFC 9619: a query has exactly one question.
    if (query[4] !== 0 || query[5] !== 1) {
      stats.formerr++;
      return send(headerReply(query, DnsRcode.FORMERR, 12, undefined));
    }
    const edns = readQueryEdns(query, question.end);
    // log-queries: one check when off; on, the question is logged now and the answer by the send it wraps.
    let tx: QueryTransaction | undefined;
    if (this.queryLog !== undefined) {
      tx = this.queryLog.begin(question, client.address, client.listener, send);
      send = tx.send;
    }
    if (((query[2]! >> 3) & 0xf) !== 0) return send(headerReply(query, DnsRcode.NOTIMP, question.end, edns, this.#advertise));
    const name = question.nameLower;

    // An agent's listener whose address is no network's (local.ts, setViews): no names of any network, and no
    // forwarding for a client the agent does not serve. One flag read when the cache has no views.
    if (this.local.refuses(client.listener)) {
      stats.refused++;
      return send(headerReply(query, DnsRcode.REFUSED, question.end, edns, this.#advertise));
    }
    const local = this.local.lookup(name, question.type, question.class, client.listener);
    if (local !== undefined) {
      stats.localAnswers++;
      if (tx) tx.source = 'config';
      return this.#sendLocal(query, question, edns, client.tcp, send, local);
    }
    if (question.class === CLASS_CHAOS) return this.#sendChaos(query, question, edns, client.tcp, send);
    if (this.config.localService && !isLocalClient(client.address, this.networks)) {
      stats.refused++;
      return send(headerReply(query, DnsRcode.REFUSED, question.end, edns, this.#advertise));
    }
    // filterwin2k: after local data (a local SRV is still answered), before minimal-any (dnsmasq: NODATA for ANY _ldap...).
    if (this.#filterwin2k && isWin2kNoise(question.type, name)) {
      stats.filtered++;
      if (tx) tx.source = 'config';
      return this.#sendLocal(query, question, edns, client.tcp, send, { kind: 'nodata' });
    }
    // RFC 8482: ANY over UDP is the amplifier's favourite question; it gets one small record, never a forwarded answer.
    if (question.type === TYPE_ANY && !client.tcp && this.config.minimalAny) {
      stats.minimalAny++;
      return send(minimalAnyReply(query, question.end, edns, this.#advertise));
    }

    // The EDNS presence, DO and CD bits change what upstream returns, so they are part of the key; with dnssec, AD too (RFC 6840 5.7).
    const adBit = this.dnssec !== undefined && query[3]! & 0x20 ? 8 : 0;
    const key = String.fromCharCode((edns ? 1 : 0) | (edns?.dnssecOk ? 2 : 0) | (query[3]! & 0x10 ? 4 : 0) | adBit) + dnsCacheKey(question);
    const waiter: Waiter = { query, question, edns, tcp: client.tcp, send };
    const now = this.now();
    const entry = this.cache.get(key, now);
    if (entry !== undefined) {
      stats.cacheHits++;
      if (tx) tx.source = 'cached';
      // Only the batched listeners (which give ip4, or batched for IPv6) read the hot table: the next identical question is answered there,
      // on every listener; so never a name some view answers locally (this answer is another view's upstream one).
      if (this.#prefetchPct === 0) {
        if (this.hot !== undefined && (client.ip4 !== undefined || client.batched === true) && !this.local.isViewName(name)) this.hot.put(query, entry, now);
      } else {
        this.#prefetch(key, entry, now, question, query, client);
      }
      return this.#deliver(answerFromEntry(entry, now), waiter);
    }

    // These policies depend only on the name and the config: the names they stop are never forwarded,
    // so never cached, and checking them after the cache keeps them off the hit path.
    if (this.#synth !== undefined) {
      const synth = this.#synth.answer(name, question.type);
      if (synth !== undefined) {
        stats.localAnswers++;
        if (tx) tx.source = 'config';
        return this.#sendLocal(query, question, edns, client.tcp, send, synth);
      }
    }
    // Our own probe came back through an upstream: that upstream forwards to us. Answering would keep the loop going.
    if (this.loops !== undefined && loopedBack(this.loops, name, question.type, stats, this.errors)) return;
    const route = this.routing.route(name);
    // As dnsmasq 2.90 answers them: domain-needed and local-only domains (server=/d/, local=/d/) without AA (the conformance
    // test found ours with AA), bogus-priv with AA. A local-only name a host-record, hosts file or synth-domain holds is NODATA
    // (an address= name is not: dnsmasq says NXDOMAIN for its other family).
    if (route.kind === 'forward' && !route.specific && this.config.domainNeeded && isPlainName(name)) {
      stats.nxdomainPolicy++;
      return send(headerReply(query, DnsRcode.NXDOMAIN, question.end, edns, this.#advertise));
    }
    if (route.kind === 'local') {
      stats.nxdomainPolicy++;
      if (tx) tx.source = 'config';
      const held = this.local.holdsName(name) || (this.#synth !== undefined && (this.#synth.address(name, 4) !== undefined || this.#synth.address(name, 6) !== undefined));
      return send(headerReply(query, held ? DnsRcode.NOERROR : DnsRcode.NXDOMAIN, question.end, edns, this.#advertise));
    }
    if (!route.specific && this.config.bogusPriv && (question.type === TYPE_PTR || question.type === TYPE_ANY) && isPrivateReverse(name)) {
      stats.nxdomainPolicy++;
      if (tx) tx.source = 'config';
      return this.#sendLocal(query, question, edns, client.tcp, send, { kind: 'nxdomain' });
    }
    // No upstream to ask (none configured, or dns-loop-detect disabled them all): REFUSED, as dnsmasq 2.90 answers.
    if (route.kind === 'forward' && route.servers.length === 0 && this.cache.getStale(key, now) === undefined) {
      stats.refused++;
      return send(headerReply(query, DnsRcode.REFUSED, question.end, edns, this.#advertise));
    }
    stats.cacheMisses++;
    // use-stale-cache: an expired answer goes out now (TTL 0, as dnsmasq) and one refresh is asked upstream.
    if (this.config.useStaleCache !== undefined && this.#serveStaleNow(key, waiter, route, now)) return;
    const flight = this.#inFlight.get(key);
    if (flight !== undefined) {
      if (flight.length >= MAX_WAITERS) {
        stats.dropped++;
        return;
      }
      stats.coalesced++;
      flight.push({ ...waiter, query: Uint8Array.from(query) });
      return;
    }
    if (this.#inFlight.size >= this.config.forwardMax) {
      stats.dropped++;
      return;
    }
    // The listener may reuse the query's buffer once handle returns; a question waiting on upstream keeps a copy.
    const kept = Uint8Array.from(query);
    this.#inFlight.set(key, [{ ...waiter, query: kept }]);
    if (tx) this.queryLog!.forwarded(question, route.servers[0], client.listener);
    // #forward answers every waiter itself; nothing it does may become an unhandled rejection.
    this.#forward(key, route.servers, kept, question).catch((error: unknown) => this.errors.report('answering a forwarded question', error));
  }

  close(): void {
    this.health?.close();
    this.upstream.close();
  }

  /** dns-loop-detect: a probe round (loop-detect.ts). Run once listening, and when the upstreams change. */
  probeLoops(): void {
    if (this.loops !== undefined) sendLoopProbes(this.loops, this.routing.configuredDefaultServers, this.upstream, this.errors);
  }

  /** Whether local data or synth-domain holds an address for the name. */
  #knownName(name: string): boolean {
    const held = (type: number) => this.local.lookup(name, type, 1)?.kind;
    if (held(1) === 'records' || held(28) === 'records') return true;
    return this.#synth !== undefined && (this.#synth.address(name, 4) !== undefined || this.#synth.address(name, 6) !== undefined);
  }

  /**
   * Response rate limiting for one UDP reply: false when it may go; true when
   * it was dropped or, every rrl-slip-th time, answered with an empty
   * truncated reply through `send` instead (never larger than the query).
   */
  #limited(query: Uint8Array, questionEnd: number, client: Client, send: Send): boolean {
    const key = client.ip4 !== undefined ? prefixKey4(client.ip4) : prefixKey(client.address);
    const verdict = this.rrl!.check(key, this.now());
    if (verdict === 'send') return false;
    if (verdict === 'slip') {
      this.stats.rrlSlipped++;
      send(slipReply(query, questionEnd));
    } else {
      this.stats.rrlDropped++;
    }
    return true;
  }

  async #forward(key: string, servers: readonly UpstreamServer[], query: Uint8Array, question: AskedQuestion): Promise<void> {
    let asked: Asked;
    let status: DnssecStatus | undefined;
    try {
      const usable = this.health === undefined ? servers : this.health.usable(servers);
      const sent = this.dnssec === undefined ? query : this.dnssec.query(query);
      asked = this.config.allServers ? await askAll(this, usable, sent, question) : await askInOrder(this, usable, sent, question);
      // Validated before anything rewrites it (alias would break signatures); bogus is no answer: SERVFAIL, or serve-stale.
      if (this.dnssec !== undefined) ({ asked, status } = await this.dnssec.answer(asked, query, question));
    } catch {
      asked = {};
    }
    const waiters = this.#inFlight.get(key) ?? [];
    this.#inFlight.delete(key);
    const answer = asked.answer;
    if (answer === undefined) return this.#failed(key, waiters, asked.error);
    // We offer recursion whatever the upstream said (an authoritative upstream sends no RA; dnsmasq sets it too).
    answer[3]! |= 0x80;
    // NXDOMAIN for a name we hold other types of (host-record with A only, a synth-domain name): the name exists,
    // so it is NODATA, as dnsmasq 2.90 answers (rcode changed, upstream's SOA kept).
    if ((answer[3]! & 0xf) === DnsRcode.NXDOMAIN && this.#knownName(question.nameLower)) answer[3] = answer[3]! & 0xf0;
    // alias first: dnsmasq judges the rewritten addresses (an alias into a private range is a rebind).
    if (this.#aliases !== undefined) this.#aliases.apply(answer);
    const verdict = this.#answerPolicy === undefined ? 'ok' : answerVerdict(answer, question, this.#answerPolicy);
    if (verdict !== 'ok') {
      // Not cached: the next question asks again, as dnsmasq does.
      this.stats.answersRefused++;
      for (const w of waiters) w.send(policyReply(w.query, w.question.end, w.edns, verdict, answer, this.#advertise));
      return;
    }
    const now = this.now();
    let entry: CacheEntry | undefined;
    try {
      entry = this.cache.put(key, answer, now, status);
    } catch {
      // An answer the fast path cannot walk is passed on but not cached.
    }
    // Once cached, every client sees the cached form (TTLs clamped and made uniform), the first one too.
    for (const w of waiters) this.#deliver(entry ? answerFromEntry(entry, now) : Uint8Array.from(answer), w);
  }

  /**
   * No upstream gave a usable answer. serve-stale (RFC 8767 4): an answer
   * expired within the window, with TTL 30. Else the upstream's own SERVFAIL
   * or REFUSED, passed through (never cached), as dnsmasq 2.90 does; our
   * SERVFAIL only when no upstream answered at all.
   */
  #failed(key: string, waiters: readonly Waiter[], error: Uint8Array | undefined): void {
    const stale = this.config.serveStale === undefined ? undefined : this.cache.getStale(key, this.now());
    for (const w of waiters) {
      if (stale !== undefined) {
        this.stats.staleAnswers++;
        this.#deliver(staleAnswer(stale, STALE_ANSWER_TTL), w);
      } else if (error !== undefined) {
        if ((error[3]! & 0xf) === DnsRcode.REFUSED) this.stats.refused++;
        else this.stats.servfail++;
        // We offer recursion whatever the upstream said, as for any forwarded answer.
        const copy = Uint8Array.from(error);
        copy[3]! |= 0x80;
        this.#deliver(copy, w);
      } else {
        this.stats.servfail++;
        w.send(headerReply(w.query, DnsRcode.SERVFAIL, w.question.end, w.edns, this.#advertise));
      }
    }
  }

  /**
   * use-stale-cache: sends the expired entry for `key` (if within the window)
   * with TTL 0 and starts one refresh upstream unless one is in flight;
   * false when there is no such entry.
   */
  #serveStaleNow(key: string, waiter: Waiter, route: Route, now: number): boolean {
    const stale = this.cache.getStale(key, now);
    if (stale === undefined || route.kind !== 'forward') return false;
    this.stats.staleAnswers++;
    this.#deliver(staleAnswer(stale, 0), waiter);
    this.#refresh(key, route.servers, waiter.query, waiter.question);
    return true;
  }

  /**
   * prefetch: a hit in the last prefetch-% of its entry's TTL refreshes the
   * entry in the background. The addon's hot table is given the entry only
   * until that point, so a hit there comes here and can start the refresh.
   */
  #prefetch(key: string, entry: CacheEntry, now: number, question: DnsQuestionView, query: Uint8Array, client: Client): void {
    const refreshAt = entry.expiresAt - entry.ttl * 10 * this.#prefetchPct;
    if (now < refreshAt) {
      if (this.hot !== undefined && (client.ip4 !== undefined || client.batched === true) && !this.local.isViewName(question.nameLower)) this.hot.put(query, { ...entry, expiresAt: refreshAt }, now);
      return;
    }
    const route = this.routing.route(question.nameLower);
    if (route.kind === 'forward' && this.#refresh(key, route.servers, query, question)) this.stats.prefetches++;
  }

  /** Asks upstream for `key` with nobody waiting (the answer only replaces the cache entry), unless it is in flight already. */
  #refresh(key: string, servers: readonly UpstreamServer[], query: Uint8Array, question: AskedQuestion): boolean {
    if (this.#inFlight.has(key) || this.#inFlight.size >= this.config.forwardMax) return false;
    this.#inFlight.set(key, []);
    this.#forward(key, servers, Uint8Array.from(query), question).catch((error: unknown) => this.errors.report('refreshing a cache entry', error));
    return true;
  }

  #sendChaos(query: Uint8Array, question: DnsQuestionView, edns: QueryEdns | undefined, tcp: boolean, send: Send): void {
    const answer = chaosAnswer(question.nameLower, question.type, () => chaosFacts(this));
    if (answer === 'notimp') return send(headerReply(query, DnsRcode.NOTIMP, question.end, edns, this.#advertise));
    this.stats.localAnswers++;
    this.#sendLocal(query, question, edns, tcp, send, answer);
  }

  /** Gives an answer the waiter's id and question case, truncating it for a UDP client whose size it exceeds. */
  #deliver(answer: Uint8Array, w: Waiter): void {
    try {
      rewriteId(answer, (w.query[0]! << 8) | w.query[1]!);
      copyQuestionCase(answer, w.query);
      if (!w.tcp && answer.length > udpLimit(w.edns, this.#advertise)) {
        this.stats.truncated++;
        return w.send(truncatedReply(answer, w.question.end, w.edns, this.#advertise));
      }
      w.send(answer);
    } catch {
      this.stats.servfail++;
      w.send(headerReply(w.query, DnsRcode.SERVFAIL, w.question.end, w.edns, this.#advertise));
    }
  }

  #sendLocal(query: Uint8Array, question: DnsQuestionView, edns: QueryEdns | undefined, tcp: boolean, send: Send, local: Parameters<typeof localReply>[2]): void {
    let reply: Uint8Array;
    try {
      reply = localReply(query, question, local, this.config.localTtl, edns, this.#advertise);
    } catch {
      // A name the encoder cannot write back (odd bytes in a label): answer with the header and question only.
      reply = headerReply(query, local.kind === 'nxdomain' ? DnsRcode.NXDOMAIN : DnsRcode.NOERROR, question.end, edns, this.#advertise);
      reply[2]! |= 0x04;
    }
    if (!tcp && reply.length > udpLimit(edns, this.#advertise)) {
      this.stats.truncated++;
      reply = truncatedReply(reply, question.end, edns, this.#advertise);
    }
    send(reply);
  }
}
