/**
 * `leasehold export`: a bundle of selected events (and their aggregates'
 * snapshots) in one file. When the bundle's history starts after event 1
 * (the journal was compacted, or --since), it also carries the API read
 * model's snapshot that holds what came before, and reads from the event
 * after it, so a replay of the bundle starts from the same state a replay
 * on NATS does.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ReadModel } from '@leasehold/api';
import { ProjectionSnapshots, defaultLayout, jetstreamManagerAfterReloads, type SnapshotInfo } from '@leasehold/journal';
import { portIdOf } from '@leasehold/resources';
import type { NatsConnection } from '@nats-io/transport-node';
import { Command } from 'commander';
import { collect } from '../resources/flags.js';
import { badFlag } from '../resources/errors.js';
import { parseSince, type Start } from '../events/filter.js';
import { decodeRaw, eventsStreamInfo, readEvents, EVENTS_STREAM } from '../events/reader.js';
import { runTool, withNatsFlags, type NatsFlags } from '../events/session.js';
import { bundleBase, historyJson, historyLine, refOf, restoreModel, snapshotName, type HistoryStart, type SnapshotRef } from '../replay/history-start.js';
import { plural } from '../replay/report.js';
import { BundleWriter, type BundleHeader, type BundleHistory } from './bundle.js';
import { progress } from './progress.js';
import { natsNetworkEvents, networkIdByName } from './network-name.js';
import { selection } from './selection.js';

interface ExportFlags extends NatsFlags {
  readonly since?: string;
  readonly network?: string;
  readonly aggregate?: string[];
  readonly agents?: boolean;
  readonly output?: string;
  readonly snapshots?: boolean;
  readonly json?: boolean;
}

/** The one summary line. Pure. */
export function summaryLine(header: BundleHeader, file: string, bytes: number, ms: number): string {
  const extras = [
    ...(header.snapshots > 0 ? [`+${plural(header.snapshots, 'snapshot')}`] : []),
    ...(header.history?.snapshots ?? []).map((s) => `+projection snapshot ${snapshotName(s)}`),
  ];
  const snapshots = extras.length > 0 ? ` (${extras.join(', ')})` : '';
  return `exported ${plural(header.count, 'event')} of ${plural(header.aggregates, 'aggregate')}${snapshots} to ${file} (${(bytes / 1024).toFixed(1)} kB) in ${ms.toFixed(0)} ms`;
}

/** A bundle's history as the journal tools render it. Pure. */
export function bundleHistoryStart(h: BundleHistory): HistoryStart {
  const snapshot = h.snapshots[0];
  return {
    firstRetained: h.firstRetained,
    firstRetainedAt: h.firstRetainedAt ?? undefined,
    cause: h.cause ?? undefined,
    snapshot: snapshot ? refOf(snapshot) : undefined,
    model: undefined,
    others: h.others,
    problem: h.problem,
  };
}

/** The first event stored at or after `time` (last + 1 when none). */
async function firstSeqAt(nc: NatsConnection, time: number, last: number): Promise<number> {
  let seq = last + 1;
  await readEvents(nc, { filter: 'lh.evt.>', start: { time } }, (raw) => {
    seq = raw.seq;
    return false;
  });
  return seq;
}

interface BundleStart {
  /** The first event the export reads. */
  readonly from: number;
  readonly history: BundleHistory;
  /** The API snapshot the bundle carries, its packed state, and the read model it holds. */
  readonly base?: { readonly info: SnapshotInfo; readonly bytes: Uint8Array; readonly model: ReadModel };
}

/**
 * Where the bundle's history starts: the stream's first retained event or
 * --since, moved back to the event after the API snapshot it then carries
 * (see `bundleBase`).
 */
async function bundleStart(nc: NatsConnection, firstRetained: number, lastSeq: number, start: Start | undefined, withSnapshots: boolean): Promise<BundleStart> {
  let from = firstRetained;
  if (start) from = Math.max(firstRetained, 'seq' in start ? start.seq : await firstSeqAt(nc, start.time, lastSeq));
  const cause = (at: number) => (at <= 1 ? null : at === firstRetained ? ('compacted' as const) : ('exported' as const));
  const timeOf = async (seq: number) => (await (await jetstreamManagerAfterReloads(nc)).streams.getMessage(EVENTS_STREAM, { seq }).catch(() => null))?.time.getTime() ?? null;
  if (from <= 1) return { from, history: { firstRetained: from, firstRetainedAt: null, cause: null, snapshots: [], others: [] } };
  const none = (problem: string, others: readonly SnapshotRef[] = []): BundleStart => ({ from, history: { firstRetained: from, firstRetainedAt: null, cause: cause(from), snapshots: [], others, problem } });
  if (!withSnapshots) return withTime(none('left out of the bundle (--no-snapshots)'), timeOf);
  const store = await ProjectionSnapshots.openReadOnly(nc);
  const list = store ? await store.list() : [];
  const pick = bundleBase(list, firstRetained, from);
  const others = list.filter((s) => s.name !== pick.base?.name).map(refOf);
  if (!store || !pick.base) return withTime(none(pick.problem ?? 'no API read-model snapshot is stored', others), timeOf);
  const read = await store.read(pick.base.name);
  if (!read) return withTime(none(`snapshot ${snapshotName(pick.base)} went away while it was read`, others), timeOf);
  let model: ReadModel;
  try {
    model = restoreModel(read.bytes);
  } catch (error) {
    return withTime(none(`snapshot ${snapshotName(read.info)} cannot be restored: ${(error as Error).message}`, others), timeOf);
  }
  const history: BundleHistory = { firstRetained: pick.from, firstRetainedAt: null, cause: cause(pick.from), snapshots: [read.info], others };
  return withTime({ from: pick.from, history, base: { ...read, model } }, timeOf);
}

