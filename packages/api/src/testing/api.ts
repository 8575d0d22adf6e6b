/** A real API over a real spawned nats-server, for tests. */
import { randomUUID } from 'node:crypto';
import { Journal } from '@leasehold/journal';
import { agentSubject, toAgentEnvelope } from '@leasehold/resources';
import { startTestNats, type TestNats } from '@leasehold/journal/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { ApiClient } from '../client/client.js';
import { ApiError } from '../errors.js';
import { startApiService, type ApiService, type ApiServiceOptions } from '../service.js';

export interface TestApi extends AsyncDisposable {
  readonly nats: TestNats;
  readonly nc: NatsConnection;
  readonly journal: Journal;
  readonly api: ApiService;
  readonly client: ApiClient;
  /** Journals a heartbeat of `agentId` (host-<id>, zone az1, physnet1 → eth1) at `at`, and waits for the API to fold it. */
  heartbeat(agentId: string, at?: number): Promise<void>;
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
    async heartbeat(agentId, at = Date.now()) {
      const event = toAgentEnvelope(
        { type: 'AgentHeartbeat', at, agentId, host: `host-${agentId}`, availabilityZone: 'az1', networks: [], load: 3, interfaceMappings: { physnet1: 'eth1' }, reportIntervalMs: 30_000, version: 'test' },
        { id: randomUUID() },
      );
      const r = await journal.append(agentSubject(agentId), [event]);
      await api.model.waitFor(r.version);
    },
    async restartService() {
      await api.stop();
      api = await startApiService(nc, journal, serviceOptions);
      return api;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** The ApiError `promise` rejects with; throws when it resolves or rejects with anything else. */
export async function apiErrorOf(promise: Promise<unknown>): Promise<ApiError> {
  const outcome = await promise.then(
    (value: unknown) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if ('error' in outcome && outcome.error instanceof ApiError) return outcome.error;
  throw new Error(`expected an ApiError, got ${'error' in outcome ? String(outcome.error) : `a value: ${JSON.stringify(outcome.value)}`}`);
}
