// JetStream's manager, got in a way that survives nats-server 2.9.10's configuration reloads.
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * `jetstreamManager`, waiting out a moment in which the server says the
 * account has no JetStream: nats-server 2.9.10 answers a JetStream request
 * so when it meets a configuration reload (`leasehold start` reloads its
 * lease permissions whenever bindings change; a clean-clone CI run saw
 * Journal.open fail so right after a network was created). A server really
 * without JetStream still fails, after `waitMs`.
 */
export async function jetstreamManagerAfterReloads(nc: NatsConnection, waitMs = 10_000): Promise<JetStreamManager> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await jetstreamManager(nc);
    } catch (error) {
      if ((error as Error).name !== 'JetStreamNotEnabled' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
