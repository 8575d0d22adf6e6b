/**
 * The HTTP endpoint of every process: /metrics (Prometheus text format),
 * /healthz (the process is up and its NATS connection is open) and /readyz
 * (the parts have started and every projection is within `readyMaxLag`
 * events of the journal's end). Started before the parts, so an orchestrator
 * sees the process alive-but-not-ready while the projections replay.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CatchUpProgress } from '@leasehold/journal';
import type { NatsConnection } from '@nats-io/transport-node';
import type { RunningSystem } from '../runtime/system.js';
import { watchConnections } from './connection-watch.js';
import { createMetrics, journalLag, type MetricSources } from './metrics.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** `HOST:PORT`, `[V6]:PORT` or `:PORT` (every interface); undefined for port 0 (off). Pure; throws on anything else. */
export function parseListen(text: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([\w.-]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new Error(`metrics listen address wants HOST:PORT (port 0 turns it off), not ${JSON.stringify(text)}`);
  if (port === 0) return undefined;
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

export interface ObservabilityOptions {
  readonly listen: ListenAddress;
  readonly nc: NatsConnection;
  /** Every connection of the process (default: `nc`); /readyz fails while one is lost. */
  readonly connections?: readonly NatsConnection[];
  /** Why the journal's server is down now (the embedded one exited), undefined while it runs; /readyz fails at once. */
  readonly journalDown?: () => string | undefined;
  readonly readyMaxLag: number;
  readonly dnsStats?: MetricSources['dnsStats'];
  /** The projections still replaying while the parts start, so /readyz says how far each is (or what it waits for). */
  readonly replaying?: () => readonly CatchUpProgress[];
}

export interface Readiness {
  readonly ready: boolean;
  readonly reasons: string[];
  readonly projections: { name: string; position: number; lag: number }[];
}

export interface ObservabilityServer {
  /** Where it listens, e.g. http://127.0.0.1:9464. */
  readonly url: string;
  /** Hands over the running parts once they have started (readiness waits for this). */
  attach(system: RunningSystem): void;
  readiness(): Promise<Readiness>;
  close(): Promise<void>;
}

export async function startObservability(options: ObservabilityOptions): Promise<ObservabilityServer> {
  let system: RunningSystem | undefined;
  const watch = watchConnections(options.connections ?? [options.nc]);
  const sources: MetricSources = {
    system: () => system,
    nc: options.nc,
    connected: () => watch.lost().length === 0,
    ...(options.dnsStats ? { dnsStats: options.dnsStats } : {}),
  };
  const { registry, lastSeq } = createMetrics(sources);

  const readiness = async (): Promise<Readiness> => {
    const reasons: string[] = [];
    // Checked first and without a round trip: the moment the journal goes, /readyz says so.
    const down = options.journalDown?.();
    if (down) reasons.push(down);
    const lost = watch.lost();
    if (lost.length > 0) reasons.push(`NATS connection lost (reconnecting): ${lost.join(', ')}`);
    if (down || lost.length > 0) return { ready: false, reasons, projections: [] };
    if (!system) reasons.push('starting: projections replaying');
    const replaying = system ? [] : (options.replaying?.() ?? []);
    for (const p of replaying) {
      reasons.push(
        p.stalledMs >= 1_000
          ? `projection ${p.name} is waiting for the event after ${p.position} on ${p.filter} (replaying up to ${p.target}): none for ${Math.round(p.stalledMs / 1000)} s`
          : `projection ${p.name} is replaying: event ${p.position} of ${p.target}`,
      );
    }
    const projections = system ? await journalLag(sources, lastSeq) : replaying.map((p) => ({ name: p.name, position: p.position, lag: Math.max(0, p.target - p.position) }));
    if (system && system.journal && projections.length === 0 && (system.api || system.agent)) reasons.push('journal stream unreadable');
    if (system) for (const p of projections) if (p.lag > options.readyMaxLag) reasons.push(`projection ${p.name} is ${p.lag} events behind`);
    return { ready: reasons.length === 0, reasons, projections };
  };

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const json = (status: number, body: unknown) => reply(status, 'application/json', `${JSON.stringify(body)}\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'GET only' });
    const handle = async () => {
      if (path === '/metrics') return reply(200, registry.contentType, await registry.metrics());
      if (path === '/healthz') {
        // Liveness: a connection that reconnects is alive (a restart of the process would not help it); a closed one is not.
        const up = !options.nc.isClosed();
        const nats = !up ? 'closed' : watch.lost().length > 0 ? 'reconnecting' : 'connected';
        return json(up ? 200 : 503, { status: up ? 'ok' : 'down', nats });
      }
      if (path === '/readyz') {
        const r = await readiness();
        return json(r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', reasons: r.reasons, projections: r.projections });
      }
      return json(404, { error: 'not found', paths: ['/metrics', '/healthz', '/readyz'] });
    };
    handle().catch((error: unknown) => json(500, { error: String(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    attach: (running) => void (system = running),
    readiness,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
