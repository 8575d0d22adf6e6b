/** `leasehold events tail|dump|quarantined`: the journal as readable lines or JSON lines. */
import type { NatsConnection } from '@nats-io/transport-node';
import { Command, Option } from 'commander';
import { collect } from '../resources/flags.js';
import { badFlag } from '../resources/errors.js';
import { eventFilter, keeps, type EventFilter, type EventFilterFlags } from './filter.js';
import { renderQuarantinedJson, renderQuarantinedLine, scanQuarantined } from './quarantined.js';
import { decodeRaw, readEvents } from './reader.js';
import { renderEventJson, renderEventLine } from './render.js';
import { runTool, withNatsFlags, type NatsFlags } from './session.js';

interface EventsFlags extends EventFilterFlags, NatsFlags {
  readonly json?: boolean;
  readonly count?: string;
  readonly for?: string;
}

function filterFlags(command: Command): Command {
  return withNatsFlags(
    command
      .option('--type <kind>', 'aggregate type: network, port, lease, agent, binding, ipam, mac')
      .option('--id <id>', 'aggregate id or subject tokens (net-1, net-1/198.18.0.5); without --type, any subject holding it')
      .option('--subject <pattern>', 'NATS subject wildcard, e.g. lh.evt.lease.net-1.*')
      .option('--since <when>', 'a stream sequence (1234), an ISO time (2026-11-24T10:00:00Z) or a duration back from now (10m, 1h30m)')
      .option('--event <type>', 'event type, e.g. LeaseBound (repeat for several)', collect)
      .option('--json', 'one JSON object per line, data as stored'),
  );
}

function positive(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw badFlag(flag, `${flag} wants a positive number, not ${value}`);
  return n;
}

/**
 * Prints the events that pass `filter`; resolves with how many were printed.
 * `limit` stops after that many printed; `signal` stops a follow.
 */
async function printEvents(
  connect: () => Promise<NatsConnection>,
  filter: EventFilter,
  options: { json: boolean; follow: boolean; limit?: number; signal?: AbortSignal },
): Promise<number> {
  const nc = await connect();
  let printed = 0;
  const render = options.json ? renderEventJson : renderEventLine;
  await readEvents(
    nc,
    {
      filter: filter.server,
      ...(filter.start ? { start: filter.start } : {}),
      follow: options.follow,
      onlyNew: options.follow,
      ...(options.signal ? { signal: options.signal } : {}),
    },
    (raw) => {
      const record = decodeRaw(raw);
      if (!keeps(filter, raw.subject, record.event?.type)) return true;
      process.stdout.write(`${render(record)}\n`);
      printed++;
      return options.limit === undefined || printed < options.limit;
    },
  );
  return printed;
}

export function eventsCommand(): Command {
  const events = new Command('events').description('read the journal: dump what is stored, tail it live, or list what the projections quarantined');

  filterFlags(events.command('dump').description('print the stored events that match, oldest first, and exit')).action((flags: EventsFlags) =>
    runTool(flags, async (connect) => {
      await printEvents(connect, eventFilter(flags, Date.now()), { json: flags.json === true, follow: false });
    }),
  );

  filterFlags(events.command('tail').description('print matching events as they are stored, until Ctrl-C (or --count / --for); --since starts in the past'))
    .addOption(new Option('--count <n>', 'stop after printing n events'))
    .addOption(new Option('--for <seconds>', 'stop after this many seconds'))
    .action((flags: EventsFlags) =>
      runTool(flags, async (connect) => {
        const filter = eventFilter(flags, Date.now());
        const limit = positive('--count', flags.count);
        const seconds = positive('--for', flags.for);
        const abort = new AbortController();
        const stop = () => abort.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        const timer = seconds === undefined ? undefined : setTimeout(stop, seconds * 1000);
        try {
          await printEvents(connect, filter, { json: flags.json === true, follow: true, signal: abort.signal, ...(limit !== undefined ? { limit } : {}) });
        } finally {
          clearTimeout(timer);
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      }),
    );
  filterFlags(
    events
      .command('quarantined')
      .description('list the stored events every projection skips (they do not validate: unknown version, bad data, wrong subject, undecodable), with what is wrong with each'),
  ).action((flags: EventsFlags) =>
    runTool(flags, async (connect) => {
      const json = flags.json === true;
      const filter = eventFilter(flags, Date.now());
      const { scanned, quarantined } = await scanQuarantined(await connect(), filter, (record) => {
        process.stdout.write(`${json ? renderQuarantinedJson(record) : renderQuarantinedLine(record)}\n`);
      });
      if (!json) process.stderr.write(`${quarantined} of ${scanned} events quarantined\n`);
    }),
  );
  return events;
}
