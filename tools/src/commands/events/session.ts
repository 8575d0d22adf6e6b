/**
 * Running a journal tool against NATS: the server comes from `--nats-url`,
 * `NATS_URL` or `<data-dir>/nats.url` (as for every CLI command), the login
 * from `--nats-credentials`, the data directory's admin seed or the
 * environment; errors
 * print as `error CODE: message` and set the exit status.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { Command } from 'commander';
import { connectCli, resolveNatsTarget, type ConnectionFlags } from '../resources/connection.js';
import { CliError, errorLine, exitCodeOf, explainTransportError } from '../resources/errors.js';

export type NatsFlags = ConnectionFlags;

/** `--nats-url`, `--nats-credentials` and `--data-dir`, as the resource commands have them. */
export function withNatsFlags(command: Command): Command {
  return command
    .option('--nats-url <url>', 'NATS server holding the journal (default: $NATS_URL, else <data-dir>/nats.url)')
    .option('--nats-credentials <file>', 'log in with this nkey seed, .creds or NATS_USER/NATS_PASSWORD file (default: <data-dir>/credentials/admin.nk with the URL from the data dir, else $NATS_NKEY, $NATS_CREDS, $NATS_USER)')
    .option('--data-dir <dir>', 'data directory of a running `leasehold start` (default: $LEASEHOLD_DATA_DIR or ./.leasehold)')
    .option('--timeout <ms>', 'how long to wait for the server (and the API, where asked)', '10000');
}

/** Milliseconds from `--timeout`. Throws CliError. Pure. */
export function timeoutOf(flags: { timeout?: string }): number {
  const ms = Number(flags.timeout ?? 10_000);
  if (!Number.isFinite(ms) || ms <= 0) throw new CliError('INVALID_FLAG', `--timeout wants milliseconds, not ${flags.timeout}`, '--timeout');
  return ms;
}

/**
 * Runs `work` and sets the exit status: its return value, or the error's
 * code (2 for a usage mistake, 1 for a failure). `work` receives a
 * connection opened on first use, so a tool reading a bundle never connects.
 */
export async function runTool(flags: NatsFlags, work: (connect: () => Promise<NatsConnection>) => Promise<number | void>): Promise<void> {
  let nc: NatsConnection | undefined;
  let url = '';
  quietOnClosedPipe();
  try {
    const connect = async () => {
      if (nc) return nc;
      const timeoutMs = timeoutOf(flags);
      // The journal tools read the stream itself (and `history compact` purges it): the admin role.
      const target = resolveNatsTarget(flags, process.env, process.cwd(), 'admin');
      url = target.url;
      nc = await connectCli(target, timeoutMs);
      return nc;
    };
    const code = await work(connect);
    if (typeof code === 'number') process.exitCode = code;
  } catch (error) {
    const explained = explainTransportError(error, url);
    process.stderr.write(`${errorLine(explained)}\n`);
    process.exitCode = exitCodeOf(explained);
  } finally {
    await (nc as NatsConnection | undefined)?.close();
  }
}

let quiet = false;
/** `leasehold events dump | head`: a reader that went away is not an error. */
function quietOnClosedPipe(): void {
  if (quiet) return;
  quiet = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
