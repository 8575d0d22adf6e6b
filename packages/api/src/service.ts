/**
 * The API as a NATS micro-service (so `$SRV.PING/INFO/STATS` discovery
 * works): every operation on `lh.api.v1.<resource>.<verb>`, JSON or msgpack,
 * and the agents' own requests on `lh.api.agents.<agentId>.<verb>`. This
 * module only wires: the read model (read-model/projection.ts), the
 * writers, each resource's handlers (one folder per resource), admission
 * (rate-limit.ts) and the endpoints (endpoint.ts).
 */
import type { Journal, RunningSnapshottedProjection } from '@leasehold/journal';
import { AGENT_REQUEST_PREFIX } from '@leasehold/journal';
import { agentOfRequestSubject } from '@leasehold/resources';
import { Svcm, type Service } from '@nats-io/services';
import type { NatsConnection } from '@nats-io/transport-node';
import { agentHandlers } from './agent/handlers.js';
import { bindingHandlers } from './binding/handlers.js';
import { answer, type Handler } from './endpoint.js';
import { leaseHandlers } from './lease/handlers.js';
import { networkHandlers } from './network/handlers.js';
import { NetworkWriter } from './network/writer.js';
import { PortActivations } from './port/activation.js';
import { agentRequestHandlers } from './port/dhcp-port.js';
import { portHandlers } from './port/handlers.js';
import { PortWriter } from './port/writer.js';
import { resolveQuotas, type Quotas } from './quota.js';
import { ApiAdmission, type ApiLimitsOverrides } from './rate-limit.js';
import type { ReadModel } from './read-model/read-model.js';
import { startReadModel, type ReadModelOptions } from './read-model/projection.js';
import { subnetHandlers } from './subnet/handlers.js';
import { API_SUBJECT_PREFIX } from './wire/subjects.js';

const API_VERSION = '0.1.0';

/** Neutron's agent_down_time default. */
const DEFAULT_AGENT_DOWN_TIME_MS = 75_000;

export interface ApiServiceOptions extends ReadModelOptions {
  readonly maxRequestBytes?: number;
  /** Write and read rates and requests in flight of this instance; unset fields take `defaultApiLimits`. */
  readonly limits?: ApiLimitsOverrides;
  /** Per-project quotas (Neutron's quota_network, quota_subnet, quota_port; -1 unlimited); unset fields take `defaultQuotas`. */
  readonly quotas?: Partial<Quotas>;
  /** An agent without a heartbeat for this long is shown dead (Neutron's agent_down_time, default 75 s). */
  readonly agentDownTimeMs?: number;
  /** Neutron's dns_domain: ports' dns_assignment under it when their network has no dns_domain (openstacklocal by default). */
  readonly dnsDomain?: string;
  /** Called with unexpected (non-ApiError) failures; the caller gets INTERNAL. */
  readonly onInternalError?: (error: unknown, subject: string) => void;
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
  /** Every public operation's handler by name (`ports.create`): the NATS endpoints' own, which the HTTP front door (http/) calls too. */
  readonly handlers: Readonly<Record<string, Handler>>;
  /** New ports' waits for ACTIVE (the server's leasehold_port_ready_seconds). */
  readonly activations: PortActivations;
  stop(): Promise<void>;
}

export interface ApiHandlerOptions {
  readonly quotas?: Quotas;
  readonly agentDownTimeMs?: number;
  /** Neutron's dns_domain (see ApiServiceOptions). */
  readonly dnsDomain?: string;
  /** The port writer, shared with the agents' DHCP-port requests (one writer: one set of claims in flight). */
  readonly ports?: PortWriter;
  /** Told of each port created (port/activation.ts). */
  readonly activations?: PortActivations;
}

