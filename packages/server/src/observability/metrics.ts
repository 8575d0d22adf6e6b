/**
 * The Prometheus metrics of a process, read on scrape from the counters the
 * parts already keep (the DHCP server's outcomes, the lease tables, the
 * projections' positions, the scheduler's pass counts, the API service's
 * endpoint stats, the DNS cache's stats): prom-client collect callbacks, so
 * no metrics code lives inside the packages and an idle process costs
 * nothing between scrapes. (One histogram, of new ports' wait for ACTIVE,
 * observes at scrape the delays the API measured since the last one.)
 */
import { dhcpDropReasons, dhcpOutcomes, metadataOutcomes, raSentKinds, raSolicitationOutcomes, tftpDropReasons, tftpRefusalReasons, tftpTransferOutcomes } from '@leasehold/agent';
import { API_SUBJECT_PREFIX } from '@leasehold/api/client';
import type { DnsCacheStats } from '@leasehold/dns-cache';
import { AGENT_REQUEST_PREFIX, type RunningProjection, type RunningSnapshottedProjection } from '@leasehold/journal';
import { unreachableNetworks } from '@leasehold/scheduler';
import type { NatsConnection } from '@nats-io/transport-node';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RunningSystem } from '../runtime/system.js';

export interface MetricSources {
  /** The running parts; undefined while they start. */
  readonly system: () => RunningSystem | undefined;
  readonly nc: NatsConnection;
  /** Whether every connection of the process is up (default: `nc` is not closed). */
  readonly connected?: () => boolean;
  /**
   * The DNS cache's counters, when the process runs one. The agent's
   * embedded cache is read through `agent.dns.stats()` where the agent
   * package offers it.
   */
  readonly dnsStats?: () => DnsCacheStats | undefined;
}

/** The projections a system runs, by name. */
export function projectionsOf(system: RunningSystem | undefined): { name: string; projection: Pick<RunningProjection, 'position'> }[] {
  const out: { name: string; projection: Pick<RunningProjection, 'position'> }[] = [];
  if (system?.scheduler) out.push({ name: 'scheduler', projection: system.scheduler });
  if (system?.api) out.push({ name: 'api', projection: system.api.projection });
  if (system?.agent) out.push({ name: `agent-${system.agent.config.agentId}`, projection: system.agent.projection });
  return out;
}

/** The projections that start from snapshots, by name. */
export function snapshottedOf(system: RunningSystem | undefined): { name: string; projection: RunningSnapshottedProjection }[] {
  const out: { name: string; projection: RunningSnapshottedProjection }[] = [];
  if (system?.scheduler) out.push({ name: 'scheduler', projection: system.scheduler.projection });
  if (system?.api) out.push({ name: 'api', projection: system.api.projection });
  const agent = system?.agent?.projection as Partial<RunningSnapshottedProjection> | undefined;
  if (system?.agent && agent?.start) out.push({ name: `agent-${system.agent.config.agentId}`, projection: agent as RunningSnapshottedProjection });
  return out;
}

/** The journal stream's last sequence, asked at most once per `ttlMs` (a scrape reads it for several metrics). */
export function streamLastSeq(system: () => RunningSystem | undefined, ttlMs = 250): () => Promise<number | undefined> {
  let cached: { at: number; value: Promise<number | undefined> } | undefined;
  return () => {
    const journal = system()?.journal;
    if (!journal) return Promise.resolve(undefined);
    const now = Date.now();
    if (!cached || now - cached.at > ttlMs) {
      cached = {
        at: now,
        value: journal.jsm.streams.info(journal.layout.stream).then(
          (info) => info.state.last_seq,
          () => undefined,
        ),
      };
    }
    return cached.value;
  };
}

/** Each projection's distance behind the stream (0 when caught up). */
export async function journalLag(sources: MetricSources, lastSeq: () => Promise<number | undefined>): Promise<{ name: string; position: number; lag: number }[]> {
  const last = await lastSeq();
  if (last === undefined) return [];
  return projectionsOf(sources.system()).map(({ name, projection }) => ({ name, position: projection.position(), lag: Math.max(0, last - projection.position()) }));
}

