/**
 * Which NATS server the CLI talks to, as whom, and running one command
 * against the API there. The URL comes from `--nats-url`, then `NATS_URL`,
 * then the `nats.url` file a running `leasehold start` keeps in its data
 * directory. The credential comes from `--nats-credentials`; else, when the
 * URL came from the data directory, from that system's own
 * `credentials/<user>.nk` (the client role for the API commands, admin for
 * the journal tools); else from the environment (NATS_USER, NATS_NKEY,
 * NATS_CREDS, ...), as the servers take theirs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ApiClient } from '@leasehold/api/client';
import { connectNats, CredentialsError, credentialsFromFile, localConnectOptions, localSeedFile, type ConnectOptions } from '@leasehold/journal';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Command } from 'commander';
import { NATS_URL_FILE, splitServers } from '@leasehold/server';
import { CliError, EXIT_FAILURE, errorJson, errorLine, exitCodeOf, explainTransportError } from './errors.js';
import { listGrid, recordGrid, renderGrid, renderRecordAs, type FormatFlags } from './formats.js';
import { renderJson, type Column } from './output.js';
import type { PagingFlags } from './paging.js';

export interface ConnectionFlags extends FormatFlags, PagingFlags {
  readonly natsUrl?: string;
  readonly natsCredentials?: string;
  readonly dataDir?: string;
  readonly json?: boolean;
  readonly timeout?: string;
}

export interface NatsTarget {
  readonly url: string;
  /** Where the URL came from, for error messages. */
  readonly source: string;
  /** The credential to log in with and where it came from; absent: the environment's, if any. */
  readonly credentials?: { readonly options: ConnectOptions; readonly source: string };
}

/** Whom the CLI logs in as on a local system: the API commands need only the client role, the journal tools read and purge the stream. */
export type CliUser = 'client' | 'admin';

/** Adds the flags every API command shares. */
export function withConnectionFlags(command: Command): Command {
  return command
    .option('--nats-url <url>', 'NATS server of the API (default: $NATS_URL, else <data-dir>/nats.url)')
    .option('--nats-credentials <file>', 'log in with this nkey seed, .creds or NATS_USER/NATS_PASSWORD file (default: <data-dir>/credentials/client.nk with the URL from the data dir, else $NATS_NKEY, $NATS_CREDS, $NATS_USER)')
    .option('--data-dir <dir>', 'data directory of a running `leasehold start` (default: $LEASEHOLD_DATA_DIR or ./.leasehold)')
    .option('--timeout <ms>', 'how long to wait for the API', '10000')
    .option('--json', "print the API's JSON reply instead of a table");
}

/**
 * Decides the NATS URL and the credential from flags, environment and the
 * data directory; reads the nats.url file and a credentials file if needed.
 */
export function resolveNatsTarget(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), user: CliUser = 'client'): NatsTarget {
  const given = flags.natsCredentials ? fromFlag(resolve(cwd, flags.natsCredentials)) : undefined;
  const target = resolveUrl(flags, env, cwd);
  if (given) return { ...target, credentials: given };
  if (target.dataDir === undefined) return { url: target.url, source: target.source };
  // The system found through its data directory is logged into with its own credential (none on a system older than them).
  const seed = localSeedFile(target.dataDir, user);
  if (!existsSync(seed)) return { url: target.url, source: target.source };
  return { url: target.url, source: target.source, credentials: { options: localConnectOptions(target.dataDir, user), source: seed } };
}

function fromFlag(file: string): NatsTarget['credentials'] {
  try {
    return { options: credentialsFromFile(file), source: file };
  } catch (error) {
    throw new CliError('INVALID_FLAG', (error as Error).message, '--nats-credentials', undefined, { cause: error });
  }
}

function resolveUrl(flags: ConnectionFlags, env: NodeJS.ProcessEnv, cwd: string): { url: string; source: string; dataDir?: string } {
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
  return { url, source: file, dataDir };
}

/** Connects once, without retrying: a CLI should fail fast and say why. */
export async function connectCli(target: NatsTarget, timeoutMs: number): Promise<NatsConnection> {
  try {
    // Without a credential of its own, connectNats takes credentials and TLS from the environment (NATS_USER, NATS_CREDS, NATS_CA, ...), as the servers do.
    return await connectNats(splitServers(target.url), { name: 'leasehold-cli', timeoutMs, maxReconnectAttempts: 0, ...target.credentials?.options });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof CredentialsError) {
      const hint = /EACCES|permission denied/i.test(message) ? ': only the user that runs `leasehold start` may read its credentials (run as that user, or pass --nats-credentials)' : '';
      throw new CliError('CREDENTIALS', `${message}${hint}`, undefined, EXIT_FAILURE, { cause: error });
    }
    if (/authorization violation|authentication/i.test(message)) {
      const who = target.credentials ? `as ${target.credentials.source}` : 'without credentials';
      throw new CliError(
        'UNAUTHORIZED',
        `NATS at ${target.url} refused the login ${who}: pass --nats-credentials FILE or set NATS_NKEY, NATS_CREDS or NATS_USER/NATS_PASSWORD (a system run by \`leasehold start\` keeps its own in <data-dir>/credentials/)`,
        '--nats-credentials',
        EXIT_FAILURE,
        { cause: error },
      );
    }
    const hint = target.source === '--nats-url' || target.source === 'NATS_URL' ? '' : ' (the file may be stale: is `leasehold start` still running?)';
    throw new CliError(
      'UNAVAILABLE',
      `cannot reach NATS at ${target.url} from ${target.source}: ${message}${hint}`,
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
  /** Prints a list: the API's reply with --json, else its rows under `columns` in -f's format (-c, --sort). */
  printList<T>(reply: unknown, rows: readonly T[], columns: readonly Column<T>[]): void;
  /** Prints one resource: the API's reply with --json, else its fields in -f's format (-c). */
  printRecord(reply: unknown, resource: object): void;
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
    const write = (reply: unknown, text: () => string) => process.stdout.write(`${flags.json ? renderJson(reply) : text()}\n`);
    await work({
      client,
      print: write,
      printList: (reply, rows, columns) => write(reply, () => renderGrid(listGrid(rows, columns, flags), flags.format ?? 'table')),
      printRecord: (reply, resource) => write(reply, () => renderRecordAs(recordGrid(resource, flags), flags.format ?? 'table')),
    });
  } catch (error) {
    const explained = explainTransportError(error, url);
    // A script that asked for JSON gets its errors as JSON too.
    process.stderr.write(`${flags.json || flags.format === 'json' ? errorJson(explained) : errorLine(explained)}\n`);
    process.exitCode = exitCodeOf(explained);
  } finally {
    await nc?.close();
  }
}
