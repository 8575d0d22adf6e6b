/**
 * Connecting to NATS and checking, once, that the server can hold a journal:
 * JetStream enabled and a version whose features we use (expected last
 * subject sequence and message-id de-duplication are in every 2.9+).
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { UnsupportedServerError } from './errors.js';

export const MIN_SERVER_VERSION = '2.9.0';

export interface ConnectOptions {
  readonly name?: string;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  /** Keep reconnecting forever by default: a journal writer outlives server restarts. */
  readonly maxReconnectAttempts?: number;
}

/** Connects and checks JetStream and the server version; throws `UnsupportedServerError`. */
export async function connectNats(servers: string | string[], options: ConnectOptions = {}): Promise<NatsConnection> {
  const nc = await connect({
    servers,
    name: options.name ?? 'leasehold',
    maxReconnectAttempts: options.maxReconnectAttempts ?? -1,
    reconnectTimeWait: 250,
    ...(options.user ? { user: options.user, pass: options.pass } : {}),
    ...(options.token ? { token: options.token } : {}),
  });
  try {
    checkServer(nc);
  } catch (error) {
    await nc.close();
    throw error;
  }
  return nc;
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
