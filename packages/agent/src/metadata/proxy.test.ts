/**
 * The proxy's request path on loopback: a handler served by node:http on
 * 127.0.0.1 in front of a small Nova stand-in that records what it was sent.
 * The caller here is 127.0.0.1; `callerOf` says which instance it is.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { fc } from '@fast-check/vitest';
import { KeyedTokenBuckets, formatIpv4, formatIpv6 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signInstanceId, type MetadataCaller } from './identity.js';
import { MetadataStats, RefusalLog, metadataRequestHandler, type MetadataHandlerOptions } from './proxy.js';

const SECRET = 'proxy-test-secret';
const seen: { method: string | undefined; path: string | undefined; headers: IncomingHttpHeaders; body: string }[] = [];
let nova: Server;
let proxy: Server;
let stats: MetadataStats;
const lines: string[] = [];
let callers: Map<string, MetadataCaller>;
let handlerOptions: MetadataHandlerOptions;

const listen = (server: Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

function ask(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string | string[] } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => (body += s));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    // A list of pieces is sent chunked (no Content-Length).
    if (Array.isArray(options.body)) for (const piece of options.body) req.write(piece);
    req.end(Array.isArray(options.body) ? undefined : options.body);
  });
}

let proxyPort: number;
beforeAll(async () => {
  nova = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (s: string) => (body += s));
    req.on('end', () => {
      seen.push({ method: req.method, path: req.url, headers: req.headers, body });
      if (req.url === '/slow') return; // never answers
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end(req.url === '/big' ? 'x'.repeat(5000) : `answer for ${req.headers['x-instance-id']}`);
    });
  });
  const novaPort = await listen(nova);
  stats = new MetadataStats();
  callers = new Map([['127.0.0.1', { instanceId: 'vm-1', tenantId: 'project-a', portId: 'p1' }]]);
  handlerOptions = {
    networkId: 'net-1',
    options: { metadataProxySharedSecret: SECRET, upstreamTimeoutMs: 1000, maxResponseBytes: 4096, maxBodyBytes: 64 },
    upstream: new URL(`http://127.0.0.1:${novaPort}/`),
    callerOf: (networkId, address) => (networkId === 'net-1' ? callers.get(typeof address === 'number' ? formatIpv4(address) : formatIpv6(address)) : undefined),
    buckets: new KeyedTokenBuckets({ burst: 1000, perSecond: 1000, maxKeys: 16 }),
    stats,
    refusals: new RefusalLog((line) => lines.push(line), 1000),
  };
  proxy = createServer(metadataRequestHandler(handlerOptions));
  proxyPort = await listen(proxy);
});
afterAll(async () => {
  proxy.closeAllConnections();
  nova.closeAllConnections();
  await Promise.all([new Promise((r) => proxy.close(r)), new Promise((r) => nova.close(r))]);
});

describe('the metadata proxy', () => {
  test("forwards a GET with its path and query to Nova with Neutron's four headers and the caller's identity, and streams the answer back", async () => {
    seen.length = 0;
    const answer = await ask(proxyPort, '/latest/meta-data/instance-id?x=1', { headers: { 'X-Instance-ID': 'forged', 'X-Forwarded-For': '198.18.0.99' } });
    expect(answer).toStrictEqual({ status: 200, body: 'answer for vm-1' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.path).toBe('/latest/meta-data/instance-id?x=1');
    // The caller's own X-Instance-ID and X-Forwarded-For are never passed on: only what the proxy knows.
    expect(seen[0]!.headers).toMatchObject({
      'x-forwarded-for': '127.0.0.1',
      'x-instance-id': 'vm-1',
      'x-tenant-id': 'project-a',
      'x-instance-id-signature': signInstanceId('vm-1', SECRET),
    });
  });

  test('an IPv6 caller (the proxy on fe80::a9fe:a9fe) is looked up by its IPv6 address and named so to Nova', async () => {
    const proxy6 = createServer(metadataRequestHandler({ ...handlerOptions, stats: new MetadataStats() }));
    await new Promise<void>((resolve) => proxy6.listen(0, '::1', resolve));
    seen.length = 0;
    callers.set('::1', { instanceId: 'vm-6', tenantId: 'project-6', portId: 'p6' });
    try {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        request({ host: '::1', port: (proxy6.address() as AddressInfo).port, path: '/latest/meta-data/instance-id' }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (s: string) => (body += s));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }).on('error', reject).end();
      });
      expect(answer).toStrictEqual({ status: 200, body: 'answer for vm-6' });
      expect(seen[0]!.headers).toMatchObject({ 'x-forwarded-for': '::1', 'x-instance-id': 'vm-6', 'x-instance-id-signature': signInstanceId('vm-6', SECRET) });
    } finally {
      callers.delete('::1');
      proxy6.closeAllConnections();
      await new Promise((r) => proxy6.close(r));
    }
  });

  test('answers 404 to a caller that is no port, without asking Nova, and logs why', async () => {
    seen.length = 0;
    callers.delete('127.0.0.1');
    try {
      expect((await ask(proxyPort, '/latest/meta-data/instance-id')).status).toBe(404);
    } finally {
      callers.set('127.0.0.1', { instanceId: 'vm-1', tenantId: 'project-a', portId: 'p1' });
    }
    expect(seen).toHaveLength(0);
    expect(lines.at(-1)).toBe('metadata: 127.0.0.1 on network net-1 is no port\'s address: 404');
  });

  test("forwards a POST with its body (Nova's password route), within the body bound", async () => {
    seen.length = 0;
    expect((await ask(proxyPort, '/openstack/latest/password', { method: 'POST', body: 'encrypted-password' })).status).toBe(200);
    expect(seen.map((r) => [r.method, r.path, r.body, r.headers['content-length'], r.headers['x-instance-id']])).toStrictEqual([['POST', '/openstack/latest/password', 'encrypted-password', '18', 'vm-1']]);
  });

  test('a POST body over the bound is refused with 413, announced or chunked, and Nova never sees it', async () => {
    const before = stats.counts['too-large'];
    seen.length = 0;
    expect((await ask(proxyPort, '/openstack/latest/password', { method: 'POST', body: 'p'.repeat(65) })).status).toBe(413);
    expect((await ask(proxyPort, '/openstack/latest/password', { method: 'POST', body: ['p'.repeat(40), 'p'.repeat(40)] })).status).toBe(413);
    expect(seen).toHaveLength(0);
    expect(stats.counts['too-large'] - before).toBe(2);
  });

  test('refuses other methods (405), bodies (413) and targets that are not paths (400), each counted', async () => {
    const before = { ...stats.counts };
    seen.length = 0;
    expect((await ask(proxyPort, '/openstack/latest/password', { method: 'PUT', body: 'x' })).status).toBe(405);
    expect((await ask(proxyPort, '/latest', { headers: { 'Content-Length': '3' }, body: 'abc' })).status).toBe(413);
    expect((await ask(proxyPort, 'http://198.18.0.1/latest')).status).toBe(400);
    expect(seen).toHaveLength(0);
    expect(stats.counts.method - before.method).toBe(1);
    expect(stats.counts['too-large'] - before['too-large']).toBe(1);
    expect(stats.counts['bad-request'] - before['bad-request']).toBe(1);
  });

  test('an answer over the size bound is cut off and counted as an upstream error; a silent Nova is a 504', async () => {
    const before = { ...stats.counts };
    await ask(proxyPort, '/big').then(
      () => {},
      () => {},
    );
    expect((await ask(proxyPort, '/slow')).status).toBe(504);
    expect(stats.counts['upstream-error'] - before['upstream-error']).toBe(1);
    expect(stats.counts['upstream-timeout'] - before['upstream-timeout']).toBe(1);
  });
});

describe('garbage', () => {
  test('request targets of any bytes get an HTTP answer, and the proxy answers the next caller as before', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (bytes) => {
        const head = Buffer.concat([Buffer.from('GET /'), Buffer.from(bytes), Buffer.from(' HTTP/1.1\r\nHost: 169.254.169.254\r\nConnection: close\r\n\r\n')]);
        const answer = await new Promise<string>((resolve) => {
          let text = '';
          // Written, not ended: a half-closed socket would not be answered at all.
          const socket = connect(proxyPort, '127.0.0.1', () => socket.write(head));
          socket.setEncoding('latin1').on('data', (s: string) => (text += s));
          socket.on('close', () => resolve(text));
          socket.on('error', () => resolve(text));
        });
        expect(answer).toMatch(/^HTTP\/1\.1 \d{3} /);
      }),
      { numRuns: 60 },
    );
    expect((await ask(proxyPort, '/latest/meta-data/instance-id')).status).toBe(200);
  });
});

describe('rate limits', () => {
  test('a caller past its burst gets 429 until its bucket refills, counted, with one log line per refusal', () => {
    let t = 0;
    const rateStats = new MetadataStats();
    const logged: string[] = [];
    const handler = metadataRequestHandler({
      networkId: 'net-1',
      options: { metadataProxySharedSecret: SECRET, upstreamTimeoutMs: 1000, maxResponseBytes: 4096, maxBodyBytes: 64 },
      upstream: new URL('http://127.0.0.1:9/'),
      callerOf: () => undefined,
      buckets: new KeyedTokenBuckets({ burst: 2, perSecond: 1, maxKeys: 16 }),
      stats: rateStats,
      refusals: new RefusalLog((line) => logged.push(line), 1000, () => t),
      now: () => t,
    });
    const statuses: number[] = [];
    const fake = () => {
      const res = { writeHead: (status: number) => (statuses.push(status), res), end: () => res };
      return res;
    };
    const req = { method: 'GET', url: '/latest', headers: {}, socket: { remoteAddress: '198.18.63.5' } };
    for (let i = 0; i < 4; i++) handler(req as never, fake() as never);
    t = 1000;
    handler(req as never, fake() as never);
    // Two within the burst reach the lookup (no port: 404), two are over it, one more after a second's refill.
    expect(statuses).toStrictEqual([404, 404, 429, 429, 404]);
    expect(rateStats.counts['rate-limited']).toBe(2);
    expect(logged.filter((l) => l.includes('over its rate limit'))).toStrictEqual([
      'metadata: 198.18.63.5 on network net-1 is over its rate limit',
      'metadata: 198.18.63.5 on network net-1 is over its rate limit',
    ]);
  });

  test('the refusal log writes at most its rate and names how many lines it left out', () => {
    let t = 0;
    const logged: string[] = [];
    const log = new RefusalLog((line) => logged.push(line), 2, () => t);
    for (let i = 0; i < 5; i++) log.refused(`r${i}`);
    t = 1000;
    log.refused('r5');
    expect(logged).toStrictEqual(['metadata: r0', 'metadata: r1', 'metadata: r5 (3 refusals not logged before this one)']);
  });
});