type Labels = Record<string, string>;

/** A counter whose value is a total kept elsewhere, set on every scrape. */
function mirroredCounter(registry: Registry, name: string, help: string, labelNames: string[], read: () => Promise<[Labels, number][]> | [Labels, number][]): void {
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [labels, value] of await read()) this.inc(labels, value);
    },
  });
}

function mirroredGauge(registry: Registry, name: string, help: string, labelNames: string[], read: () => Promise<[Labels, number][]> | [Labels, number][]): void {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [labels, value] of await read()) this.set(labels, value);
    },
  });
}

/** The lease states an agent's tables hold now (free addresses left out). */
export function agentLeaseStates(system: RunningSystem | undefined, now = Date.now()): Map<string, number> {
  const counts = new Map<string, number>();
  const agent = system?.agent;
  if (!agent) return counts;
  for (const networkId of agent.model.networks.keys()) {
    const table = agent.model.table(networkId);
    if (!table) continue;
    for (const { context } of table.durableState().leases) {
      // Ticked to `now`: a bound lease past its expiry counts as expired even before the agent journals it.
      const status = table.lease(context.ip, now)?.status ?? 'free';
      if (status !== 'free') counts.set(status, (counts.get(status) ?? 0) + 1);
    }
  }
  return counts;
}

/** The lease states in the API's read model. */
export function apiLeaseStates(system: RunningSystem | undefined, now = Date.now()): Map<string, number> {
  const counts = new Map<string, number>();
  for (const byIp of system?.api?.model.fleet.leases.values() ?? []) {
    for (const row of byIp.values()) {
      const state = row.state === 'bound' && row.expiresAt !== undefined && row.expiresAt <= now ? 'expired' : row.state;
      counts.set(state, (counts.get(state) ?? 0) + 1);
    }
  }
  return counts;
}

const entries = (counts: Map<string, number>): [Labels, number][] => [...counts].map(([state, n]) => [{ state }, n]);

