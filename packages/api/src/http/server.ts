/**
 * Neutron's Networking API v2.0 over HTTP, the API's second front door.
 * Built on fastify: a maintained, widely used framework with routing,
 * body limits and JSON handling done well and fast (it keeps the HTTP
 * front door near the NATS API's rate), and no opinions about the rest.
 * It holds no rules: every route calls the NATS API's own handlers (the
 * same instances, through the same admission: rate limits and requests in
 * flight), and only translates requests and answers (routes.ts,
 * agent-routes.ts, discovery.ts, neutron-errors.ts).
 *
 * Auth is Neutron's `noauth` (every caller is admin) on a loopback address;
 * on any other address a static token is required in `X-Auth-Token`.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import type { Handler } from '../endpoint.js';
import { RateLimitedError, type ApiAdmission } from '../rate-limit.js';
import { DEFAULT_MAX_REQUEST_BYTES } from '../wire/codec.js';
import { registerAgentRoutes } from './agent-routes.js';
import { registerDiscoveryRoutes } from './discovery.js';
import { httpError, neutronError, type ErrorContext } from './neutron-errors.js';
import { registerResourceRoutes } from './routes.js';
import { registerTagRoutes } from './tag-routes.js';
import { HttpStats } from './stats.js';

/** Calls one of the API's operations (`ports.create`) with a handler's request body, admitted as a NATS request is. */
export type Call = (operation: string, body: Record<string, unknown>) => Promise<unknown>;

/** What a route answers: a body, or one of Neutron's own errors that has no API code behind it. */
export type RouteAnswer = { status: number; body?: unknown } | { status: number; neutronError: { type: string; message: string } };

export interface RouteContext {
  /** A fastify handler for `resource`'s route: its answer, or its failure as a NeutronError. */
  route(resource: string, fn: (request: FastifyRequest) => Promise<RouteAnswer>): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Remembers what a request said, for the error messages that name it. */
  note(request: FastifyRequest, context: Omit<ErrorContext, 'resource'>): void;
  /** `http://host:port` as the client reached it. */
  baseUrl(request: FastifyRequest): string;
  /** The request's URL without its query. */
  selfUrl(request: FastifyRequest): string;
}

/**
 * More routes on the same server and behind the same auth (the web
 * console, wired in by the server package so the API depends on no
 * console): `register` adds them with the API's own `call`; URLs
 * `isPublic` says yes to are served without a token (static files that
 * hold no data: a browser cannot send a header when it opens a page).
 */
export interface HttpMount {
  register(app: FastifyInstance, call: Call): Promise<void>;
  isPublic?(url: string): boolean;
}

export interface HttpApiOptions {
  readonly host: string;
  /** 0: any free port (see `url`). */
  readonly port: number;
  /** Required unless `host` is a loopback address: callers send it as X-Auth-Token. */
  readonly token?: string;
  /** Request bodies above this are 413 (default the NATS API's, 64 KiB). */
  readonly maxRequestBytes?: number;
  /** Called with unexpected (non-ApiError) failures; the caller gets 500. */
  readonly onInternalError?: (error: unknown, url: string) => void;
  readonly mounts?: readonly HttpMount[];
}

export interface HttpApi {
  /** `http://host:port` it listens on. */
  readonly url: string;
  /** Requests by method, route and status, and their times (for the metrics). */
  readonly stats: HttpStats;
  close(): Promise<void>;
}

/** What the HTTP front door needs of a running API service. */
export interface HttpApiBackend {
  readonly handlers: Readonly<Record<string, Handler>>;
  readonly admission: ApiAdmission;
}

