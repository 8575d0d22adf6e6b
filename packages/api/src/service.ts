/**
 * The API as a NATS micro-service (so `$SRV.PING/INFO/STATS` discovery
 * works): every operation on `lh.api.v1.<resource>.<verb>`, JSON or msgpack,
 * and the agents' own requests on `lh.api.agents.<agentId>.<verb>`.
 * Reads come from the read model, which is rebuilt from the journal at start.
 */
import type { Journal, ProjectionStartOptions, QuarantinedEvent, RunningSnapshottedProjection } from '@leasehold/journal';
import { AGENT_REQUEST_PREFIX, ProjectionSnapshots, projectionStartOptions, quarantineLine, startSnapshottedProjection } from '@leasehold/journal';
import { Svcm, type Service, type ServiceMsg } from '@nats-io/services';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { ApiError } from './errors.js';
import { fleetHandlers } from './fleet-handlers.js';
import { apiHandlers } from './handlers.js';
import { agentHandlers, type AgentHandler } from './port/dhcp-port.js';
import { PortWriter } from './port/writer.js';
import { resolveQuotas, type Quotas } from './quota.js';
import { ApiAdmission, RateLimitedError, type ApiLimitsOverrides } from './rate-limit.js';
import { ReadModel } from './read-model/read-model.js';
import { READ_MODEL_SNAPSHOT_V } from './read-model/snapshot.js';
import { DEFAULT_MAX_REQUEST_BYTES, decodeBody, encodeBody, requestFormat } from './wire/codec.js';

export const API_SUBJECT_PREFIX = 'lh.api.v1';
export const API_VERSION = '0.1.0';

export interface ApiServiceOptions extends ProjectionStartOptions {
  readonly maxRequestBytes?: number;
  /** Write and read rates and requests in flight of this instance; unset fields take `defaultApiLimits`. */
  readonly limits?: ApiLimitsOverrides;
  /** Per-project quotas (Neutron's quota_network, quota_subnet, quota_port; -1 unlimited); unset fields take `defaultQuotas`. */
  readonly quotas?: Partial<Quotas>;
  /** An agent without a heartbeat for this long is shown dead (Neutron's agent_down_time, default 75 s). */
  readonly agentDownTimeMs?: number;
  /** Called with unexpected (non-ApiError) failures; the caller gets INTERNAL. */
  readonly onInternalError?: (error: unknown, subject: string) => void;
  /** Trouble the read model's projection recovers from by itself (a lost consumer), for the log. */
  readonly onProjectionError?: (error: unknown) => void;
  /**
   * Each event the read model quarantined (it does not validate: skipped, its aggregate still
   * writable), once, for the log at error level. Default: `onProjectionError` with the line.
   */
  readonly onQuarantine?: (event: QuarantinedEvent, line: string) => void;
}

export interface ApiService {
  /** The read model (replaced once, by the restored snapshot, before the service answers). */
  readonly model: ReadModel;
  /** Rate limits and requests in flight (with counts of what was refused). */
  readonly admission: ApiAdmission;
  readonly service: Service;
  readonly projection: RunningSnapshottedProjection;
  /** The public operations' subjects (`lh.api.v1.…`). */
  readonly subjects: readonly string[];
  /** The agents' request subjects, with a wildcard for the agent id (`lh.api.agents.*.dhcp-port`). */
  readonly agentSubjects: readonly string[];
  stop(): Promise<void>;
}

