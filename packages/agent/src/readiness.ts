/**
 * The agent's readiness reports: on `lh.api.agents.<agentId>.ready` (a plain
 * publish, no answer), how far its model has folded the journal (`position`)
 * and which networks it serves now (`networks`). The API shows a port ACTIVE
 * once an agent serving its network has folded the port's last event
 * (Neutron's dhcp_ready_on_ports), so a caller waiting for the port does not
 * go on before DHCP can answer it.
 *
 * Not in the heartbeat: that is a journal event every report interval
 * (30 s by default), far too slow for a port's status, and a journal event
 * per fold would double the journal's writes. A report is sent shortly after
 * the model folds a port, network or binding change or the served set
 * changes (many changes, one report), and every report interval besides, so
 * an API that started later learns it too.
 */
import { agentReadySubject } from '@leasehold/journal';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AgentConfig } from './config.js';
import type { ServedNetworks } from './served-networks.js';
import type { AgentModel } from './state/agent-model.js';

/** Changes within this long go out in one report. */
const COALESCE_MS = 5;

export interface ReadinessOptions {
  readonly config: Pick<AgentConfig, 'agentId' | 'reportIntervalMs'>;
  readonly nc: Pick<NatsConnection, 'publish'>;
  readonly model: Pick<AgentModel, 'position' | 'onChange'>;
  readonly served: Pick<ServedNetworks, 'current' | 'onReplace'>;
  readonly log: (line: string) => void;
}

/** One report's body (JSON). Pure. */
function readinessReport(position: number, networks: Iterable<string>): { position: number; networks: string[] } {
  return { position, networks: [...networks] };
}

export class ReadinessReports {
  private timer: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly options: ReadinessOptions) {}

  /** Sends one report now. A failure (a closed connection) is logged: the next one may get through. */
  send(): void {
    const { config, nc, model, served, log } = this.options;
    try {
      nc.publish(agentReadySubject(config.agentId), JSON.stringify(readinessReport(model.position, served.current.keys())));
    } catch (error) {
      log(`agent: readiness report failed: ${(error as Error).message}`);
    }
  }

  /** Asks for a report soon; changes until then share it. */
  changed(): void {
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      this.send();
    }, COALESCE_MS);
  }

  /** Reports now, after every change of the model but a lease's and of the served set, and every report interval. */
  start(): void {
    if (this.unsubscribe.length === 0) {
      this.unsubscribe = [
        this.options.model.onChange((change) => {
          if (change.kind !== 'lease') this.changed();
        }),
        this.options.served.onReplace(() => this.changed()),
      ];
    }
    this.send();
    this.timer ??= setInterval(() => this.send(), this.options.config.reportIntervalMs);
  }

  stop(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    clearInterval(this.timer);
    clearTimeout(this.pending);
    this.timer = this.pending = undefined;
  }
}
