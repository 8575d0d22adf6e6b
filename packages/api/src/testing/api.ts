/** A real API over a real spawned nats-server, for tests. */
import { Journal } from '@leasehold/journal';
import { startTestNats, type TestNats } from '@leasehold/journal/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { ApiClient } from '../client/client.js';
import { startApiService, type ApiService, type ApiServiceOptions } from '../service.js';

export interface TestApi extends AsyncDisposable {
  readonly nats: TestNats;
  readonly nc: NatsConnection;
  readonly journal: Journal;
  readonly api: ApiService;
  readonly client: ApiClient;
  /** Stops the service and starts a new one on the same journal (read models rebuilt from events). */
  restartService(): Promise<ApiService>;
  stop(): Promise<void>;
}

/** Starts nats-server, the journal and the API service (with `options`, e.g. rate limits). */
export async function startTestApi(options: ApiServiceOptions = {}): Promise<TestApi> {
  const nats = await startTestNats();
  const nc = await nats.connect('api-test');
  const journal = await Journal.open(nc);
  const serviceOptions: ApiServiceOptions = { onInternalError: (e) => console.error(e), ...options };
  let api = await startApiService(nc, journal, serviceOptions);
  const client = new ApiClient(nc);
  const stop = async () => {
    await api.stop();
    await nats.stop();
  };
  return {
    nats,
    nc,
    journal,
    get api() {
      return api;
    },
    client,
    async restartService() {
      await api.stop();
      api = await startApiService(nc, journal, serviceOptions);
      return api;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
