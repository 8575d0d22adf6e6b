/**
 * A real nats-server for a test: spawned on a free loopback port with a
 * temporary store, stopped and removed afterwards. Never port 4222, never a
 * server that happens to be running.
 *
 *   await using nats = await startTestNats();
 *   const nc = await nats.connect();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats } from '../connect.js';
import { startNatsServer, type NatsServer } from '../nats-server.js';

export interface TestNats extends AsyncDisposable {
  readonly url: string;
  readonly storeDir: string;
  server(): NatsServer;
  /** A connection closed when the test server stops. */
  connect(name?: string): Promise<NatsConnection>;
  /** Graceful stop and start on the same port and store (acknowledged data must survive); resolves once its connections are back. */
  restart(): Promise<void>;
  /** SIGKILL and start again on the same port and store. */
  crashAndRestart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Resolves when the connection has reconnected. A request published in the
 * moment between a server's death and the client noticing it is lost, so
 * tests wait for this before going on.
 */
async function waitForReconnect(nc: NatsConnection): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type === 'reconnect') return;
  }
}

export async function startTestNats(): Promise<TestNats> {
  const storeDir = mkdtempSync(join(tmpdir(), 'lh-test-nats-'));
  let server = await startNatsServer({ storeDir });
  const port = server.port;
  const connections = new Set<NatsConnection>();
  const stop = async () => {
    await Promise.allSettled([...connections].map((nc) => nc.close()));
    connections.clear();
    await server.stop();
    rmSync(storeDir, { recursive: true, force: true });
  };
  return {
    url: server.url,
    storeDir,
    server: () => server,
    async connect(name = 'test') {
      const nc = await connectNats(server.url, { name });
      connections.add(nc);
      void nc.closed().then(() => connections.delete(nc));
      return nc;
    },
    async restart() {
      const reconnected = [...connections].map(waitForReconnect);
      await server.stop();
      server = await startNatsServer({ storeDir, port });
      await Promise.all(reconnected);
    },
    async crashAndRestart() {
      const reconnected = [...connections].map(waitForReconnect);
      await server.kill();
      server = await startNatsServer({ storeDir, port });
      await Promise.all(reconnected);
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
