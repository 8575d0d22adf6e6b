/**
 * The agent's heartbeat job: one `AgentHeartbeat` (heartbeat.ts) now and
 * every report interval, saying which networks it serves and how many
 * ports they hold. The scheduler judges liveness and load by them, and the
 * agent's peers split clients among the agents they hear (live-agents.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Journal } from '@leasehold/journal';
import type { AgentConfig } from './config.js';
import { heartbeatEnvelope, heartbeatSubject } from './heartbeat.js';
import type { ServedNetworks } from './served-networks.js';
import type { AgentModel } from './state/agent-model.js';

export interface HeartbeatsOptions {
  readonly config: Pick<AgentConfig, 'agentId' | 'host' | 'availabilityZone' | 'interfaceMappings' | 'relayInterfaces' | 'reportIntervalMs'>;
  readonly journal: Pick<Journal, 'append'>;
  readonly model: Pick<AgentModel, 'portsOf'>;
  readonly served: Pick<ServedNetworks, 'current'>;
  readonly log: (line: string) => void;
}

export class Heartbeats {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: HeartbeatsOptions) {}

  /** Appends one heartbeat; rejects when the journal does not take it. */
  async send(): Promise<void> {
    const { config, journal, model, served } = this.options;
    const networks = [...served.current.keys()];
    const load = networks.reduce((n, id) => n + [...model.portsOf(id)].length, 0);
    await journal.append(heartbeatSubject(config.agentId), [heartbeatEnvelope(config, { networks, load }, { id: randomUUID(), at: Date.now() })]);
  }

  /** Sends one now and then every report interval; a failure is logged (the next one may get through). */
  async start(): Promise<void> {
    await this.sendLogged();
    this.timer ??= setInterval(() => void this.sendLogged(), this.options.config.reportIntervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private sendLogged(): Promise<void> {
    return this.send().catch((e: Error) => this.options.log(`agent: heartbeat failed: ${e.message}`));
  }
}
