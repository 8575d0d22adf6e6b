import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectNats } from '../connect.js';
import { defaultLayout } from '../provision.js';
import { makeTestCertificates, type TestCertificates } from '../testing/secure-nats.js';
import { provisionCluster, startNatsCluster, waitForJetStream, type NatsCluster } from './cluster.js';
import { nodeConfigText } from './config.js';

let dir: string;
let cluster: NatsCluster;
let nc: NatsConnection;
let certs: TestCertificates;
// Characters that must be escaped in a route URL's user info.
const routeAuth = { user: 'route', password: `p@ss:/${randomBytes(12).toString('base64url')}` };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lh-secure-routes-'));
  certs = makeTestCertificates(join(dir, 'tls'));
  cluster = await startNatsCluster({
    dir,
    routeAuth,
    routeTls: { certFile: certs.routeCertFile, keyFile: certs.routeKeyFile, caFile: certs.caFile },
  });
  nc = await connectNats(cluster.urls, { name: 'secure-routes-test', env: {} });
  await waitForJetStream(nc);
}, 60_000);

afterAll(async () => {
  await nc?.close();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * What a route port says to a newcomer: the lines it sends (INFO, then any
 * -ERR), or the error that ended the connection. `tlsOptions` undefined:
 * plain TCP; `send` is written once the first line has arrived.
 */
function routeExchange(port: number, tlsOptions: ConnectionOptions | undefined, send = ''): Promise<{ lines: string[]; error?: string }> {
  return new Promise((resolve) => {
    const socket = tlsOptions ? tlsConnect({ host: '127.0.0.1', port, ...tlsOptions }) : tcpConnect({ host: '127.0.0.1', port });
    let text = '';
    let sent = false;
    const finish = (error?: string) => {
      clearTimeout(timer);
      socket.destroy();
      const lines = text.split('\r\n').filter(Boolean);
      resolve(error === undefined ? { lines } : { lines, error });
    };
    const timer = setTimeout(() => finish(), 2_000);
    socket.on('error', (error: Error) => finish(error.message));
    socket.on('close', () => finish());
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (send && !sent && text.includes('\r\n')) {
        sent = true;
        socket.write(send);
      }
    });
  });
}

const info = (line: string | undefined) => JSON.parse((line ?? '').replace(/^INFO /, '')) as Record<string, unknown>;

describe('cluster routes with a password and mutual TLS', () => {
  test('the config names every route with the escaped user and password, and asks routes for TLS with verified certificates', () => {
    const text = nodeConfigText({
      serverName: 'n1',
      clusterName: 'c',
      host: '127.0.0.1',
      clientPort: 1,
      clusterPort: 2,
      routePorts: [2, 3],
      storeDir: '/s',
      routeAuth: { user: 'r', password: 'a@b:c/d' },
      routeTls: { certFile: '/route.pem', keyFile: '/route.key', caFile: '/ca.pem' },
    });
    expect(text).toContain('"nats-route://r:a%40b%3Ac%2Fd@127.0.0.1:3"');
    expect(text).toMatch(/cluster \{[\s\S]*authorization \{ user: "r", password: "a@b:c\/d" \}[\s\S]*tls \{[\s\S]*cert_file: "\/route.pem"[\s\S]*verify: true[\s\S]*\}\s*\}/);
  });

  test('a route port says nothing in plain TCP, refuses TLS without a certificate of the CA, and refuses a wrong password', async () => {
    const port = cluster.nodes[0]!.clusterPort;
    // Plain TCP: the server waits for a TLS handshake and sends no INFO.
    expect((await routeExchange(port, undefined)).lines).toStrictEqual([]);
    // TLS without a client certificate: the handshake fails (verify: true).
    const anonymous = await routeExchange(port, { ca: readFileSync(certs.caFile), servername: 'localhost' });
    expect(anonymous.lines).toStrictEqual([]);
    // With the route certificate: INFO asks for a password, and a wrong one is refused.
    const withCert = { ca: readFileSync(certs.caFile), cert: readFileSync(certs.routeCertFile), key: readFileSync(certs.routeKeyFile), servername: 'localhost' };
    const connect = `CONNECT ${JSON.stringify({ user: routeAuth.user, pass: 'wrong', tls_required: true, name: 'intruder' })}\r\nPING\r\n`;
    const intruder = await routeExchange(port, withCert, connect);
    expect(info(intruder.lines[0])).toMatchObject({ auth_required: true, tls_required: true });
    expect(intruder.lines.slice(1).join(' ')).toMatch(/Authorization Violation/i);
  });

  test('the nodes still find each other over the secured routes: the journal is provisioned at R3 and every replica is current', { timeout: 60_000 }, async () => {
    await provisionCluster(nc);
    const jsm = await jetstreamManager(nc);
    const deadline = Date.now() + 30_000;
    let replicas: { name: string; current: boolean }[] = [];
    while (Date.now() < deadline) {
      const info = await jsm.streams.info(defaultLayout.stream);
      replicas = (info.cluster?.replicas ?? []).map((r) => ({ name: r.name, current: r.current }));
      if (replicas.length === 2 && replicas.every((r) => r.current)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(replicas).toHaveLength(2);
    expect(replicas.every((r) => r.current)).toBe(true);
  });
});
