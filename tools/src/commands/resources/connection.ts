/**
 * Which NATS server the CLI talks to, and running one command against the
 * API there. The URL comes from `--nats-url`, then `NATS_URL`, then the
 * `nats.url` file a running `leasehold start` keeps in its data directory.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ApiClient } from '@leasehold/api';
import { connectNats } from '@leasehold/journal';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Command } from 'commander';
import { splitServers } from '../../runtime/nats.js';
import { NATS_URL_FILE } from '../start.js';
import { CliError, EXIT_FAILURE, errorLine, exitCodeOf, explainTransportError } from './errors.js';
import { renderJson } from './output.js';

export interface ConnectionFlags {
  readonly natsUrl?: string;
  readonly dataDir?: string;
  readonly json?: boolean;
  readonly timeout?: string;
}

export interface NatsTarget {
  readonly url: string;
  /** Where the URL came from, for error messages. */
  readonly source: string;
}

/** Adds the flags every API command shares. */
export function withConnectionFlags(command: Command): Command {
  return command
    .option('--nats-url <url>', 'NATS server of the API (default: $NATS_URL, else <data-dir>/nats.url)')
    .option('--data-dir <dir>', 'data directory of a running `leasehold start` (default: $LEASEHOLD_DATA_DIR or ./.leasehold)')
    .option('--timeout <ms>', 'how long to wait for the API', '10000')
    .option('--json', "print the API's JSON reply instead of a table");
}

/** Decides the NATS URL from flags, environment and the data directory; reads the nats.url file if needed. */
export function resolveNatsTarget(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): NatsTarget {
  if (flags.natsUrl) return { url: flags.natsUrl, source: '--nats-url' };
  if (env.NATS_URL) return { url: env.NATS_URL, source: 'NATS_URL' };
  const dataDir = resolve(cwd, flags.dataDir || env.LEASEHOLD_DATA_DIR || './.leasehold');
  const file = join(dataDir, NATS_URL_FILE);
  let url = '';
  try {
    url = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (!url) {
    throw new CliError(
      'NO_NATS_URL',
      `no NATS server given: pass --nats-url nats://HOST:PORT or set NATS_URL, or run \`leasehold start\` (it writes ${file}; use --data-dir if it runs elsewhere)`,
      '--nats-url',
    );
  }
  return { url, source: file };
}

/** Connects once, without retrying: a CLI should fail fast and say why. */
export async function connectCli(target: NatsTarget, timeoutMs: number): Promise<NatsConnection> {
  try {
    // connectNats takes credentials and TLS from the environment (NATS_USER, NATS_CREDS, NATS_CA, ...), as the servers do.
    return await connectNats(splitServers(target.url), { name: 'leasehold-cli', timeoutMs, maxReconnectAttempts: 0 });
  } catch (error) {
    const hint = target.source === '--nats-url' || target.source === 'NATS_URL' ? '' : ' (the file may be stale: is `leasehold start` still running?)';
    throw new CliError(
      'UNAVAILABLE',
      `cannot reach NATS at ${target.url} from ${target.source}: ${error instanceof Error ? error.message : String(error)}${hint}`,
      undefined,
      EXIT_FAILURE,
      { cause: error },
    );
  }
}

export interface Session {
  readonly client: ApiClient;
  /** Prints a reply: its JSON with --json, else what `table` renders. */
  print(reply: unknown, table: () => string): void;
}

/**
 * Runs `work` with an API client, then closes the connection. Errors are
 * printed as `error CODE (field): message` on stderr and set the exit status.
 */
export async function runWithApi(flags: ConnectionFlags, work: (session: Session) => Promise<void>): Promise<void> {
  let nc: NatsConnection | undefined;
  let url = '';
  try {
    const timeoutMs = Number(flags.timeout ?? 10_000);
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new CliError('INVALID_FLAG', `--timeout wants milliseconds, not ${flags.timeout}`, '--timeout');
    const target = resolveNatsTarget(flags);
    url = target.url;
    nc = await connectCli(target, timeoutMs);
    const client = new ApiClient(nc, { timeoutMs });
    await work({
      client,
      print: (reply, table) => process.stdout.write(`${flags.json ? renderJson(reply) : table()}\n`),
    });
  } catch (error) {
    const explained = explainTransportError(error, url);
    process.stderr.write(`${errorLine(explained)}\n`);
    process.exitCode = exitCodeOf(explained);
  } finally {
    await nc?.close();
  }
}
