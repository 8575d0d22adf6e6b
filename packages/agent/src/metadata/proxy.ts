/**
 * The metadata proxy's request path: one HTTP request from an instance on a
 * network, read top to bottom. Refused early and cheaply (each refusal
 * counted and logged, the log itself rate-limited): a method other than GET,
 * HEAD or POST (405), a GET or HEAD with a body or a POST body over the bound
 * (413), a target that is not a path (400), a caller over its rate (429), a
 * caller that is no port (404); the rest forwarded to Nova's metadata API with
 * Neutron's headers (identity.ts), a POST's body with them (Nova's
 * /openstack/latest/password, which cloud-init and Windows guests post), and
 * the answer streamed back, bounded in time and size.
 *
 * Plain node:http, no framework: the proxy has one route and forwards one
 * request to one upstream; a framework's router, body parsing and plugins
 * would only be more to bound. node:http gives what must be bounded (header
 * size, request and header timeouts, connections) as server options.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { KeyedTokenBuckets, TokenBucket, type Ipv4, type Ipv6 } from '@leasehold/protocol';
import { novaHeaders, sourceAddress, type MetadataCaller } from './identity.js';
import type { MetadataOptions } from './options.js';

/** How each request ended; every request ends in exactly one. */
export const metadataOutcomes = ['forwarded', 'not-found', 'rate-limited', 'too-large', 'bad-request', 'method', 'upstream-error', 'upstream-timeout'] as const;
export type MetadataOutcome = (typeof metadataOutcomes)[number];

/** The proxy's counters, read by the server's metrics on scrape. */
export class MetadataStats {
  readonly counts: Record<MetadataOutcome, number> = Object.fromEntries(metadataOutcomes.map((o) => [o, 0])) as Record<MetadataOutcome, number>;
}

/**
 * One line per refusal, at most `perSecond` a second after a burst of as
 * many: a flood of refusals must not fill the disk. Lines not written are
 * counted and named in the next line that is.
 */
export class RefusalLog {
  readonly #bucket: TokenBucket;
  #suppressed = 0;

  constructor(
    private readonly log: (line: string) => void,
    perSecond = 10,
    private readonly now: () => number = Date.now,
  ) {
    this.#bucket = new TokenBucket({ burst: perSecond, perSecond }, now());
  }

  refused(line: string): void {
    if (!this.#bucket.take(this.now())) {
      this.#suppressed += 1;
      return;
    }
    const before = this.#suppressed > 0 ? ` (${this.#suppressed} refusals not logged before this one)` : '';
    this.#suppressed = 0;
    this.log(`metadata: ${line}${before}`);
  }
}

export interface MetadataHandlerOptions {
  /** The network this listener serves: callers are looked up among its ports. */
  readonly networkId: string;
  readonly options: Pick<MetadataOptions, 'metadataProxySharedSecret' | 'upstreamTimeoutMs' | 'maxResponseBytes' | 'maxBodyBytes'>;
  /** Nova's metadata API (options.ts's novaMetadataUrl). */
  readonly upstream: URL;
  /** The instance whose port holds this address (IPv4, or IPv6 on fe80::a9fe:a9fe) on the network, if any (identity.ts's callerOf on the model). */
  readonly callerOf: (networkId: string, address: Ipv4 | Ipv6) => MetadataCaller | undefined;
  /** Per caller, shared by every network's listener (keyed by network and address). */
  readonly buckets: KeyedTokenBuckets<string>;
  readonly stats: MetadataStats;
  readonly refusals: RefusalLog;
  readonly now?: () => number;
}

