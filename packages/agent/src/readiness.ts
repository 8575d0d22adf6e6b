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
 *
 * The first change after a quiet spell is reported at once (on a timer of
 * 0, so one fold batch is one report); later ones at most one per
 * MIN_GAP_MS. The networks go only in a full report (at start, every report
 * interval, and when the served set was replaced): a change report carries
 * the position alone, so a burst of ports on an agent serving a thousand
 * networks costs a few bytes per report, not 37 kB.
 */
import { agentReadySubject } from '@leasehold/journal';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AgentConfig } from './config.js';
import type { ServedNetworks } from './served-networks.js';
import type { AgentModel } from './state/agent-model.js';

/** Change reports go at most this often (the rest wait and share one). */
const MIN_GAP_MS = 5;

export interface ReadinessOptions {
  readonly config: Pick<AgentConfig, 'agentId' | 'reportIntervalMs'>;
  readonly nc: Pick<NatsConnection, 'publish'>;
  readonly model: Pick<AgentModel, 'position' | 'onChange'>;
  readonly served: Pick<ServedNetworks, 'current' | 'onReplace'>;
  readonly log: (line: string) => void;
}

/** One report's body (JSON): the networks only in a full report. Pure. */
function readinessReport(position: number, networks: Iterable<string> | undefined): { position: number; networks?: string[] } {
  return networks ? { position, networks: [...networks] } : { position };
}

export class ReadinessReports {
  private timer: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void)[] = [];
  /** The served set the last report named (a replace makes a new one); undefined: name it. */
  private reported: ReadonlyMap<string, unknown> | undefined;
  private lastSentAt = -Infinity;

  constructor(private readonly options: ReadinessOptions) {}

  /**
   * Sends one report now: `full` (or the served set replaced since the last
   * one) names the networks. A failure (a closed connection) is logged, and
   * the next report is a full one: the next one may get through.
   */
  send(full = true): void {
    const { config, nc, model, served, log } = this.options;
    const current = served.current;
    const named = full || this.reported !== current;
    try {
      nc.publish(agentReadySubject(config.agentId), JSON.stringify(readinessReport(model.position, named ? current.keys() : undefined)));
      if (named) this.reported = current;
    } catch (error) {
      this.reported = undefined;
      log(`agent: readiness report failed: ${(error as Error).message}`);
    }
    this.lastSentAt = performance.now();
  }

  /** Asks for a report: at once after a quiet spell, else MIN_GAP_MS after the last one; changes until then share it. */
  changed(): void {
    this.pending ??= setTimeout(
      () => {
        this.pending = undefined;
        this.send(false);
      },
      Math.max(0, this.lastSentAt + MIN_GAP_MS - performance.now()),
    );
  }

  /** Reports now, after every change of the model but a lease's and of the served set, and every report interval. */
  start(): void {
    if (this.unsubscribe.length === 0) {
      this.unsubscribe = [
        this.options.model.onChange((change) => {
          if (change.kind !== 'lease' && change.kind !== 'lease6') this.changed();
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
