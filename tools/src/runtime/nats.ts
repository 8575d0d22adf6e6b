/**
 * Where the system's NATS comes from: `NATS_URL` when set, otherwise an
 * embedded `nats-server -js` spawned on a free loopback port with its store
 * under the data directory.
 */
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, startNatsServer, type NatsServer } from '@leasehold/journal';

export interface NatsRuntime {
  readonly url: string;
  readonly embedded: NatsServer | undefined;
  readonly nc: NatsConnection;
  close(): Promise<void>;
}

export async function openNats(options: { natsUrl: string | undefined; dataDir: string; name: string }): Promise<NatsRuntime> {
  const embedded = options.natsUrl ? undefined : await startNatsServer({ storeDir: join(options.dataDir, 'nats') });
  const url = options.natsUrl ?? embedded!.url;
  let nc: NatsConnection;
  try {
    // A cluster is given as a comma-separated list of URLs (nats.url in leasehold.yaml, NATS_URL).
    nc = await connectNats(splitServers(url), { name: options.name });
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  return {
    url,
    embedded,
    nc,
    async close() {
      await nc.drain().catch(() => nc.close());
      await embedded?.stop();
    },
  };
}

/** "nats://a:4222, nats://b:4222" → both URLs; one URL stays one. Pure. */
export function splitServers(url: string): string[] {
  return url.split(',').map((s) => s.trim()).filter(Boolean);
}