/** The request handler of one network's proxy (`http.createServer(options, handler)`). */
export function metadataRequestHandler(o: MetadataHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const now = o.now ?? Date.now;
  const refuse = (res: ServerResponse, outcome: MetadataOutcome, status: number, why: string, headers: Record<string, string> = {}) => {
    o.stats.counts[outcome] += 1;
    o.refusals.refused(why);
    res.writeHead(status, { 'Content-Type': 'text/plain', Connection: 'close', ...headers }).end(`${status}\n`);
  };
  return (req, res) => {
    // A link-local caller's address comes with its zone (`fe80::…%eth1`): Nova and the log get the address alone.
    const source = (req.socket.remoteAddress ?? '').replace(/%.*$/, '');
    const who = `${source} on network ${o.networkId}`;
    const post = req.method === 'POST';
    if (req.method !== 'GET' && req.method !== 'HEAD' && !post) return refuse(res, 'method', 405, `${req.method} from ${who} refused: only GET, HEAD and POST are proxied`, { Allow: 'GET, HEAD, POST' });
    // Nova's GET routes take no body, so none is accepted there; a POST's is read whole, within its bound, before anything else.
    const length = req.headers['content-length'];
    const hasBody = (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !post) return refuse(res, 'too-large', 413, `${req.method} with a body from ${who} refused`);
    if (post && length !== undefined && !(Number(length) <= o.options.maxBodyBytes)) {
      return refuse(res, 'too-large', 413, `POST body of ${length} bytes from ${who} refused (at most ${o.options.maxBodyBytes})`);
    }
    // Origin-form only: an absolute URL would name another host to forward to.
    const path = req.url ?? '';
    if (!path.startsWith('/')) return refuse(res, 'bad-request', 400, `request target ${JSON.stringify(path.slice(0, 64))} from ${who} is not a path`);
    const address = sourceAddress(source);
    if (address === undefined) return refuse(res, 'bad-request', 400, `caller ${source} on network ${o.networkId} is not an IP address`);
    if (!o.buckets.take(`${o.networkId} ${source}`, now())) return refuse(res, 'rate-limited', 429, `${who} is over its rate limit`, { 'Retry-After': '1' });
    const caller = o.callerOf(o.networkId, address);
    if (caller === undefined) return refuse(res, 'not-found', 404, `${who} is no port's address: 404`);
    const send = (body: Buffer | undefined) => {
      try {
        forward(o, req, res, path, caller, source, body);
      } catch (error) {
        // node:http refuses some targets the parser let through (ERR_UNESCAPED_CHARACTERS): the caller's fault, never the process's end.
        refuse(res, 'bad-request', 400, `request from ${who} cannot be forwarded: ${(error as Error).message}`);
      }
    };
    if (!post) return send(undefined);
    readBody(req, o.options.maxBodyBytes).then(
      (body) => (body === undefined ? refuse(res, 'too-large', 413, `POST body from ${who} over ${o.options.maxBodyBytes} bytes refused`) : send(body)),
      () => undefined, // the caller went away mid-body: nothing to answer
    );
  };
}

/** The request's body, or undefined once it passes `max` bytes (the rest is not read: the reply closes the connection). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function forward(o: MetadataHandlerOptions, req: IncomingMessage, res: ServerResponse, path: string, caller: MetadataCaller, source: string, body: Buffer | undefined): void {
  const { upstream } = o;
  const send = upstream.protocol === 'https:' ? httpsRequest : httpRequest;
  let settled = false;
  const fail = (outcome: 'upstream-error' | 'upstream-timeout', status: number, why: string) => {
    if (settled) return;
    settled = true;
    o.stats.counts[outcome] += 1;
    o.refusals.refused(`${req.method} ${path} for instance ${caller.instanceId} (${source}): ${why}`);
    if (res.headersSent || res.destroyed) res.destroy();
    else res.writeHead(status, { 'Content-Type': 'text/plain', Connection: 'close' }).end(`${status}\n`);
  };
  const out = send(
    {
      protocol: upstream.protocol,
      hostname: upstream.hostname.replace(/^\[|\]$/g, ''),
      port: upstream.port,
      method: req.method,
      path,
      headers: { ...novaHeaders(caller, source, o.options.metadataProxySharedSecret), ...(body ? { 'Content-Length': String(body.length) } : {}) },
      timeout: o.options.upstreamTimeoutMs,
    },
    (answer) => {
      const status = answer.statusCode ?? 502;
      // Nova answers 403 when the signature does not match its own secret: say which secret to check.
      if (status === 403) o.refusals.refused(`Nova refused instance ${caller.instanceId} (403): check metadata_proxy_shared_secret against Nova's [neutron] metadata_proxy_shared_secret`);
      const type = answer.headers['content-type'];
      res.writeHead(status, type ? { 'Content-Type': type } : {});
      let bytes = 0;
      answer.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > o.options.maxResponseBytes) {
          answer.destroy();
          fail('upstream-error', 502, `Nova's answer is over ${o.options.maxResponseBytes} bytes`);
          return;
        }
        res.write(chunk);
      });
      answer.on('end', () => {
        if (settled) return;
        settled = true;
        o.stats.counts.forwarded += 1;
        res.end();
      });
      answer.on('error', (e: Error) => fail('upstream-error', 502, e.message));
    },
  );
  out.on('timeout', () => {
    out.destroy();
    fail('upstream-timeout', 504, `Nova did not answer within ${o.options.upstreamTimeoutMs} ms`);
  });
  out.on('error', (e: Error) => fail('upstream-error', 502, `cannot reach Nova at ${upstream.host}: ${e.message}`));
  // The caller gone: no reason to keep Nova's answer coming.
  res.on('close', () => {
    if (settled) return;
    fail('upstream-error', 502, 'the caller left before Nova answered');
    out.destroy();
  });
  out.end(body);
}
