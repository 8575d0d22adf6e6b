/**
 * The event history and its live stream: /console/api/events/recent (the
 * latest matching events, as JSON) and /console/api/events (server-sent
 * events: each new matching event as `event: journal`, a comment every
 * 15 s to keep proxies from closing it). A browser reads the stream with
 * fetch, not EventSource, so it can send X-Auth-Token like any request.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EventTail, matches, recentEvents, type EventFilter, type EventListener } from './events.js';
import { sendFailure, type ConsoleOptions } from './mount.js';

const KEEPALIVE_MS = 15_000;
/** What one stream may have waiting unsent before it is closed. */
const MAX_BUFFERED_BYTES = 1 << 20;
/** The most events /recent answers. */
const MAX_RECENT = 1_000;

/** The filter of a request's query: type (comma-separated), aggregate, network, mac. Pure. */
export function filterOf(query: Record<string, string | undefined>): EventFilter {
  const types = (query.type ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  return {
    ...(types.length > 0 ? { types } : {}),
    ...(query.aggregate ? { aggregate: query.aggregate } : {}),
    ...(query.network ? { network: query.network } : {}),
    ...(query.mac ? { mac: query.mac } : {}),
  };
}

const queryOf = (request: FastifyRequest) => request.query as Record<string, string | undefined>;

export function registerEventRoutes(app: FastifyInstance, options: ConsoleOptions): void {
  const tail = new EventTail(options.journal, options.maxStreams ?? 64, options.onError);
  const open = new Set<() => void>();
  // A stream never ends by itself: close them all before the server waits for its connections.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
    tail.stop();
  });

  app.get('/console/api/events/recent', async (request, reply) => {
    const limit = Math.min(Math.max(1, Math.trunc(Number(queryOf(request).limit ?? 200)) || 200), MAX_RECENT);
    try {
      await reply.send({ events: await recentEvents(options.journal, filterOf(queryOf(request)), limit) });
    } catch (error) {
      await sendFailure(reply, error, options.onError);
    }
  });

  app.get('/console/api/events', async (request, reply) => {
    const filter = filterOf(queryOf(request));
    const raw = reply.raw;
    const listener: EventListener = (event) => {
      if (!matches(event, filter)) return;
      // A reader that does not keep up is cut off rather than buffered for without bound; its page reconnects.
      if (raw.writableLength > MAX_BUFFERED_BYTES) return end();
      raw.write(`id: ${event.seq}\nevent: journal\ndata: ${JSON.stringify(event)}\n\n`);
    };
    const keepalive = setInterval(() => raw.write(': keepalive\n\n'), KEEPALIVE_MS);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(keepalive);
      open.delete(end);
      tail.remove(listener);
      raw.end();
    };
    let added: boolean;
    try {
      added = await tail.add(listener);
    } catch (error) {
      clearInterval(keepalive);
      tail.remove(listener);
      await sendFailure(reply, error, options.onError);
      return;
    }
    if (!added) {
      clearInterval(keepalive);
      await reply.code(503).send({ error: { code: 'BUSY', message: `${tail.maxListeners} event streams are open already` } });
      return;
    }
    open.add(end);
    reply.hijack();
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    // The first line tells the client the stream is live: events from here on reach it.
    raw.write(': live\n\n');
    request.raw.on('close', end);
  });
}