export async function startApiService(nc: NatsConnection, journal: Journal, options: ApiServiceOptions = {}): Promise<ApiService> {
  // Leave room for headers under the server's max_payload.
  const replyLimit = (nc.info?.max_payload ?? 1024 * 1024) - 1024;
  let model = new ReadModel();
  const projection = await startSnapshottedProjection(journal, {
    name: 'api',
    filter: 'lh.evt.>',
    snapshots: await ProjectionSnapshots.open(journal),
    fold: {
      v: READ_MODEL_SNAPSHOT_V,
      take: () => model.snapshot(),
      // ReadModel.restore checks the shape before building anything; the handlers are made after this.
      restore: (state) => (model = ReadModel.restore(state)),
    },
    ...projectionStartOptions(options),
    apply: (stored) => model.apply(stored),
    onQuarantine: (event) => {
      model.quarantine(event.subject, event.seq);
      const line = quarantineLine('api', event);
      if (options.onQuarantine) options.onQuarantine(event, line);
      else options.onProjectionError?.(new Error(line, { cause: event.error }));
    },
    ...(options.onProjectionError ? { onError: options.onProjectionError } : {}),
  });
  // Rejects (the projection stopped) when the replay makes no progress for the stall limit.
  await projection.caughtUp;

  const service = await new Svcm(nc).add({
    name: 'leasehold-api',
    version: API_VERSION,
    description: 'Leasehold API: networks, subnets, ports, agents, bindings and leases',
    queue: 'lh-api',
  });
  const group = service.addGroup(API_SUBJECT_PREFIX);
  const ports = new PortWriter(journal, model);
  const handlers = { ...apiHandlers(journal, model, resolveQuotas(options.quotas), ports), ...fleetHandlers(journal, model, { agentDownTimeMs: options.agentDownTimeMs ?? 75_000 }) };
  const subjects: string[] = [];
  const admission = new ApiAdmission(options.limits);
  for (const [operation, handler] of Object.entries(handlers)) {
    group.addEndpoint(operation.replaceAll('.', '-'), {
      subject: operation,
      handler: (_err, msg) => void answer(msg, operation, handler, admission, options, replyLimit),
    });
    subjects.push(`${API_SUBJECT_PREFIX}.${operation}`);
  }
  // One endpoint per verb for every agent: the server lets only agent <id> publish under `lh.api.agents.<id>.`.
  const agentGroup = service.addGroup(AGENT_REQUEST_PREFIX);
  const agentSubjects: string[] = [];
  for (const [verb, handler] of Object.entries(agentHandlers(journal, model, ports))) {
    const operation = `agents.${verb}`;
    agentGroup.addEndpoint(`agent-${verb}`, {
      subject: `*.${verb}`,
      handler: (_err, msg) => void answer(msg, operation, handler, admission, options, replyLimit),
    });
    agentSubjects.push(`${AGENT_REQUEST_PREFIX}.*.${verb}`);
  }
  return {
    model,
    admission,
    service,
    projection,
    subjects,
    agentSubjects,
    async stop() {
      await service.stop();
      await projection.stop();
    },
  };
}

async function answer(msg: ServiceMsg, operation: string, handler: AgentHandler, admission: ApiAdmission, options: ApiServiceOptions, replyLimit: number): Promise<void> {
  const format = requestFormat(msg.data, msg.headers?.get('content-type'));
  const h = headers();
  h.set('content-type', format === 'json' ? 'application/json' : 'application/msgpack');
  let admitted = false;
  try {
    // Before decoding: a refused request costs a short reply and nothing held.
    admission.admit(operation);
    admitted = true;
    const body = decodeBody(msg.data, format, options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES);
    const reply = encodeBody(await handler(body, msg.subject), format);
    // A reply over the server's max_payload would be dropped and the caller left waiting.
    if (reply.length > replyLimit) {
      throw new ApiError('REPLY_TOO_LARGE', `the reply is ${reply.length} bytes, over what the server carries (${replyLimit}); narrow it with filters or page it with limit and marker`);
    }
    msg.respond(reply, { headers: h });
  } catch (error) {
    const apiError = error instanceof ApiError ? error : new ApiError('INTERNAL', 'internal error', undefined, { cause: error });
    if (!(error instanceof ApiError)) options.onInternalError?.(error, msg.subject);
    if (error instanceof RateLimitedError && error.retryAfterMs !== undefined) h.set('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
    msg.respondError(apiError.status, apiError.message, encodeBody({ error: apiError.toBody() }, format), { headers: h });
  } finally {
    if (admitted) admission.release();
  }
}
