/** `leasehold export`: a bundle of selected events (and their aggregates' snapshots) in one file. */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { defaultLayout } from '@leasehold/journal';
import { Command } from 'commander';
import { collect } from '../resources/flags.js';
import { badFlag } from '../resources/errors.js';
import { parseSince } from '../events/filter.js';
import { decodeRaw, eventsStreamInfo, readEvents, EVENTS_STREAM } from '../events/reader.js';
import { runTool, withNatsFlags, type NatsFlags } from '../events/session.js';
import { plural } from '../replay/report.js';
import { BundleWriter, type BundleHeader } from './bundle.js';
import { progress } from './progress.js';
import { selection } from './selection.js';

interface ExportFlags extends NatsFlags {
  readonly since?: string;
  readonly network?: string;
  readonly aggregate?: string[];
  readonly agents?: boolean;
  readonly output?: string;
  readonly snapshots?: boolean;
}

/** The one summary line. Pure. */
export function summaryLine(header: BundleHeader, file: string, bytes: number, ms: number): string {
  const snapshots = header.snapshots > 0 ? ` (+${plural(header.snapshots, 'snapshot')})` : '';
  return `exported ${plural(header.count, 'event')} of ${plural(header.aggregates, 'aggregate')}${snapshots} to ${file} (${(bytes / 1024).toFixed(1)} kB) in ${ms.toFixed(0)} ms`;
}

export function exportCommand(): Command {
  return withNatsFlags(
    new Command('export')
      .description('write a bundle (one gzip file: a JSON header line, then the stored events and snapshots) that `leasehold replay --bundle` reads with no NATS')
      .requiredOption('-o, --output <file>', 'the bundle to write')
      .option('--since <when>', 'a stream sequence (1234), an ISO time or a duration back from now (10m)')
      .option('--network <id>', "everything about one network: its network, binding, lease, IPAM and MAC subjects, its ports, and the agents' events")
      .option('--no-agents', 'with --network: leave the agents\' heartbeats out')
      .option('--aggregate <aggregate>', 'an aggregate, e.g. lease/<networkId>/<ip> (repeat for several)', collect)
      .option('--no-snapshots', 'leave the stored snapshots out'),
  ).action((flags: ExportFlags) =>
    runTool(flags, async (connect) => {
      const started = performance.now();
      if (!flags.output) throw badFlag('--output', 'give -o FILE');
      const file = resolve(flags.output);
      const start = flags.since === undefined ? undefined : parseSince(flags.since, Date.now());
      const select = selection(flags);
      const nc = await connect();
      const info = await eventsStreamInfo(nc);

      // Ports of the network created before --since: their later events belong too.
      if (select.network !== undefined && start !== undefined) {
        await readEvents(nc, { filter: 'lh.evt.port.>' }, (raw) => {
          const e = decodeRaw(raw).event;
          if (e?.type === 'PortCreated' && (e.data as { port?: { networkId?: string } }).port?.networkId === select.network) select.knowPort(raw.subject.split('.')[3]!);
        });
      }

      const writer = new BundleWriter(file);
      const bar = progress('export');
      const subjects = new Set<string>();
      try {
        let writes: Promise<void> = Promise.resolve();
        await readEvents(nc, { filter: select.server, ...(start ? { start } : {}), onPending: (n) => bar.start(n) }, (raw) => {
          bar.increment();
          if (!select.keeps(raw.subject, decodeRaw(raw).event)) return;
          subjects.add(raw.subject);
          writes = writes.then(() => writer.addEvent(raw));
        });
        await writes;
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
          ...(flags.network !== undefined ? { network: flags.network, agents: flags.agents !== false } : {}),
          ...(flags.aggregate ? { aggregate: flags.aggregate } : {}),
        },
        stream: {
          name: EVENTS_STREAM,
          firstSeq: info.state.first_seq,
          lastSeq: info.state.last_seq,
          messages: info.state.messages,
          ...(nc.info?.version ? { server: nc.info.version } : {}),
        },
      });
      const bytes = (await stat(file)).size;
      process.stdout.write(`${summaryLine(header, flags.output, bytes, performance.now() - started)}\n`);
    }),
  );
}
