/**
 * Where the system's NATS comes from: `NATS_URL` when set, otherwise an
 * embedded `nats-server -js` spawned on a free loopback port with its store
 * under the data directory. Only the embedded case touches the data
 * directory: it locks it first (one system per directory; a second process
 * is refused before it spawns anything or writes a byte) and holds the lock
 * until the server has stopped.
 */
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, lockDataDir, startNatsServer, type NatsServer } from '@leasehold/journal';

export interface NatsRuntime {
  readonly url: string;
  /** The server this process spawned and owns, with the data directory; undefined when given a URL. */
  readonly embedded: NatsServer | undefined;
  readonly nc: NatsConnection;
  close(): Promise<void>;
}

export async function openNats(options: { natsUrl: string | undefined; dataDir: string; name: string }): Promise<NatsRuntime> {
  if (options.natsUrl) return connected(options.natsUrl, undefined, options.name, () => {});
  const lock = lockDataDir(options.dataDir);
  let embedded: NatsServer;
  try {
    embedded = await startNatsServer({ storeDir: join(options.dataDir, 'nats'), lock });
  } catch (error) {
    lock.release();
    throw error;
  }
  return connected(embedded.url, embedded, options.name, () => lock.release());
}

async function connected(url: string, embedded: NatsServer | undefined, name: string, release: () => void): Promise<NatsRuntime> {
  const stopServer = async () => {
    await embedded?.stop();
    // Only now: the server held the lock as well and has exited.
    release();
  };
  let nc: NatsConnection;
  try {
    // A cluster is given as a comma-separated list of URLs (nats.url in leasehold.yaml, NATS_URL).
    nc = await connectNats(splitServers(url), { name });
  } catch (error) {
    await stopServer();
    throw error;
  }
  return {
    url,
    embedded,
    nc,
    async close() {
      await nc.drain().catch(() => nc.close());
      await stopServer();
    },
  };
}

/** "nats://a:4222, nats://b:4222" → both URLs; one URL stays one. Pure. */
export function splitServers(url: string): string[] {
  return url.split(',').map((s) => s.trim()).filter(Boolean);
}
