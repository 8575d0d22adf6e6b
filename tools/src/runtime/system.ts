/**
 * Running parts of the system in this process on one NATS connection: the
 * API, the scheduler and a DHCP agent, each optional, so `leasehold start`
 * runs them all and `leasehold api|scheduler|agent` run one each (the
 * distributed layout: one agent per host, any number of APIs and schedulers).
 */
import { startAgent, type AgentConfig, type RunningAgent } from '@leasehold/agent';
import { startApiService, type ApiService } from '@leasehold/api';
import { Journal } from '@leasehold/journal';
import { schedulerConfig, startScheduler, type RunningScheduler, type SchedulerConfig } from '@leasehold/scheduler';
import type { NatsRuntime } from './nats.js';

export interface SystemOptions {
  readonly api?: { readonly agentDownTimeMs: number } | false;
  readonly scheduler?: Partial<SchedulerConfig> | false;
  readonly agent?: AgentConfig | false;
  readonly log?: (line: string) => void;
}

export interface RunningSystem {
  readonly journal: Journal;
  readonly api: ApiService | undefined;
  readonly scheduler: RunningScheduler | undefined;
  readonly agent: RunningAgent | undefined;
  /** Lines saying what runs and where, for the operator. */
  describe(): string[];
  stop(): Promise<void>;
}

export async function startSystem(nats: NatsRuntime, options: SystemOptions): Promise<RunningSystem> {
  const log = options.log ?? ((line: string) => console.error(line));
  const journal = await Journal.open(nats.nc);
  const started: { stop(): Promise<void> }[] = [];
  try {
    const api = options.api
      ? await startApiService(nats.nc, journal, {
          agentDownTimeMs: options.api.agentDownTimeMs,
          onInternalError: (error, subject) => log(`api: internal error on ${subject}: ${String(error)}`),
        })
      : undefined;
    if (api) started.push(api);
    const scheduler = options.scheduler ? await startScheduler(schedulerConfig(options.scheduler), { journal, log }) : undefined;
    if (scheduler) started.push(scheduler);
    const agent = options.agent ? await startAgent(options.agent, { nc: nats.nc, journal, log }) : undefined;
    if (agent) started.push(agent);

    const serverVersion = nats.nc.info?.version ?? 'unknown';
    return {
      journal,
      api,
      scheduler,
      agent,
      describe() {
        const lines = [
          nats.embedded
            ? `  nats       ${nats.url}  (embedded nats-server ${serverVersion}, pid ${nats.embedded.pid}, store ${nats.embedded.storeDir})`
            : `  nats       ${nats.url}  (nats-server ${serverVersion} from NATS_URL or --nats-url)`,
          `  journal    stream ${journal.layout.stream} on ${journal.layout.subjects.join(' ')}; KV ${journal.layout.snapshotBucket}, ${journal.layout.checkpointBucket}`,
        ];
        if (api) lines.push(`  api        ${api.subjects.length} operations on lh.api.v1.* (NATS micro-service "leasehold-api")`);
        if (scheduler) {
          const c = scheduler.config;
          lines.push(`  scheduler  strategy ${c.strategy}, ${c.agentsPerNetwork} agent(s) per network, agent down after ${c.agentDownTime / 1000} s`);
        }
        if (agent) {
          const mappings = Object.entries(agent.config.interfaceMappings).map(([p, i]) => `${p}:${i}`).join(',') || 'none (set --interface-mappings physnet:interface)';
          lines.push(`  agent      ${agent.config.agentId}: DHCP on UDP ${agent.config.dhcpPort} of mapped interfaces; mappings ${mappings}`);
        }
        return lines;
      },
      async stop() {
        // Reverse order: the agent first (it asks the API for its DHCP ports), NATS last.
        for (const part of started.reverse()) await part.stop().catch((error: unknown) => log(`stop: ${String(error)}`));
      },
    };
  } catch (error) {
    for (const part of started.reverse()) await part.stop().catch(() => {});
    throw error;
  }
}
