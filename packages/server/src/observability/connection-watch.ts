/**
 * Whether NATS connections are up now. `isClosed()` stays false while a
 * client reconnects (for ever, by default), so a process whose server died
 * would look healthy; the connection's status events say at once.
 */
import type { NatsConnection } from '@nats-io/transport-node';

export interface ConnectionWatch {
  /** The connections that are not connected now (closed, or lost and reconnecting), by name. */
  lost(): string[];
}

/** Follows each connection's disconnect and reconnect events from now on. */
export function watchConnections(connections: readonly NatsConnection[]): ConnectionWatch {
  const down = new Set<NatsConnection>();
  for (const nc of connections) {
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'disconnect') down.add(nc);
        else if (status.type === 'reconnect') down.delete(nc);
      }
    })().catch(() => {});
  }
  const nameOf = (nc: NatsConnection, i: number) => (nc as { options?: { name?: string } }).options?.name ?? `connection ${i + 1}`;
  return {
    lost: () => connections.flatMap((nc, i) => (nc.isClosed() || down.has(nc) ? [nameOf(nc, i)] : [])),
  };
}
