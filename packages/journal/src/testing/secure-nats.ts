/**
 * A real nats-server locked down like production, for tests: users and
 * permissions generated from the role table, optionally TLS with a
 * throwaway CA (made with the `openssl` command) and client certificates.
 *
 *   await using nats = await startSecureNats({ users, tls: true });
 *   const nc = await nats.connect({ user: 'api', pass: 'secret' });
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { authorizationBlock, confString, tlsBlock, type AccessUser } from '../access/server-config.js';
import { connectNats, type ConnectOptions } from '../connect.js';
import { startNatsServer, type NatsServer } from '../nats-server.js';

export interface TestCertificates {
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** For cluster routes: both ends of a route use it, so it is good for serverAuth and clientAuth. */
  readonly routeCertFile: string;
  readonly routeKeyFile: string;
}

/** Makes a CA, a server certificate for 127.0.0.1/localhost, a client certificate and a route certificate, in `dir`. Needs `openssl`. */
export function makeTestCertificates(dir: string): TestCertificates {
  mkdirSync(dir, { recursive: true });
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '1', '-subj', '/CN=leasehold test CA');
  const leaf = (name: string, ext: string) => {
    writeFileSync(file(`${name}.ext`), ext);
    openssl('req', ...ec, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=leasehold ${name}`);
    openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file(`${name}.pem`), '-days', '1', '-extfile', file(`${name}.ext`));
  };
  leaf('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'extendedKeyUsage=clientAuth\n');
  leaf('route', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  return {
    caFile: file('ca.pem'),
    serverCertFile: file('server.pem'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.pem'),
    clientKeyFile: file('client.key'),
    routeCertFile: file('route.pem'),
    routeKeyFile: file('route.key'),
  };
}

export interface SecureNatsOptions {
  readonly users: readonly AccessUser[];
  /** Require TLS with verified client certificates (mutual TLS). */
  readonly tls?: boolean;
}

export interface SecureNats extends AsyncDisposable {
  readonly url: string;
  readonly dir: string;
  readonly configFile: string;
  readonly certificates: TestCertificates | undefined;
  server(): NatsServer;
  /** Connects with these credentials (and the test CA and client certificate when TLS is on); never reads the environment. */
  connect(options: ConnectOptions): Promise<NatsConnection>;
  stop(): Promise<void>;
}

export async function startSecureNats(options: SecureNatsOptions): Promise<SecureNats> {
  const dir = mkdtempSync(join(tmpdir(), 'lh-secure-nats-'));
  const storeDir = join(dir, 'store');
  const certificates = options.tls ? makeTestCertificates(join(dir, 'tls')) : undefined;
  const configFile = join(dir, 'nats-server.conf');
  const blocks = [`jetstream { store_dir: ${confString(storeDir)} }`, authorizationBlock(options.users)];
  if (certificates) {
    blocks.push(tlsBlock({ certFile: certificates.serverCertFile, keyFile: certificates.serverKeyFile, caFile: certificates.caFile, verify: true }));
  }
  writeFileSync(configFile, `${blocks.join('\n')}\n`, { mode: 0o600 });
  let server: NatsServer;
  try {
    server = await startNatsServer({ storeDir, configFile });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const connections = new Set<NatsConnection>();
  const stop = async () => {
    await Promise.allSettled([...connections].map((nc) => nc.close()));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    url: server.url,
    dir,
    configFile,
    certificates,
    server: () => server,
    async connect(connectOptions) {
      const nc = await connectNats(server.url, {
        env: {},
        maxReconnectAttempts: 0,
        ...(certificates ? { tls: { caFile: certificates.caFile, certFile: certificates.clientCertFile, keyFile: certificates.clientKeyFile } } : {}),
        ...connectOptions,
      });
      connections.add(nc);
      void nc.closed().then(() => connections.delete(nc));
      return nc;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