/** A loopback address (127.0.0.0/8, ::1, localhost): the only ones where noauth is allowed. Pure. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Starts listening; refuses (throws) a non-loopback address without a token. */
export async function startHttpApi(backend: HttpApiBackend, options: HttpApiOptions): Promise<HttpApi> {
  if (!isLoopback(options.host) && !options.token) {
    throw new Error(`the Neutron HTTP API on ${options.host}:${options.port} needs a token (api.http_token): noauth is allowed only on loopback addresses`);
  }
  const maxBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const app = Fastify({ bodyLimit: maxBytes, logger: false, genReqId: () => `req-${randomUUID()}` });
  const call: Call = async (operation, body) => {
    const handler = backend.handlers[operation];
    if (!handler) throw new ApiError('INTERNAL', `no handler for ${operation}`);
    backend.admission.admit(operation);
    try {
      return await handler(body);
    } finally {
      backend.admission.release();
    }
  };

  const notes = new WeakMap<FastifyRequest, Omit<ErrorContext, 'resource'>>();
  const baseUrl = (request: FastifyRequest) => `${request.protocol}://${request.host}`;
  const ctx: RouteContext = {
    note: (request, context) => notes.set(request, context),
    baseUrl,
    selfUrl: (request) => `${baseUrl(request)}${request.url.split('?')[0]}`,
    route: (resource, fn) => async (request, reply) => {
      let answer: RouteAnswer;
      try {
        answer = await fn(request);
      } catch (error) {
        if (!(error instanceof ApiError)) options.onInternalError?.(error, request.url);
        if (error instanceof RateLimitedError && error.retryAfterMs !== undefined) void reply.header('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
        const { status, body } = neutronError(error, { resource, ...notes.get(request) });
        await reply.code(status).send(body);
        return;
      }
      if ('neutronError' in answer) await reply.code(answer.status).send(httpError(answer.status, answer.neutronError.type, answer.neutronError.message).body);
      else if (answer.status === 204) await reply.code(204).send();
      else await reply.code(answer.status).send(answer.body ?? null);
    },
  };

  // An empty body with a JSON content type (a DELETE from keystoneauth) is no body, not an error.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    if ((text as string).trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text as string));
    } catch (cause) {
      done(new ApiError('BAD_REQUEST', `request body is not valid JSON: ${(cause as Error).message}`), undefined);
    }
  });
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('X-Openstack-Request-Id', request.id);
    if (options.token && !sameToken(request.headers['x-auth-token'], options.token) && !options.mounts?.some((m) => m.isPublic?.(request.url))) {
      // Returned, not only sent: an async hook that sends must return the reply, or fastify runs the route anyway.
      return reply.code(401).send({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
    }
  });
  const stats = new HttpStats();
  app.addHook('onResponse', async (request, reply) => {
    // The route's pattern, not its URL: ids would make a label per resource.
    stats.record(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });
  app.setNotFoundHandler(async (request, reply) => {
    const { status, body } = httpError(404, 'HTTPNotFound', `The resource could not be found: ${request.method} ${request.url.split('?')[0]}`);
    await reply.code(status).send(body);
  });
  app.setErrorHandler(async (error: Error & { statusCode?: number }, request, reply) => {
    const { status, body } =
      error instanceof ApiError
        ? neutronError(error)
        : error.statusCode === 413
          ? neutronError(new ApiError('PAYLOAD_TOO_LARGE', `request body is over the limit of ${maxBytes} bytes`))
          : error.statusCode !== undefined && error.statusCode < 500
            ? httpError(error.statusCode, 'HTTPBadRequest', error.message)
            : (options.onInternalError?.(error, request.url), neutronError(error));
    await reply.code(status).send(body);
  });

  registerDiscoveryRoutes(app, ctx);
  registerResourceRoutes(app, call, ctx);
  registerTagRoutes(app, call, ctx);
  registerAgentRoutes(app, call, ctx);
  for (const mount of options.mounts ?? []) await mount.register(app, call);

  await app.listen({ host: options.host.replace(/^\[(.*)\]$/, '$1'), port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    stats,
    close: () => app.close(),
  };
}

function sameToken(given: string | string[] | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
