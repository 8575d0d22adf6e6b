/**
 * A local JetStream cluster of `nats-server` processes on loopback: each
 * node with its own client and cluster port (free ports picked at start,
 * kept across a node's restart so clients and routes find it again), its
 * own store directory and a generated config file. For `npm run cluster`
 * and for fault tests (kill a node, start it again on the same store).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ClusterStartError } from '../errors.js';
import { startNatsServer, type NatsServer } from '../nats-server.js';
import { defaultLayout, provisionJournal, type JournalLayout, type Provisioned } from '../provision.js';
import { copyLegacySnapshots } from '../snapshots/legacy-object-store.js';
import type { TlsFiles } from '../access/server-config.js';
import { nodeConfigText, type RouteAuth } from './config.js';

export interface NatsClusterOptions {
  /** Each node keeps `<dir>/<node name>/` (store and config file). */
  readonly dir: string;
  /** Number of nodes; 3 by default (R3 survives one node down). */
  readonly size?: number;
  readonly clusterName?: string;
  readonly host?: string;
  /** Extra config appended to every node's file (authorization and tls blocks). */
  readonly extraConfig?: string;
  /** Routes require this user and password (nodes of other clusters, or anyone else, cannot join). */
  readonly routeAuth?: RouteAuth;
  /** Routes speak mutual TLS with this certificate (serverAuth + clientAuth) and CA. */
  readonly routeTls?: Omit<TlsFiles, 'verify'>;
  readonly startTimeoutMs?: number;
}

export interface ClusterNode {
  /** Server name, e.g. `lh-n1`. */
  readonly name: string;
  readonly url: string;
  readonly clientPort: number;
  readonly clusterPort: number;
  readonly storeDir: string;
  readonly configFile: string;
  /** The running process, or undefined while the node is down. */
  server(): NatsServer | undefined;
}

export interface NatsCluster extends AsyncDisposable {
  readonly name: string;
  readonly nodes: readonly ClusterNode[];
  /** Client URLs of every node, for `connectNats(cluster.urls)`. */
  readonly urls: string[];
  node(name: string): ClusterNode;
  /** SIGKILL one node (a crash). */
  kill(name: string): Promise<void>;
  /** Starts a stopped or killed node again on its ports and store. */
  start(name: string): Promise<void>;
  /** Resolves with the first node that exits without being told to. */
  readonly unexpectedExit: Promise<{ node: string; code: number | null }>;
  /**
   * Rewrites every node's config file with `extraConfig` in place of the
   * extra blocks it was started with (a new authorization block), and has
   * every running node reload it; a node that is down reads it when it
   * starts. Resolves once every running node says it reloaded.
   */
  reconfigure(extraConfig: string): Promise<void>;
  /** SIGTERM every node (graceful), SIGKILL after the grace period. */
  stop(): Promise<void>;
}