/** A registry with every metric of the process, plus Node's process metrics. */
export function createMetrics(sources: MetricSources): { registry: Registry; lastSeq: () => Promise<number | undefined> } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'leasehold_' });
  const lastSeq = streamLastSeq(sources.system);
  const agent = () => sources.system()?.agent;
  const scheduler = () => sources.system()?.scheduler;
  const dns = (): DnsCacheStats | undefined => {
    if (sources.dnsStats) return sources.dnsStats();
    // Duck-typed so this file needs no change when the agent exposes its cache's stats.
    const agentDns = agent()?.dns as { stats?: () => DnsCacheStats | undefined } | undefined;
    return typeof agentDns?.stats === 'function' ? agentDns.stats() : undefined;
  };

  mirroredGauge(registry, 'leasehold_nats_connected', '1 while the NATS connections are up', [], () => [[{}, (sources.connected ? sources.connected() : !sources.nc.isClosed()) ? 1 : 0]]);

  // DHCP: every packet ends in exactly one outcome (agent/src/dhcp/stats.ts).
  mirroredCounter(registry, 'leasehold_dhcp_packets_received_total', 'DHCP datagrams received by the agent', [], () => {
    const a = agent();
    return a ? [[{}, a.server.stats.received]] : [];
  });
  mirroredCounter(registry, 'leasehold_dhcp_packets_total', 'DHCP datagrams by how they ended (offer, ack, nak, malformed, ...)', ['outcome'], () => {
    const a = agent();
    return a ? dhcpOutcomes.map((outcome) => [{ outcome }, a.server.stats.counts[outcome]]) : [];
  });
  // Shed before the server saw them (agent/src/dhcp/packet-queue.ts): so read = received + dropped + waiting.
  mirroredCounter(registry, 'leasehold_dhcp_dropped_total', 'DHCP datagrams shed unanswered under overload: stale (waited longer than agent.dhcp_queue.max_age), queue_full (pushed out by newer ones)', ['reason'], () => {
    const a = agent();
    return a ? dhcpDropReasons.map((reason) => [{ reason }, a.server.stats.dropped[reason]]) : [];
  });
  // DHCPv6 (agent/src/dhcp6/stats.ts): every datagram ends in one outcome; the sockets shed through the DHCPv4 packet queue.
  mirroredCounter(registry, 'leasehold_dhcp6_packets_received_total', 'DHCPv6 datagrams received by the agent', [], () => {
    const a = agent();
    return a?.dhcp6 ? [[{}, a.dhcp6.stats.received]] : [];
  });
  mirroredCounter(registry, 'leasehold_dhcp6_packets_total', 'DHCPv6 datagrams by how they ended (advertise, reply, malformed, no-network, not-ours, a drop reason of RFC 8415 section 16, ...)', ['outcome'], () => {
    const a = agent();
    return a?.dhcp6 ? Object.entries(a.dhcp6.stats.counts).map(([outcome, n]) => [{ outcome }, n]) : [];
  });
  mirroredCounter(registry, 'leasehold_dhcp6_dropped_total', 'DHCPv6 datagrams shed unanswered under overload, as DHCPv4 ones: stale (waited longer than agent.dhcp_queue.max_age), queue_full (pushed out by newer ones)', ['reason'], () => {
    const a = agent();
    return a?.dhcp6 ? dhcpDropReasons.map((reason) => [{ reason }, a.dhcp6.stats.dropped[reason]]) : [];
  });
  // Router advertisements (agent/src/ra/stats.ts), where agent.ipv6_ra turns them on. (An agent without an ra part, as some tests build, reports none.)
  mirroredCounter(registry, 'leasehold_ra_sent_total', 'Router advertisements sent by kind (unsolicited, solicited: answering a Router Solicitation, final: router lifetime 0 when a link stops)', ['kind'], () => {
    const a = agent();
    return a?.ra ? raSentKinds.map((kind) => [{ kind }, a.ra.stats.sent[kind]]) : [];
  });
  mirroredCounter(registry, 'leasehold_ra_solicitations_total', 'Router Solicitations received by outcome (answered, malformed, invalid: hop limit not 255 or a link-layer address from ::)', ['outcome'], () => {
    const a = agent();
    return a?.ra ? raSolicitationOutcomes.map((outcome) => [{ outcome }, a.ra.stats.solicitations[outcome]]) : [];
  });
  mirroredCounter(registry, 'leasehold_ra_send_errors_total', 'Router advertisements the socket did not take whole', [], () => {
    const a = agent();
    return a?.ra ? [[{}, a.ra.stats.sendErrors]] : [];
  });
  // TFTP (agent/src/tftp/stats.ts): each read request is refused or becomes a transfer with one outcome. (An agent without a tftp part, as some tests build, reports none.)
  mirroredCounter(registry, 'leasehold_tftp_transfers_total', 'TFTP transfers by how they ended (completed, timeout: retries exhausted, aborted by the client, read-error, send-error)', ['outcome'], () => {
    const a = agent();
    return a?.tftp ? tftpTransferOutcomes.map((outcome) => [{ outcome }, a.tftp.stats.transfers[outcome]]) : [];
  });
  mirroredCounter(registry, 'leasehold_tftp_refused_total', 'TFTP requests answered with an ERROR by reason (write, traversal, outside-root, not-found, unreadable, not-a-file, bad-request, busy)', ['reason'], () => {
    const a = agent();
    return a?.tftp ? tftpRefusalReasons.map((reason) => [{ reason }, a.tftp.stats.refused[reason]]) : [];
  });
  mirroredCounter(registry, 'leasehold_tftp_dropped_total', 'TFTP datagrams dropped: malformed, unknown-tid (a stranger on a transfer port, answered with error 5), unexpected', ['reason'], () => {
    const a = agent();
    return a?.tftp ? tftpDropReasons.map((reason) => [{ reason }, a.tftp.stats.dropped[reason]]) : [];
  });
  mirroredCounter(registry, 'leasehold_tftp_sent_bytes_total', 'TFTP DATA bytes sent, retransmissions included', [], () => {
    const a = agent();
    return a?.tftp ? [[{}, a.tftp.stats.bytesSent]] : [];
  });
  // The metadata proxies (agent/src/metadata/proxy.ts): every request ends in one outcome.
  mirroredCounter(registry, 'leasehold_metadata_requests_total', 'Metadata proxy requests by how they ended (forwarded, not_found: caller no port, rate_limited, too_large, bad_request, method, upstream_error, upstream_timeout)', ['outcome'], () => {
    const m = agent()?.metadata;
    return m ? metadataOutcomes.map((outcome) => [{ outcome: outcome.replace('-', '_') }, m.stats.counts[outcome]]) : [];
  });
  // log.dhcp / log.queries lines the rate limit dropped (observability/transaction-log.ts): a flood shows here, not on disk.
  mirroredCounter(registry, 'leasehold_log_lines_suppressed_total', 'Per-transaction log lines (log.dhcp, log.queries) dropped over log.transaction_rate, by component (dhcp, dns)', ['component'], () =>
    (sources.system()?.transactionLogs ?? []).map((log) => [{ component: log.component }, log.suppressed]),
  );
  mirroredGauge(registry, 'leasehold_agent_leases', "Leases in the agent's tables by state, as of now", ['state'], () => entries(agentLeaseStates(sources.system())));
  mirroredGauge(registry, 'leasehold_api_leases', "Leases in the API's read model by state, as of now", ['state'], () => entries(apiLeaseStates(sources.system())));

  // Journal.
  mirroredGauge(registry, 'leasehold_journal_last_sequence', "The journal stream's last sequence", [], async () => {
    const last = await lastSeq();
    return last === undefined ? [] : [[{}, last]];
  });
  mirroredGauge(registry, 'leasehold_projection_position', 'Sequence of the last event each projection applied', ['projection'], async () =>
    (await journalLag(sources, lastSeq)).map(({ name, position }) => [{ projection: name }, position]),
  );
  mirroredGauge(registry, 'leasehold_journal_lag_events', 'Events each projection is behind the journal (stream last sequence minus position)', ['projection'], async () =>
    (await journalLag(sources, lastSeq)).map(({ name, lag }) => [{ projection: name }, lag]),
  );

  // Bounded history: snapshots, what the last start replayed, compaction.
  const snapshotted = () => snapshottedOf(sources.system());
  mirroredGauge(registry, 'leasehold_projection_snapshot_age_seconds', "Age of each projection's newest snapshot (stored or restored)", ['projection'], () =>
    snapshotted().flatMap(({ name, projection }) => {
      const last = projection.lastSnapshot();
      return last ? [[{ projection: name }, (Date.now() - last.at) / 1000] as [Labels, number]] : [];
    }),
  );
  mirroredGauge(registry, 'leasehold_projection_snapshot_sequence', "Sequence of each projection's newest snapshot", ['projection'], () =>
    snapshotted().flatMap(({ name, projection }) => {
      const last = projection.lastSnapshot();
      return last ? [[{ projection: name }, last.seq] as [Labels, number]] : [];
    }),
  );
  mirroredGauge(registry, 'leasehold_projection_replayed_at_start', 'Events each projection folded at its last start (after its snapshot)', ['projection'], () =>
    snapshotted().map(({ name, projection }) => [{ projection: name }, projection.start.replayedAtStart]),
  );
  mirroredGauge(registry, 'leasehold_projection_start_seconds', 'Time from the start of each projection to caught up: snapshot restore plus the replay of the tail', ['projection'], () =>
    snapshotted().map(({ name, projection }) => [{ projection: name }, projection.start.startMs / 1000]),
  );
  mirroredGauge(registry, 'leasehold_journal_first_sequence', "The journal stream's first retained sequence (history below it was compacted)", [], () => {
    const r = sources.system()?.compactor?.last();
    return r ? [[{}, r.floor > r.firstRetained ? r.floor : r.firstRetained]] : [];
  });
  mirroredGauge(registry, 'leasehold_journal_last_compaction_events', 'Events the last compaction purged below the floor', [], () => {
    const r = sources.system()?.compactor?.last();
    return r ? [[{}, r.purged]] : [];
  });

  // Scheduler decisions.
  const schedulerStat = (key: 'passes' | 'written' | 'conflicts' | 'errors') => () => {
    const s = scheduler();
    return s ? ([[{}, s.stats[key]]] as [Labels, number][]) : [];
  };
  mirroredCounter(registry, 'leasehold_scheduler_passes_total', 'Scheduling passes (decide after events and deadlines)', [], schedulerStat('passes'));
  mirroredCounter(registry, 'leasehold_scheduler_decisions_written_total', 'NetworkScheduled/NetworkUnscheduled events this instance appended', [], schedulerStat('written'));
  mirroredCounter(registry, 'leasehold_scheduler_conflicts_total', 'Decisions lost to another writer (expected sequence conflict)', [], schedulerStat('conflicts'));
  mirroredCounter(registry, 'leasehold_scheduler_errors_total', 'Scheduling passes that failed', [], schedulerStat('errors'));
  mirroredGauge(registry, 'leasehold_scheduler_agents', 'Agents the scheduler knows, by status', ['status'], () => {
    const counts = new Map<string, number>();
    for (const record of scheduler()?.state().agents.values() ?? []) {
      const status = String(record.status);
      counts.set(status, (counts.get(status) ?? 0) + 1);
    }
    return [...counts].map(([status, n]) => [{ status }, n]);
  });
  mirroredGauge(registry, 'leasehold_scheduler_unreachable_networks', 'DHCP networks bound to no agent because no live agent maps their physical network', [], () => {
    const s = scheduler();
    return s ? [[{}, unreachableNetworks(s.state(), Date.now()).length]] : [];
  });

  // API requests, from the NATS micro-service's own endpoint stats.
  const endpointStats = async () => {
    const api = sources.system()?.api;
    if (!api) return [];
    // Labelled by the operation as the client names it (the subject after lh.api.v1.), not the endpoint's dashed name;
    // an agent request (lh.api.agents.*.<verb>) as agents.<verb>, the name admission gives it.
    const agentRequests = `${AGENT_REQUEST_PREFIX}.*.`;
    const operation = (subject: string) =>
      subject.startsWith(`${API_SUBJECT_PREFIX}.`)
        ? subject.slice(API_SUBJECT_PREFIX.length + 1)
        : subject.startsWith(agentRequests)
          ? `agents.${subject.slice(agentRequests.length)}`
          : subject;
    return ((await api.service.stats()).endpoints ?? []).map((e) => ({ ...e, name: operation(e.subject) }));
  };
  mirroredCounter(registry, 'leasehold_api_requests_total', 'API requests by operation', ['operation'], async () =>
    (await endpointStats()).map((e) => [{ operation: e.name }, e.num_requests]),
  );
  mirroredCounter(registry, 'leasehold_api_request_errors_total', 'API requests answered with a service error, by operation', ['operation'], async () =>
    (await endpointStats()).map((e) => [{ operation: e.name }, e.num_errors]),
  );
  mirroredCounter(registry, 'leasehold_api_processing_seconds_total', 'Time spent handling API requests, by operation', ['operation'], async () =>
    (await endpointStats()).map((e) => [{ operation: e.name }, e.processing_time / 1e9]),
  );

  // Neutron's HTTP API (api's http/stats.ts): requests by route pattern and status, and their times.
  mirroredCounter(registry, 'leasehold_http_requests_total', 'Neutron HTTP API requests by method, route pattern and status', ['method', 'route', 'status'], () =>
    (sources.system()?.http?.stats.requests() ?? []).map((r) => [{ method: r.method, route: r.route, status: r.status }, r.count]),
  );
  new Histogram({
    name: 'leasehold_http_request_seconds',
    help: 'Seconds the Neutron HTTP API took to answer a request',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
    collect() {
      for (const seconds of sources.system()?.http?.stats.drainSeconds() ?? []) this.observe(seconds);
    },
  });

  // New ports' wait for ACTIVE (api's port/activation.ts): what Nova's vif-plugged wait would see.
  new Histogram({
    name: 'leasehold_port_ready_seconds',
    help: "Seconds from a port create's answer until the port is ACTIVE (an agent serving its network has folded it)",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
    collect() {
      for (const seconds of sources.system()?.api?.activations.drain() ?? []) this.observe(seconds);
    },
  });

  // DNS cache.
  const dnsCounter = (name: string, help: string, key: keyof DnsCacheStats) =>
    mirroredCounter(registry, name, help, [], () => {
      const s = dns();
      return s ? [[{}, s[key]]] : [];
    });
  dnsCounter('leasehold_dns_queries_total', 'DNS queries received', 'queries');
  dnsCounter('leasehold_dns_cache_hits_total', 'DNS answers from the cache', 'cacheHits');
  dnsCounter('leasehold_dns_cache_misses_total', 'DNS questions not in the cache', 'cacheMisses');
  dnsCounter('leasehold_dns_local_answers_total', 'DNS answers from local records (ports, leases, host-record, address)', 'localAnswers');
  dnsCounter('leasehold_dns_upstream_queries_total', 'Questions forwarded upstream', 'forwarded');
  dnsCounter('leasehold_dns_upstream_failures_total', 'Upstream attempts that timed out or failed', 'upstreamFailures');
  dnsCounter('leasehold_dns_servfail_total', 'DNS answers SERVFAIL', 'servfail');
  dnsCounter('leasehold_dns_dropped_total', 'DNS messages dropped unanswered', 'dropped');
  dnsCounter('leasehold_dns_internal_errors_total', 'Errors caught in the DNS cache\'s socket callbacks and timers (each lost one packet or timer, not the process)', 'internalErrors');
  mirroredGauge(registry, 'leasehold_dns_cache_entries', 'Entries in the DNS cache', [], () => {
    const s = dns();
    return s ? [[{}, s.cacheEntries]] : [];
  });
  dnsCounter('leasehold_dns_upstreams_marked_down_total', 'Times health-check marked an upstream down (max-fails questions in a row unanswered)', 'upstreamsMarkedDown');
  dnsCounter('leasehold_dns_upstream_health_probes_total', 'health-check probes (". NS") sent to down upstreams', 'healthProbes');
  dnsCounter('leasehold_dns_dnssec_secure_total', 'dnssec: forwarded answers validated secure (AD)', 'dnssecSecure');
  dnsCounter('leasehold_dns_dnssec_insecure_total', 'dnssec: forwarded answers from unsigned zones (passed on without AD)', 'dnssecInsecure');
  dnsCounter('leasehold_dns_dnssec_bogus_total', 'dnssec: forwarded answers that failed validation (SERVFAIL)', 'dnssecBogus');
  dnsCounter('leasehold_dns_dnssec_queries_total', 'dnssec: DS and DNSKEY questions the validator asked upstream', 'dnssecQueries');
  dnsCounter('leasehold_dns_upstream_loops_total', 'Upstreams dns-loop-detect found forwarding back to this cache', 'loopsDetected');
  mirroredGauge(registry, 'leasehold_dns_upstreams_down', 'Upstreams health-check has marked down (skipped, probed until they answer)', [], () => {
    const s = dns();
    return s ? [[{}, s.upstreamsDown]] : [];
  });
  mirroredGauge(registry, 'leasehold_dns_upstream_in_flight', 'Questions waiting for an upstream answer', [], () => {
    const s = dns();
    return s ? [[{}, s.inFlight]] : [];
  });

  // Journal events each projection skipped because they do not validate (listed by `leasehold events quarantined`).
  mirroredCounter(registry, 'leasehold_journal_quarantined_events_total', 'Events each projection quarantined: skipped because they do not validate (see leasehold events quarantined)', ['projection'], () =>
    snapshotted().map(({ name, projection }) => [{ projection: name }, projection.stats.quarantined]),
  );

  return { registry, lastSeq };
}