/** Every operation of `lh.api.v1`, by name (`ports.create`): each resource's handlers over one read model. */
export function apiHandlers(journal: Journal, model: ReadModel, options: ApiHandlerOptions = {}): Record<string, Handler> {
  const quotas = options.quotas ?? resolveQuotas();
  const agentDownTimeMs = options.agentDownTimeMs ?? DEFAULT_AGENT_DOWN_TIME_MS;
  const ports = options.ports ?? new PortWriter(journal, model);
  const networks = new NetworkWriter(journal, model);
  return {
    ...networkHandlers({ model, quotas, networks, ports, journal }),
    ...subnetHandlers({ model, quotas, networks, ports }),
    ...portHandlers({
      model,
      quotas,
      ports,
      ...(options.dnsDomain !== undefined ? { dnsDomain: options.dnsDomain } : {}),
      ...(options.activations ? { activations: options.activations } : {}),
    }),
    ...agentHandlers({ journal, model, agentDownTimeMs }),
    ...bindingHandlers({ journal, model, agentDownTimeMs }),
    ...leaseHandlers({ model }),
  };
}

export async function startApiService(nc: NatsConnection, journal: Journal, options: ApiServiceOptions = {}): Promise<ApiService> {
  const { model, projection } = await startReadModel(journal, options);
  const service = await new Svcm(nc).add({
    name: 'leasehold-api',
    version: API_VERSION,
    description: 'Leasehold API: networks, subnets, ports, agents, bindings and leases',
    queue: 'lh-api',
  });
  const ports = new PortWriter(journal, model);
  const admission = new ApiAdmission(options.limits);
  // Leave room for headers under the server's max_payload.
  const endpoint = { maxRequestBytes: options.maxRequestBytes, onInternalError: options.onInternalError, replyLimit: (nc.info?.max_payload ?? 1024 * 1024) - 1024 };

  const group = service.addGroup(API_SUBJECT_PREFIX);
  const subjects: string[] = [];
  const activations = new PortActivations(model);
  const handlers = apiHandlers(journal, model, {
    activations,
    quotas: resolveQuotas(options.quotas),
    agentDownTimeMs: options.agentDownTimeMs ?? DEFAULT_AGENT_DOWN_TIME_MS,
    ports,
    ...(options.dnsDomain !== undefined ? { dnsDomain: options.dnsDomain } : {}),
  });
  for (const [operation, handler] of Object.entries(handlers)) {
    group.addEndpoint(operation.replaceAll('.', '-'), {
      subject: operation,
      handler: (_err, msg) => void answer(msg, operation, handler, admission, endpoint),
    });
    subjects.push(`${API_SUBJECT_PREFIX}.${operation}`);
  }
  // One endpoint per verb for every agent: the server lets only agent <id> publish under `lh.api.agents.<id>.`.
  const agentGroup = service.addGroup(AGENT_REQUEST_PREFIX);
  const agentSubjects: string[] = [];
  for (const [verb, handler] of Object.entries(agentRequestHandlers(journal, model, ports))) {
    const operation = `agents.${verb}`;
    agentGroup.addEndpoint(`agent-${verb}`, {
      subject: `*.${verb}`,
      handler: (_err, msg) => void answer(msg, operation, handler, admission, endpoint),
    });
    agentSubjects.push(`${AGENT_REQUEST_PREFIX}.*.${verb}`);
  }
  const ready = followReadiness(nc, model, activations);
  return {
    model,
    admission,
    service,
    projection,
    subjects,
    agentSubjects,
    handlers,
    activations,
    async stop() {
      ready.unsubscribe();
      await service.stop();
      await projection.stop();
    },
  };
}

/**
 * The agents' readiness reports (`lh.api.agents.<id>.ready`, agent's
 * readiness.ts) into the read model, for ports' status. Every instance hears
 * every report (no queue group: each shows statuses from its own model);
 * the subject names the agent, and only that agent may publish under it.
 * A body that is no report is counted and dropped.
 */
function followReadiness(nc: NatsConnection, model: ReadModel, activations: PortActivations) {
  // agentReadySubject with a wildcard for the id (which it refuses as a token).
  return nc.subscribe(`${AGENT_REQUEST_PREFIX}.*.ready`, {
    callback: (err, msg) => {
      if (err) return;
      const agentId = agentOfRequestSubject(msg.subject);
      if (agentId === undefined) return;
      let body: unknown;
      try {
        body = msg.json();
      } catch {
        model.readiness.malformed++;
        return;
      }
      const row = model.readiness.report(agentId, body);
      if (row) activations.settle(row.networks, Date.now());
    },
  });
}
