/**
 * `leasehold history`: where the journal's history starts, what holds it
 * there, and compaction by hand. `status` lists the stream's retained range,
 * the retention window's start, the compaction floor and every projection
 * snapshot; `compact` purges below the floor (the process that runs the
 * scheduler also does this every `history.compact_interval`). Compaction
 * needs a user allowed to purge the events stream (the admin role in a
 * locked-down system).
 */
import { Journal, ProjectionSnapshots, compactJournal, planCompaction, type CompactionPlan, type SnapshotInfo } from '@leasehold/journal';
import { Command } from 'commander';
import { CliError } from '../resources/errors.js';
import { runTool, withNatsFlags, type NatsFlags } from '../events/session.js';

interface HistoryFlags extends NatsFlags {
  readonly retention?: string;
  readonly json?: boolean;
}

const DEFAULT_RETENTION_S = 7 * 86_400;

/** Seconds from `--retention` (default: 7 days). Throws CliError. Pure. */
export function retentionMsOf(flags: { retention?: string }): number {
  const s = Number(flags.retention ?? DEFAULT_RETENTION_S);
  if (!Number.isFinite(s) || s < 0) throw new CliError('INVALID_FLAG', `--retention wants seconds, not ${flags.retention}`, '--retention');
  return s * 1000;
}

export interface HistoryStatus extends CompactionPlan {
  readonly bytes: number;
  readonly messages: number;
  readonly retentionMs: number;
  readonly snapshots: readonly SnapshotInfo[];
}

/** The report `status` prints. Pure. */
export function renderStatus(status: HistoryStatus, now = Date.now()): string {
  const mb = (b: number) => `${(b / 1_048_576).toFixed(1)} MB`;
  const lines = [
    `journal     events ${status.firstRetained}..${status.lastSeq} retained (${status.messages} messages, ${mb(status.bytes)})`,
    status.firstRetained > 1
      ? `            history before event ${status.firstRetained} was compacted into the projection snapshots below`
      : '            full history since event 1',
    `window      ${status.retentionMs / 1000} s: events from ${status.windowStart} on are inside it`,
    status.missing.length > 0
      ? `floor       nothing is removed until there is a snapshot of every kind of state (none yet: ${status.missing.join(', ')})`
      : `floor       ${status.floor}: compaction would remove ${status.removable} events${status.pinnedBy ? ` (held back by snapshot ${status.pinnedBy.name})` : ''}`,
    'snapshots',
  ];
  if (status.snapshots.length === 0) lines.push('            none yet');
  for (const s of status.snapshots) {
    const age = Math.max(0, Math.round((now - s.at) / 1000));
    lines.push(`            ${s.name.padEnd(24)} event ${String(s.seq).padEnd(10)} ${new Date(s.at).toISOString()} (${age} s ago)  v${s.v}  ${mb(s.bytes)}`);
  }
  return `${lines.join('\n')}\n`;
}

async function status(journal: Journal, retentionMs: number): Promise<HistoryStatus> {
  const snapshots = await ProjectionSnapshots.open(journal);
  const plan = await planCompaction(journal, snapshots, { windowMs: retentionMs });
  const { state } = await journal.jsm.streams.info(journal.layout.stream);
  return { ...plan, bytes: state.bytes, messages: state.messages, retentionMs, snapshots: await snapshots.list() };
}

export function historyCommand(): Command {
  const history = new Command('history').description('where the journal\'s history starts, the projection snapshots, and compaction');
  withNatsFlags(history.command('status', { isDefault: true }))
    .description('the retained range, the retention window, the compaction floor and every projection snapshot')
    .option('--retention <s>', 'retention window to plan with, in seconds (default 604800: 7 days)')
    .option('--json', 'print JSON')
    .action((flags: HistoryFlags) =>
      runTool(flags, async (connect) => {
        const journal = await Journal.open(await connect());
        const report = await status(journal, retentionMsOf(flags));
        process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report));
      }),
    );
  withNatsFlags(history.command('compact'))
    .description('remove the events outside the retention window that every snapshot already holds (a purge; one delete per event on a replicated journal)')
    .option('--retention <s>', 'full history to keep, in seconds (default 604800: 7 days; 0 keeps only what the snapshots need)')
    .option('--json', 'print JSON')
    .action((flags: HistoryFlags) =>
      runTool(flags, async (connect) => {
        const journal = await Journal.open(await connect());
        const result = await compactJournal(journal, await ProjectionSnapshots.open(journal), { windowMs: retentionMsOf(flags) });
        if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else
          process.stdout.write(
            result.purged > 0
              ? `compacted ${result.purged} events below event ${result.floor} by ${result.method}: ${(result.bytesBefore / 1_048_576).toFixed(1)} -> ${(result.bytesAfter / 1_048_576).toFixed(1)} MB\n`
              : result.missing.length > 0
                ? `nothing to compact: no snapshot of ${result.missing.join(', ')} yet\n`
                : `nothing to compact: the floor is event ${result.floor}${result.pinnedBy ? ` (held back by snapshot ${result.pinnedBy.name})` : ''}\n`,
          );
      }),
    );
  return history;
}
