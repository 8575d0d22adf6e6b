/**
 * Connecting to NATS and checking, once, that the server can hold a journal:
 * JetStream enabled and a version whose features we use (expected last
 * subject sequence and message-id de-duplication are in every 2.9+).
 */
import { readFileSync } from 'node:fs';
import { credsAuthenticator, nkeyAuthenticator, nkeys, type Authenticator } from '@nats-io/nats-core';
import { AuthorizationError, connect, TimeoutError, type NatsConnection } from '@nats-io/transport-node';
import { CredentialsError, UnsupportedServerError } from './errors.js';

export const MIN_SERVER_VERSION = '2.9.0';

export interface ConnectOptions {
  readonly name?: string;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  /** A file holding an nkey seed (`SU...`); the server knows the public key. */
  readonly nkeySeedFile?: string;
  /** A `.creds` file (user JWT + seed), for servers in operator (JWT) mode. */
  readonly credsFile?: string;
  /** TLS to NATS: CA to trust, and a client certificate and key for mutual TLS. */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  /**
   * Where replies come back. Default: `_INBOX.<user>` for a password user,
   * `_INBOX.<public key>` for an nkey or creds user (the only inbox the
   * generated permissions let that user subscribe to), else NATS's `_INBOX`.
   */
  readonly inboxPrefix?: string;
  /** Capture async stack traces on requests (off by default: costly on the hot path). */
  readonly asyncTraces?: boolean;
  /** How long each attempt at the first connection may take (default 5 s; see `FIRST_CONNECT_ATTEMPTS`). */
  readonly timeoutMs?: number;
  /** Keep reconnecting forever by default: a journal writer outlives server restarts; 0 turns reconnecting off. */
  readonly maxReconnectAttempts?: number;
  /**
   * Environment to take credentials from when the options give none
   * (default `process.env`): NATS_USER/NATS_PASSWORD, NATS_TOKEN, NATS_NKEY
   * (seed file), NATS_CREDS (creds file), NATS_CA/NATS_CERT/NATS_KEY (TLS
   * files), NATS_INBOX_PREFIX. Pass `{}` to ignore the environment.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The credential and TLS options named in an environment (see
 * `ConnectOptions.env`); empty variables count as unset. Pure.
 */
export function credentialsFromEnv(env: Readonly<Record<string, string | undefined>>): ConnectOptions {
  const get = (name: string) => (env[name] ? env[name] : undefined);
  const tls = { caFile: get('NATS_CA'), certFile: get('NATS_CERT'), keyFile: get('NATS_KEY') };
  return {
    ...(get('NATS_USER') ? { user: get('NATS_USER'), pass: get('NATS_PASSWORD') ?? '' } : {}),
    ...(get('NATS_TOKEN') ? { token: get('NATS_TOKEN') } : {}),
    ...(get('NATS_NKEY') ? { nkeySeedFile: get('NATS_NKEY') } : {}),
    ...(get('NATS_CREDS') ? { credsFile: get('NATS_CREDS') } : {}),
    ...(tls.caFile || tls.certFile || tls.keyFile ? { tls: dropUndefined(tls) } : {}),
    ...(get('NATS_INBOX_PREFIX') ? { inboxPrefix: get('NATS_INBOX_PREFIX') } : {}),
  };
}

/**
 * The options that log in with the credential in `path`, whichever kind it
 * is: an nkey seed (`SU...`, the files `leasehold start` generates), a
 * `.creds` file (user JWT and seed), or an environment file of `NAME=value`
 * lines with the variables of `credentialsFromEnv` (what `npm run cluster --
 * --auth` writes). The environment is not read. Throws `CredentialsError`.
 */
export function credentialsFromFile(path: string): ConnectOptions {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CredentialsError(`cannot read the credentials file ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (/^\s*SU[A-Z2-7]+\s*$/.test(text)) return { nkeySeedFile: path, env: {} };
  if (/-{3,}BEGIN NATS USER JWT-{3,}/.test(text)) return { credsFile: path, env: {} };
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*(?:export\s+)?(NATS_[A-Z_]+)=(.*?)\s*$/.exec(line);
    if (match) env[match[1]!] = match[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  const options = credentialsFromEnv(env);
  if (!options.user && !options.token && !options.nkeySeedFile && !options.credsFile) {
    throw new CredentialsError(`${path} holds no credential: expected an nkey seed (SU...), a .creds file, or NATS_USER/NATS_PASSWORD (or NATS_TOKEN, NATS_NKEY, NATS_CREDS) lines`);
  }
  return { ...options, env: {} };
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function readSecret(path: string, what: string): Uint8Array {
  try {
    // A seed file is trimmed; a creds file is kept whole (its parser needs the newline after the last armour line).
    const text = readFileSync(path, 'utf8');
    return new TextEncoder().encode(what === 'creds' ? `${text.trimEnd()}\n` : text.trim());
  } catch (error) {
    throw new CredentialsError(`cannot read the ${what} file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Resolved transport options: authenticators, TLS and the inbox prefix. Reads the key files. */
function authOptions(options: ConnectOptions) {
  const authenticators: Authenticator[] = [];
  let inboxPrefix = options.inboxPrefix;
  if (options.nkeySeedFile) {
    const seed = readSecret(options.nkeySeedFile, 'nkey seed');
    let publicKey: string;
    try {
      publicKey = nkeys.fromSeed(seed).getPublicKey();
    } catch (error) {
      throw new CredentialsError(`${options.nkeySeedFile} does not hold an nkey seed`, { cause: error });
    }
    authenticators.push(nkeyAuthenticator(seed));
    inboxPrefix ??= `_INBOX.${publicKey}`;
  }
  if (options.credsFile) {
    const creds = readSecret(options.credsFile, 'creds');
    const seed = /-{3,}BEGIN USER NKEY SEED-{3,}\s+(\S+)/.exec(new TextDecoder().decode(creds))?.[1];
    if (!seed) throw new CredentialsError(`${options.credsFile} is not a .creds file (no user nkey seed in it)`);
    authenticators.push(credsAuthenticator(creds));
    inboxPrefix ??= `_INBOX.${nkeys.fromSeed(new TextEncoder().encode(seed)).getPublicKey()}`;
  }
  if (options.user && !/[\s.*>]/.test(options.user)) inboxPrefix ??= `_INBOX.${options.user}`;
  return {
    ...(options.user ? { user: options.user, pass: options.pass ?? '' } : {}),
    ...(options.token ? { token: options.token } : {}),
    ...(authenticators.length > 0 ? { authenticator: authenticators } : {}),
    ...(options.tls ? { tls: { ...options.tls } } : {}),
    ...(inboxPrefix ? { inboxPrefix } : {}),
  };
}

/**
 * Connects and checks JetStream and the server version; throws
 * `UnsupportedServerError`. Credentials and TLS come from `options`, else
 * from the environment (`options.env`, default `process.env`).
 */
/**
 * Attempts at the first connection when the server refuses it as
 * unauthorized or the handshake times out. nats-server 2.9 re-checks every
 * connection when it reloads its configuration, and one whose handshake is
 * under way then is refused ("Authorization Violation") or closed without a
 * word, which nats.js only notices when its connect timeout ends; the owner
 * of an embedded server reloads it as bindings change (lease-access.ts). So
 * a refusal is tried again shortly, and each attempt's wait is 5 s, not
 * nats.js's 20 s. A credential that is wrong is still refused, a few hundred
 * milliseconds later; a server that never answers, after 25 s (five
 * attempts: three met a reload each in one run of a test reloading every 250 ms).
 */
export const FIRST_CONNECT_ATTEMPTS = 5;
const ATTEMPT_TIMEOUT_MS = 5_000;
const RETRY_PAUSE_MS = 100;

export async function connectNats(servers: string | string[], options: ConnectOptions = {}): Promise<NatsConnection> {
  const fromEnv = credentialsFromEnv(options.env ?? process.env);
  const explicit = options.user || options.token || options.nkeySeedFile || options.credsFile;
  const merged: ConnectOptions = {
    ...options,
    ...(explicit ? {} : fromEnv),
    tls: options.tls ?? fromEnv.tls,
    inboxPrefix: options.inboxPrefix ?? (explicit ? undefined : fromEnv.inboxPrefix),
  };
  const nc = await firstConnect(() =>
    connect({
      servers,
      name: options.name ?? 'leasehold',
      maxReconnectAttempts: options.maxReconnectAttempts ?? -1,
      ...(options.maxReconnectAttempts === 0 ? { reconnect: false } : {}),
      timeout: options.timeoutMs ?? ATTEMPT_TIMEOUT_MS,
      reconnectTimeWait: 250,
      // An Error object per request for async stack traces costs ~10% of a busy agent's CPU.
      noAsyncTraces: options.asyncTraces !== true,
      ...authOptions(merged),
    }),
  );
  try {
    checkServer(nc);
  } catch (error) {
    await nc.close();
    throw error;
  }
  return nc;
}

/** Runs `attempt` until it connects, trying again after a refusal or a timeout (`FIRST_CONNECT_ATTEMPTS` in all). */
async function firstConnect(attempt: () => Promise<NatsConnection>): Promise<NatsConnection> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const transient = error instanceof AuthorizationError || error instanceof TimeoutError;
      if (!transient || n >= FIRST_CONNECT_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    }
  }
}

/** Throws `UnsupportedServerError` unless the connected server has JetStream and is new enough. Pure. */
export function checkServer(nc: NatsConnection): void {
  const info = nc.info;
  if (!info) throw new UnsupportedServerError('connected, but the server sent no INFO');
  if (!info.jetstream) throw new UnsupportedServerError(`nats-server ${info.version} at ${nc.getServer()} has JetStream disabled (start it with -js)`);
  if (compareVersions(info.version, MIN_SERVER_VERSION) < 0) {
    throw new UnsupportedServerError(`nats-server ${info.version} is older than ${MIN_SERVER_VERSION}`);
  }
}

/** Compares dotted versions numerically ("2.10.1" > "2.9.10"). Pure. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
