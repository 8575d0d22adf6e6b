/**
 * Running parts of the system in this process: the API, the scheduler and
 * a DHCP agent, each optional, so `leasehold start` runs them all and
 * `leasehold api|scheduler|agent` run one each (the distributed layout: one
 * agent per host, any number of APIs and schedulers). Each part runs on the
 * connection the runtime gives it (its own role's on the embedded server),
 * with a journal of its own on it. This file only wires: the HTTP front door
 * (http-front.ts), the replay reports (replay-watch.ts), opening a journal
 * (open-journal.ts), the history log lines (history-lines.ts) and the
 * transaction log sinks (transaction-sinks.ts) are their own modules.
 */
import { dirname, join } from 'node:path';
import { startAgent, type AgentConfig, type RunningAgent } from '@leasehold/agent';
import { startApiService, type ApiService, type HttpApi, type Quotas } from '@leasehold/api';
import { DEFAULT_STALL_LIMIT_MS, ProjectionSnapshots, startCompactor, startConsumerGuard, type Journal, type RunningCompactor, type SnapshotNotice } from '@leasehold/journal';
import { bindingTable, schedulerConfig, startScheduler, unreachableNetworks, type RunningScheduler, type SchedulerConfig } from '@leasehold/scheduler';
import { createLogger, partLog, type Logger } from '../observability/logger.js';
import type { TransactionLogger } from '../observability/transaction-log.js';
import { startObservability, type ListenAddress, type ObservabilityServer } from '../observability/server.js';
import type { NatsConnection } from '@nats-io/transport-node';
import { startAccessKeeper, untilIdle, type AccessKeeper } from './access-keeper.js';
import { days, mb, snapshotLine } from './history-lines.js';
import { startHttp } from './http-front.js';
import type { NatsRuntime } from './nats.js';
import { openJournal } from './open-journal.js';
import { replayWatch } from './replay-watch.js';
import { transactionSinks } from './transaction-sinks.js';

export interface SystemOptions {
  /**
   * `quotas`: per project (Neutron's quota_network, quota_subnet, quota_port); unset fields take Neutron's defaults.
   * `dnsDomain`: Neutron's dns_domain, for ports' dns_assignment on networks without one (agent.dns.domain; openstacklocal).
   */
  readonly api?: { readonly agentDownTimeMs: number; readonly quotas?: Partial<Quotas>; readonly dnsDomain?: string; readonly http?: HttpOptions } | false;
  readonly scheduler?: Partial<SchedulerConfig> | false;
  readonly agent?: AgentConfig | false;
  /** Each part logs through a child of this logger (component api, scheduler, agent). */
  readonly logger?: Logger;
  /** Instead of a logger: every part's text lines go to this callback as they are (for embedders with their own logging). */
  readonly log?: (line: string) => void;
  /**
   * The /metrics, /healthz and /readyz endpoint. `required: false` (the
   * default address of `leasehold start`) only warns when the port is taken,
   * so a second system on one machine still starts.
   */
  readonly metrics?: { readonly listen: ListenAddress; readonly readyMaxLag: number; readonly required: boolean };
  /**
   * A part whose start-up replay applies no event for this long stops the
   * start with the event it cannot read (default 120 s; 0 waits for ever).
   */
  readonly replayStallLimitMs?: number;
  /** Snapshots and retention (docs/design/history.md); defaults as in HISTORY_DEFAULTS. */
  readonly history?: Partial<HistoryOptions>;
  /** log.transaction_rate: per-transaction lines (log-dhcp, log-queries) a second at most, each (default 200). */
  readonly transactionRate?: number;
}

/** Neutron's HTTP API beside the NATS API (api.http_listen); `required: false` only warns when the address is taken. */
export interface HttpOptions {
  readonly listen: ListenAddress;
  readonly token?: string;
  readonly required: boolean;
}

export interface HistoryOptions {
  /** How much full history the journal keeps (ms); older events are compacted into the snapshots. */
  readonly retentionMs: number;
  /** How often the process that runs the scheduler compacts the journal (ms; 0: never). */
  readonly compactEveryMs: number;
  /** A projection snapshot after this many events... */
  readonly snapshotEveryEvents: number;
  /** ...or this long after the last one, if any event came since (ms). */
  readonly snapshotEveryMs: number;
}

export const HISTORY_DEFAULTS: HistoryOptions = { retentionMs: 7 * 86_400_000, compactEveryMs: 3_600_000, snapshotEveryEvents: 50_000, snapshotEveryMs: 300_000 };