async function withTime(start: BundleStart, timeOf: (seq: number) => Promise<number | null>): Promise<BundleStart> {
  return { ...start, history: { ...start.history, firstRetainedAt: await timeOf(start.from) } };
}

export function exportCommand(): Command {
  return withNatsFlags(
    new Command('export')
      .description('write a bundle (one gzip file: a JSON header line, then the stored events and snapshots) that `leasehold replay --bundle` reads with no NATS')
      .requiredOption('-o, --output <file>', 'the bundle to write')
      .option('--since <when>', 'a stream sequence (1234), an ISO time or a duration back from now (10m)')
      .option('--network <network>', "everything about one network (name or id): its network, binding, lease, IPAM and MAC subjects, its ports, and the agents' events")
      .option('--no-agents', 'with --network: leave the agents\' heartbeats out')
      .option('--aggregate <aggregate>', 'an aggregate, e.g. lease/<networkId>/<ip> (repeat for several)', collect)
      .option('--no-snapshots', 'leave the stored snapshots out (also the API snapshot a bundle of a compacted journal, or one --since, needs to rebuild state)')
      .option('--json', 'print the bundle\'s header and where its history starts as JSON'),
  ).action((flags: ExportFlags) =>
    runTool(flags, async (connect) => {
      const started = performance.now();
      if (!flags.output) throw badFlag('--output', 'give -o FILE');
      const file = resolve(flags.output);
      const start = flags.since === undefined ? undefined : parseSince(flags.since, Date.now());
      const nc = await connect();
      const info = await eventsStreamInfo(nc);
      const firstRetained = info.state.messages === 0 ? info.state.last_seq + 1 : info.state.first_seq;
      const begin = await bundleStart(nc, firstRetained, info.state.last_seq, start, flags.snapshots !== false);
      // A name is as good as an id (as for `net show`).
      const network = flags.network === undefined ? undefined : await networkIdByName(flags.network, natsNetworkEvents(nc), begin.base?.model);
      const select = selection({ ...flags, ...(network !== undefined ? { network } : {}) });

      // Ports of the network created before the bundle's start: their later events belong too.
      if (select.network !== undefined && begin.base) {
        for (const [id, port] of begin.base.model.ports) if (port.value.networkId === select.network) select.knowPort(id);
      }
      if (select.network !== undefined && begin.from > firstRetained) {
        await readEvents(nc, { filter: 'lh.evt.port.>' }, (raw) => {
          const e = decodeRaw(raw).event;
          if (e?.type === 'PortCreated' && (e.data as { port?: { networkId?: string } }).port?.networkId === select.network) select.knowPort(portIdOf(raw.subject)!);
        });
      }

      const writer = new BundleWriter(file);
      const bar = progress('export');
      const subjects = new Set<string>();
      try {
        let writes: Promise<void> = Promise.resolve();
        await readEvents(nc, { filter: select.server, ...(begin.from > firstRetained ? { start: { seq: begin.from } } : {}), onPending: (n) => bar.start(n) }, (raw) => {
          bar.increment();
          if (!select.keeps(raw.subject, decodeRaw(raw).event)) return;
          subjects.add(raw.subject);
          writes = writes.then(() => writer.addEvent(raw));
        });
        await writes;
        if (begin.base) await writer.addProjection(begin.base.info, begin.base.bytes);
        if (flags.snapshots !== false) {
          const bucket = defaultLayout.snapshotBucket;
          const prefix = `$KV.${bucket}.`;
          try {
            const found: [string, Uint8Array][] = [];
            await readEvents(nc, { filter: `${prefix}>`, lastPerSubject: true }, (raw) => {
              const subject = raw.subject.slice(prefix.length);
              if (subjects.has(subject) && raw.data.length > 0) found.push([subject, raw.data]);
            }, `KV_${bucket}`);
            for (const [subject, value] of found) await writer.addSnapshot(subject, value);
          } catch (error) {
            if (!(error instanceof Error && 'code' in error && error.code === 'NO_JOURNAL')) throw error;
          }
        }
      } catch (error) {
        bar.stop();
        await writer.abort();
        throw error;
      }
      bar.stop();
      const header = await writer.finish({
        filters: {
          ...(flags.since !== undefined ? { since: flags.since } : {}),
          ...(start ? { start } : {}),
          ...(network !== undefined ? { network, agents: flags.agents !== false } : {}),
          ...(flags.aggregate ? { aggregate: flags.aggregate } : {}),
        },
        stream: {
          name: EVENTS_STREAM,
          firstSeq: info.state.first_seq,
          lastSeq: info.state.last_seq,
          messages: info.state.messages,
          ...(nc.info?.version ? { server: nc.info.version } : {}),
        },
        history: begin.history,
      });
      const bytes = (await stat(file)).size;
      const ms = performance.now() - started;
      const history = bundleHistoryStart(begin.history);
      if (flags.json) {
        const { history: _h, ...rest } = header;
        process.stdout.write(`${JSON.stringify({ file: flags.output, bytes, ms: Math.round(ms), header: rest, history: historyJson(history) })}\n`);
        return;
      }
      const line = historyLine(history);
      process.stdout.write(`${summaryLine(header, flags.output, bytes, ms)}\n${line ? `${line}\n` : ''}`);
    }),
  );
}
