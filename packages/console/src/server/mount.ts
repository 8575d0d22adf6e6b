/**
 * The web console on the Neutron HTTP API's server (api's HttpMount):
 * the browser bundle under /console/ (static, public: it holds no data)
 * and its JSON under /console/api/ (behind the API's auth: noauth on
 * loopback, X-Auth-Token elsewhere). Every answer comes from the API's own
 * handlers (`call`) or the journal: the console has no rules of its own.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { HttpCall, HttpMount } from '@leasehold/api';
import type { Journal } from '@leasehold/journal';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { registerDataRoutes } from './data-routes.js';
import { registerEventRoutes } from './event-routes.js';
import { registerPortRoute } from './port-route.js';
import { rateFile } from './rate-file.js';
import { RateSampler, type RateCounters } from './rates.js';

export interface ConsoleOptions {
  /** The API's journal (read-only here: the lease timelines and the event stream). */
  readonly journal: Journal;
  /** The built bundle (default: this package's dist/ui). */
  readonly uiRoot?: string;
  /** The last event the API's read model folded (its `at()`), for the projection-lag alert. */
  readonly readModelPosition?: () => number;
  /**
   * The networks the scheduler binds nowhere because no live agent maps
   * their physical network (its `unreachableNetworks` now), for the
   * overview's alert; the server gives its running scheduler's. Absent, or
   * undefined while no scheduler runs here: the alert says only "no agent".
   */
  readonly unreachableNetworks?: () => readonly { readonly networkId: string; readonly physicalNetwork: string }[] | undefined;
  /** How long an agent's silence makes it down (the API's agent_down_time, default 75 s): time travel and a lease's answering agent judge liveness then with it. */
  readonly agentDownTimeMs?: number;
  /** The process's DHCP and DNS counters, for the overview's rate charts (read every 10 s). */
  readonly counters?: () => RateCounters;
  /** Where the rate charts' samples are kept across restarts (the server gives a file in its data directory); absent: in memory only. */
  readonly ratesFile?: string;
  /** Open event streams at most (default 64); one more is 503. */
  readonly maxStreams?: number;
  readonly onError?: (error: unknown) => void;
}

/** Where the bundle is, from src/server or dist/server alike. */
const DEFAULT_UI_ROOT = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

/** Sends an API error as JSON with its status; anything else is a 500. */
export async function sendFailure(reply: FastifyReply, error: unknown, onError?: (error: unknown) => void): Promise<void> {
  const e = error as { status?: unknown; code?: unknown; message?: unknown };
  if (typeof e?.status === 'number' && typeof e.code === 'string') {
    await reply.code(e.status).send({ error: { code: e.code, message: String(e.message) } });
    return;
  }
  onError?.(error);
  await reply.code(500).send({ error: { code: 'INTERNAL', message: 'internal error' } });
}

export function consoleMount(options: ConsoleOptions): HttpMount {
  const uiRoot = options.uiRoot ?? DEFAULT_UI_ROOT;
  return {
    isPublic: (url) => url === '/console' || (url.startsWith('/console/') && !url.startsWith('/console/api/')),
    async register(app: FastifyInstance, call: HttpCall) {
      app.get('/console', async (_request, reply) => reply.redirect('/console/'));
      if (existsSync(uiRoot)) {
        await app.register(fastifyStatic, { root: uiRoot, prefix: '/console/', index: 'index.html', cacheControl: false });
      } else {
        app.get('/console/', async (_request, reply) => reply.code(503).type('text/plain').send(`the console's bundle is not built (${uiRoot}): run npm run build`));
      }
      const store = options.ratesFile ? rateFile(options.ratesFile, options.onError) : undefined;
      const rates = new RateSampler(options.counters ?? (() => ({ dhcp: undefined, dns: undefined })), store);
      if (options.counters) rates.start();
      app.addHook('onClose', async () => rates.stop());
      app.get('/console/api/rates', async () => rates.series());
      registerDataRoutes(app, call, options);
      registerPortRoute(app, call, options);
      registerEventRoutes(app, options);
    },
  };
}