export interface RunningSystem {
  readonly journal: Journal;
  readonly api: ApiService | undefined;
  /** Neutron's HTTP API, if it listens. */
  readonly http: HttpApi | undefined;
  readonly scheduler: RunningScheduler | undefined;
  readonly agent: RunningAgent | undefined;
  /** The metrics endpoint, if one listens. */
  readonly observability: ObservabilityServer | undefined;
  /** The journal's compactor, run beside the scheduler. */
  readonly compactor: RunningCompactor | undefined;
  /** Keeps each agent's lease permissions equal to its bindings (on a server this process configures, beside the scheduler). */
  readonly accessKeeper: AccessKeeper | undefined;
  /** The rate-limited log-dhcp and log-queries loggers (their suppressed counts are metrics); none without an agent. */
  readonly transactionLogs: readonly TransactionLogger[];
  /** Lines saying what runs and where, for the operator. */
  describe(): string[];
  stop(): Promise<void>;
}

export async function startSystem(nats: NatsRuntime, options: SystemOptions): Promise<RunningSystem> {
  const logger = options.logger ?? createLogger({ level: 'info', format: 'auto' });
  const textLog = !options.logger ? options.log : undefined;
  const logOf = (component: string) => textLog ?? partLog(logger, component);
  const log = logOf('system');
  const started: { stop(): Promise<void> }[] = [];
  const replay = replayWatch(options.replayStallLimitMs ?? DEFAULT_STALL_LIMIT_MS, (level, line, progress) =>
    textLog
      ? textLog(line)
      : logger[level]({ component: 'replay', projection: progress.name, filter: progress.filter, position: progress.position, target: progress.target, stalledMs: progress.stalledMs }, line),
  );
  // Listening before the parts start: /healthz answers and /readyz says "not yet" while the projections replay.
  let observability: ObservabilityServer | undefined;
  if (options.metrics) {
    try {
      observability = await startObservability({
        listen: options.metrics.listen,
        nc: nats.nc,
        connections: nats.connections,
        journalDown: () => nats.embedded?.down(),
        readyMaxLag: options.metrics.readyMaxLag,
        replaying: replay.progress,
      });
      started.push({ stop: () => observability!.close() });
    } catch (error) {
      const where = `${options.metrics.listen.host}:${options.metrics.listen.port}`;
      if (options.metrics.required) throw new Error(`cannot serve metrics on ${where}: ${(error as Error).message}`, { cause: error });
      logger.warn({ component: 'metrics', listen: where, err: (error as Error).message }, 'metrics endpoint not started (set metrics.listen or --metrics-listen to another port)');
    }
  }
  const history = { ...HISTORY_DEFAULTS, ...options.history };
  const snapshotEvery = { events: history.snapshotEveryEvents, ms: history.snapshotEveryMs };
  const snapshotLog = (component: string) => {
    const write = logOf(component);
    return (notice: SnapshotNotice) => {
      const line = snapshotLine(notice);
      if (line) write(`${component}: ${line}`);
    };
  };
  try {
    // The process's own journal first: on the embedded server its connection is the admin's, which
    // provisions the stream and buckets that the parts' roles may only read.
    const journals = new Map<NatsConnection, Promise<Journal>>();
    const journalOf = (nc: NatsConnection) => {
      if (!journals.has(nc)) journals.set(nc, openJournal(nc, log));
      return journals.get(nc)!;
    };
    const journal = await journalOf(nats.nc);
    const apiJournal = options.api ? await journalOf(nats.connectionOf('api-journal')) : undefined;
    const api = options.api && apiJournal
      ? await startApiService(nats.connectionOf('api'), apiJournal, {
          agentDownTimeMs: options.api.agentDownTimeMs,
          ...(options.api.quotas ? { quotas: options.api.quotas } : {}),
          ...(options.api.dnsDomain !== undefined ? { dnsDomain: options.api.dnsDomain } : {}),
          onInternalError: (error, subject) =>
            textLog ? textLog(`api: internal error on ${subject}: ${String(error)}`) : logger.child({ component: 'api' }).error({ subject, err: error }, 'internal error'),
          onProjectionError: (error) => logOf('api')(`api: journal: ${(error as Error).message}`),
          catchUp: replay.options,
          snapshotEvery,
          onSnapshot: snapshotLog('api'),
        })
      : undefined;
    if (api) started.push(api);
    // The console's rate charts read the agent's counters; the agent starts after the HTTP front door.
    let agentForCharts: RunningAgent | undefined;
    const counters = () => ({ dhcp: agentForCharts?.server.stats.received, dns: agentForCharts?.dns.stats()?.queries });
    // The overview's reachability alert asks the scheduler (it starts after the HTTP front door too).
    let schedulerForAlerts: RunningScheduler | undefined;
    const unreachable = () => (schedulerForAlerts ? unreachableNetworks(schedulerForAlerts.state(), Date.now()) : undefined);
    const http = api && apiJournal && options.api && options.api.http ? await startHttp(api, apiJournal, options.api.http, logger, textLog, {
          counters,
          unreachableNetworks: unreachable,
          agentDownTimeMs: options.api.agentDownTimeMs,
          // The rate charts outlive a restart in the data directory this process holds (beside its nats/ store); none with a NATS URL.
          ...(nats.embedded ? { ratesFile: join(dirname(nats.embedded.storeDir), 'console-rates.json') } : {}),
        }) : undefined;
    if (http) started.push({ stop: () => http.close() });
    // Set once the keeper exists: binding events folded during the scheduler's start-up replay need no reload of their own.
    let bindingsChanged: (() => void) | undefined;
    const scheduler = options.scheduler
      ? await startScheduler(schedulerConfig(options.scheduler), { journal: await journalOf(nats.connectionOf('scheduler')), log: logOf('scheduler'), catchUp: replay.options, snapshotEvery, onSnapshot: snapshotLog('scheduler'), onBindingEvent: () => bindingsChanged?.() })
      : undefined;
    if (scheduler) started.push(scheduler);
    schedulerForAlerts = scheduler;
    const accessKeeper =
      nats.leaseAccess && scheduler
        ? startAccessKeeper({
            bindings: () => bindingTable(scheduler.state()),
            target: nats.leaseAccess,
            log: logOf('nats'),
            // A reload cuts the API's answers in flight (nats-server 2.9, access-keeper.ts): wait for this process's API to be idle, 1 s at most.
            ...(api ? { quiet: () => untilIdle(() => api.admission.inFlight, nats.connectionOf('api'), 1_000) } : {}),
          })
        : undefined;
    if (accessKeeper) {
      started.push(accessKeeper);
      bindingsChanged = accessKeeper.changed;
      // Before the agent starts: its first lease write finds the networks bound to it granted.
      await accessKeeper.sync();
    } else if (nats.leaseAccess) {
      // A runtime that expected a scheduler here: without one nothing would ever grant a lease, so every agent may write every network's.
      await nats.leaseAccess.apply(undefined);
    }
    // Compaction runs beside the scheduler: one per system (several are harmless: removing an event below a sequence is idempotent).
    // It removes through the process's own journal: on the embedded server the admin's, since no part's role may purge or delete.
    // A replicated journal is compacted by single deletes, never a purge (nats-server 2.9.10's purge replay: compactor.ts).
    const compactor: RunningCompactor | undefined =
      scheduler && history.compactEveryMs > 0
        ? startCompactor(journal, await ProjectionSnapshots.open(journal), {
            windowMs: history.retentionMs,
            everyMs: history.compactEveryMs,
            onResult: (r) => {
              if (r.purged > 0) logOf('history')(`history: compacted ${r.purged} events below sequence ${r.floor} by ${r.method} (${mb(r.bytesBefore)} -> ${mb(r.bytesAfter)} MB on disk)${r.pinnedBy ? `; held back by snapshot ${r.pinnedBy.name}@${r.pinnedBy.seq}` : ''}`);
            },
            onError: (error) => {
              if (/permission/i.test(String((error as Error)?.message ?? error))) {
                // A locked-down scheduler may not purge the journal: say once who can, and stop trying.
                logOf('history')('history: this user may not purge the events stream, so this process does not compact; run `leasehold history compact` as the admin role (e.g. from a timer)');
                void compactor?.stop();
              } else logOf('history')(`history: compaction failed: ${(error as Error).message}`);
            },
          })
        : undefined;
    if (compactor) started.push(compactor);
    // The owner of the embedded server (the admin connection) keeps durable consumers off the events
    // stream: nats-server 2.9 cannot refuse them by permission (journal's consumer-guard.ts says why).
    if (nats.access) {
      let toldNoLimit = false;
      started.push(
        startConsumerGuard(journal, {
          everyMs: 60_000,
          onSurvey: (survey) => {
            const warn = logOf('nats');
            for (const name of survey.removed) warn(`nats: durable consumer ${name} on ${journal.layout.stream} refused and removed (only short-lived readers may stay)`);
            if (survey.limit < 0 && !toldNoLimit) {
              toldNoLimit = true;
              warn(`nats: ${journal.layout.stream} was created without a consumer limit (before this version; nats-server 2.9 cannot add one to a stream): ${survey.consumers} consumers now`);
            }
          },
          onError: (error) => logOf('nats')(`nats: consumer guard: ${(error as Error).message}`),
        }),
      );
    }
    const transactions = options.agent ? transactionSinks(logger, textLog, options.transactionRate ?? 200, started) : undefined;
    const agent = options.agent
      ? await startAgent(options.agent, {
          nc: nats.connectionOf('agent'),
          journal: await journalOf(nats.connectionOf('agent')),
          log: logOf('agent'),
          catchUp: replay.options,
          snapshotEvery,
          onSnapshot: snapshotLog('agent'),
          ...(transactions ? { transactions: transactions.sinks } : {}),
        })
      : undefined;
    if (agent) started.push(agent);
    agentForCharts = agent;

    const serverVersion = nats.nc.info?.version ?? 'unknown';
    const system: RunningSystem = {
      transactionLogs: transactions?.loggers ?? [],
      journal,
      api,
      http,
      scheduler,
      agent,
      observability,
      compactor,
      accessKeeper,
      describe() {
        const lines = [
          nats.embedded
            ? `  nats       ${nats.url}  (embedded nats-server ${serverVersion}, pid ${nats.embedded.pid()}, store ${nats.embedded.storeDir})`
            : `  nats       ${nats.url}  (nats-server ${serverVersion} from NATS_URL or --nats-url)`,
          `  journal    stream ${journal.layout.stream} on ${journal.layout.subjects.join(' ')}; KV ${journal.layout.snapshotBucket}, ${journal.layout.checkpointBucket}`,
        ];
        if (nats.access) {
          const users = nats.access.users.map((u) => u.user).join(', ');
          lines.push(`  access     no anonymous clients; one nkey per role (${users}) in ${nats.access.dir}`);
          lines.push(`             agents write the leases of ${accessKeeper ? 'the networks bound to them (reloaded as bindings change)' : 'every network (no scheduler here to follow the bindings)'}`);
        }
        if (api) lines.push(`  api        ${api.subjects.length} operations on lh.api.v1.* (NATS micro-service "leasehold-api")`);
        const auth = options.api && options.api.http?.token ? 'admin_token --os-token <api.http_token>' : 'none';
        if (http) lines.push(`  openstack  ${http.url}  (Neutron API v2.0: openstack --os-auth-type ${auth} --os-endpoint ${http.url} network list)`);
        if (http) lines.push(`  console    ${http.url}/console/  (web console: agents, networks, leases, events)`);
        if (scheduler) {
          const c = scheduler.config;
          lines.push(`  scheduler  strategy ${c.strategy}, ${c.agentsPerNetwork} agent(s) per network, agent down after ${c.agentDownTime / 1000} s`);
        }
        if (agent) {
          const mappings = Object.entries(agent.config.interfaceMappings).map(([p, i]) => `${p}:${i}`).join(',') || 'none (set --interface-mappings physnet:interface)';
          lines.push(`  agent      ${agent.config.agentId}: DHCP on UDP ${agent.config.dhcpPort} of mapped interfaces; mappings ${mappings}`);
        }
        lines.push(
          `  history    projection snapshots in KV bucket ${journal.layout.projectionBucket}; ${compactor ? `full history kept ${days(history.retentionMs)}, compacted every ${history.compactEveryMs / 60_000} min` : 'compacted by the process that runs the scheduler'}`,
        );
        if (observability) lines.push(`  metrics    ${observability.url}/metrics  (health ${observability.url}/healthz, readiness ${observability.url}/readyz)`);
        return lines;
      },
      async stop() {
        // Reverse order: the agent first (it asks the API for its DHCP ports), NATS last.
        for (const part of started.reverse()) await part.stop().catch((error: unknown) => log(`stop failed: ${String(error)}`));
      },
    };
    observability?.attach(system);
    return system;
  } catch (error) {
    for (const part of started.reverse()) await part.stop().catch(() => {});
    throw error;
  }
}
