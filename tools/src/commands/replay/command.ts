/** `leasehold replay <aggregate> [--to SEQ] [--bundle FILE]`: an aggregate's history through its machine, checked. */
import { ApiClient } from '@leasehold/api/client';
import type { NatsConnection } from '@nats-io/transport-node';
import { Command } from 'commander';
import { resolveNatsTarget } from '../resources/connection.js';
import { CliError } from '../resources/errors.js';
import { parseInteger } from '../resources/flags.js';
import { readBundle } from '../export/bundle.js';
import { progress } from '../export/progress.js';
import { runTool, timeoutOf, withNatsFlags, type NatsFlags } from '../events/session.js';
import { parseAggregate } from './aggregate.js';
import { historyCompacted, snapshotName } from './history-start.js';
import { renderReport, renderReportJson } from './report.js';
import { diverged, runReplay, type ReplayReport } from './run.js';
import { bundleSource, natsSource, type EventSource } from './source.js';

/** Exit status when the replay disagrees with the snapshot or the live projection. */
export const EXIT_DIVERGED = 3;

interface ReplayFlags extends NatsFlags {
  readonly to?: string;
  readonly bundle?: string;
  readonly json?: boolean;
  readonly live?: boolean;
  readonly agentDownTime?: string;
}

/** The first divergence, as the one-line error. Pure. */
export function divergenceLine(report: ReplayReport): string {
  const which = report.snapshot.kind === 'diverged' ? ['snapshot', report.snapshot] as const : ['live projection', report.live] as const;
  const check = which[1];
  return check.kind === 'diverged' ? `error DIVERGED: the ${which[0]} of ${report.ref.name} diverges from the replay at seq ${check.seq}` : '';
}

/** Opens the source a journal tool reads: the bundle when given (no NATS), else the journal on NATS. */
export async function openSource(flags: NatsFlags & { bundle?: string }, connect: () => Promise<NatsConnection>): Promise<{ source: EventSource; client?: ApiClient }> {
  if (flags.bundle) return { source: bundleSource(await readBundle(flags.bundle), `bundle ${flags.bundle}`) };
  const nc = await connect();
  return { source: natsSource(nc, resolveNatsTarget(flags).url), client: new ApiClient(nc, { timeoutMs: timeoutOf(flags) }) };
}

export function replayCommand(): Command {
  return withNatsFlags(
    new Command('replay')
      .description('step an aggregate\'s events through its machine, showing each state and what changed; check the stored snapshot and the live API against it (exit 3 naming the first divergent sequence)')
      .argument('<aggregate>', 'network/<id>, lease/<networkId>/<ip>, lease6/<networkId>/<ipv6>, agent/<id>, port/<id> or binding/<networkId>')
      .option('--to <seq>', 'show the states up to this sequence (the checks still cover every event); below the first retained event of a compacted journal: exit 1, HISTORY_COMPACTED')
      .option('--bundle <file>', 'read a bundle written by `leasehold export` instead of NATS')
      .option('--no-live', 'do not ask the running API')
      .option('--agent-down-time <ms>', 'agent_down_time the scheduler judges agents with (agent aggregates)')
      .option('--json', 'one JSON object per step, then the checks and a summary'),
  ).action((aggregate: string, flags: ReplayFlags) =>
    runTool(flags, async (connect) => {
      const ref = parseAggregate(aggregate);
      const to = flags.to === undefined ? undefined : parseInteger('--to', flags.to, 1);
      const agentDownTime = flags.agentDownTime === undefined ? undefined : parseInteger('--agent-down-time', flags.agentDownTime, 1);
      const { source, client } = await openSource(flags, connect);
      const history = await source.history();
      if (to !== undefined && to < history.firstRetained) throw historyCompacted(history, to, '--to');
      const bar = progress(`replay ${ref.name}`);
      let report: ReplayReport;
      try {
        report = await runReplay(source, ref, {
          ...(client && flags.live !== false ? { client } : {}),
          ...(agentDownTime !== undefined ? { agentDownTime } : {}),
          onPending: (n) => bar.start(n),
          onStep: () => bar.increment(),
        });
      } finally {
        bar.stop();
      }
      if (!report.found) {
        const none = history.firstRetained > 1 ? ` (history from event ${history.firstRetained} on)${history.snapshot ? `, nor a state in snapshot ${snapshotName(history.snapshot)}` : ''}` : '';
        throw new CliError('NOT_FOUND', `no events for ${ref.name} (${ref.subject}) in ${source.name}${none}`, 'aggregate');
      }
      if (to !== undefined && report.origin.kind === 'snapshot' && to < report.initialSeq) {
        throw historyCompacted(history, to, '--to', `; ${ref.name}'s history began before it, so its states are known only from snapshot ${snapshotName(report.origin.snapshot)} on (--to ${report.initialSeq} or later)`);
      }
      const options = to !== undefined ? { to } : {};
      const lines = flags.json ? renderReportJson(report, options) : renderReport(report, options);
      process.stdout.write(`${lines.join('\n')}\n`);
      if (!diverged(report)) return 0;
      process.stderr.write(`${divergenceLine(report)}\n`);
      return EXIT_DIVERGED;
    }),
  );
}