/** Free TCP ports on `host`, held open together so no two are the same. */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, host, () => resolve(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** Writes each node's config and starts all the nodes; resolves once each listens for clients. */
export async function startNatsCluster(options: NatsClusterOptions): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const host = options.host ?? '127.0.0.1';
  const clusterName = options.clusterName ?? 'leasehold';
  const ports = await freePorts(size * 2, host);
  const clusterPorts = ports.slice(size);
  const nodes = Array.from({ length: size }, (_, i) => {
    const name = `lh-n${i + 1}`;
    const dir = join(options.dir, name);
    const storeDir = join(dir, 'store');
    const configFile = join(dir, 'nats-server.conf');
    mkdirSync(storeDir, { recursive: true });
    const clientPort = ports[i]!;
    const writeConfig = (extra: string | undefined) =>
      writeAtomically(
        configFile,
        nodeConfigText({ serverName: name, clusterName, host, clientPort, clusterPort: clusterPorts[i]!, routePorts: clusterPorts, storeDir, extra, routeAuth: options.routeAuth, routeTls: options.routeTls }),
      );
    writeConfig(options.extraConfig);
    return { name, url: `nats://${host}:${clientPort}`, clientPort, clusterPort: clusterPorts[i]!, storeDir, configFile, writeConfig, proc: undefined as NatsServer | undefined, stopping: false };
  });

  let reportExit!: (value: { node: string; code: number | null }) => void;
  const unexpectedExit = new Promise<{ node: string; code: number | null }>((resolve) => (reportExit = resolve));
  const startNode = async (node: (typeof nodes)[number]) => {
    node.stopping = false;
    const proc = await startNatsServer({
      storeDir: node.storeDir,
      host,
      port: node.clientPort,
      configFile: node.configFile,
      startTimeoutMs: options.startTimeoutMs ?? 10_000,
    });
    node.proc = proc;
    void proc.exited.then((code) => {
      if (node.proc === proc) node.proc = undefined;
      if (!node.stopping) reportExit({ node: node.name, code });
    });
  };
  const find = (name: string) => {
    const node = nodes.find((n) => n.name === name);
    if (!node) throw new RangeError(`no node ${name} in cluster ${clusterName}`);
    return node;
  };
  const stop = async () => {
    await Promise.all(
      nodes.map(async (node) => {
        node.stopping = true;
        await node.proc?.stop();
      }),
    );
  };
  try {
    await Promise.all(nodes.map(startNode));
  } catch (error) {
    await stop();
    throw error;
  }

  const views: ClusterNode[] = nodes.map((node) => ({
    name: node.name,
    url: node.url,
    clientPort: node.clientPort,
    clusterPort: node.clusterPort,
    storeDir: node.storeDir,
    configFile: node.configFile,
    server: () => node.proc,
  }));
  return {
    name: clusterName,
    nodes: views,
    urls: nodes.map((n) => n.url),
    node: (name) => views[nodes.indexOf(find(name))]!,
    async kill(name) {
      const node = find(name);
      node.stopping = true;
      await node.proc?.kill();
    },
    async start(name) {
      const node = find(name);
      if (node.proc) return;
      await startNode(node);
    },
    unexpectedExit,
    async reconfigure(extraConfig) {
      for (const node of nodes) node.writeConfig(extraConfig);
      await Promise.all(nodes.map((node) => node.proc?.reload()));
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Writes a file readable by its owner only, by rename: a node starting meanwhile reads the old file or the new one, never half of one. */
function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, path);
}

/**
 * Resolves once JetStream answers through `nc` (the cluster has a meta
 * leader: before that, the JetStream API answers "temporarily unavailable"
 * or not at all); throws `ClusterStartError` after `timeoutMs`.
 */
export async function waitForJetStream(nc: NatsConnection, timeoutMs = 20_000): Promise<void> {
  await retryUntil(timeoutMs, 'JetStream meta leader', async () => {
    const jsm = await jetstreamManager(nc, { timeout: 2_000 });
    await jsm.getAccountInfo();
  });
}

/**
 * Provisions the journal's stream and buckets at the layout's replicas,
 * retrying while the cluster is still forming (an R3 stream needs three
 * peers known to the meta leader); throws `ClusterStartError` after `timeoutMs`.
 */
export async function provisionCluster(nc: NatsConnection, layout: Partial<JournalLayout> = {}, timeoutMs = 30_000): Promise<Provisioned> {
  const full = { ...defaultLayout, replicas: 3, ...layout };
  const provisioned = await retryUntil(timeoutMs, `provisioning ${full.stream} at R${full.replicas}`, async () =>
    provisionJournal(nc, await jetstreamManager(nc, { timeout: 5_000 }), full),
  );
  // The bucket is new: bring over the snapshots of the object store used before it (Journal.open does the same).
  if (provisioned.createdProjectionBucket) await copyLegacySnapshots(nc, await jetstreamManager(nc), full);
  return provisioned;
}

async function retryUntil<T>(timeoutMs: number, what: string, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() >= deadline) throw new ClusterStartError(`${what}: not ready within ${timeoutMs} ms (${(error as Error).message})`, { cause: error });
      await sleep(250);
    }
  }
}
