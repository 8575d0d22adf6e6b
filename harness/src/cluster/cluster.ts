/**
 * `npm run cluster`: a three-node JetStream cluster on loopback and the
 * whole system on it. The nodes keep their stores and generated configs
 * under `<data-dir>/cluster/`; once JetStream has a metadata leader, the
 * admin provisions the stream and buckets at R3, then the API, the
 * scheduler and a DHCP agent start exactly as `leasehold start` runs them
 * (startSystem), each on its own connection to the cluster's three URLs.
 *
 * With `auth`, the generated configs lock NATS down by role (see the
 * journal's access table): each part connects as its own user, and the
 * credentials are written to `<data-dir>/cluster/credentials/<user>.env`;
 * the routes between nodes need a generated password too. With `routeTls`,
 * routes speak mutual TLS.
 *
 * With `auth` the agents' lease permissions follow the bindings as on the
 * embedded server (@leasehold/server's runtime/access-keeper.ts): the scheduler part's keeper
 * rewrites the authorization block of every node's config and has each
 * running node reload it. Every node holds the whole user table and checks
 * its own clients, so all three are reloaded, at once; a node that is down
 * reads the current file when it starts again.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AgentConfig } from '@leasehold/agent';
import {
  authorizationBlock,
  connectNats,
  withLeaseNetworks,
  provisionCluster,
  startNatsCluster,
  waitForJetStream,
  type AccessUser,
  type ConnectOptions,
  type NatsCluster,
} from '@leasehold/journal';
import type { SchedulerConfig } from '@leasehold/scheduler';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectedRuntime, createLogger, partLog, startSystem, untilIdle, type LeaseAccessTarget, type Logger, type NatsRuntime, type RunningSystem } from '@leasehold/server';

export interface ClusterSystemOptions {
  readonly dataDir: string;
  /** Lock NATS down: one user per role, generated passwords; routes need a password. */
  readonly auth: boolean;
  /** Routes between nodes speak mutual TLS with this certificate (serverAuth + clientAuth), key and CA. */
  readonly routeTls?: { readonly certFile: string; readonly keyFile: string; readonly caFile: string };
  readonly agent: AgentConfig;
  readonly scheduler: Partial<SchedulerConfig>;
  readonly agentDownTimeMs: number;
  /** Each part logs through a child of this logger (as `leasehold start`). */
  readonly logger?: Logger;
  /** Bound on waiting for the metadata leader and provisioning. */
  readonly readyTimeoutMs?: number;
}

export interface ClusterSystem {
  readonly cluster: NatsCluster;
  readonly urls: readonly string[];
  /** Per user name: the options that log in as it (empty without auth). */
  readonly credentials: ReadonlyMap<string, ConnectOptions>;
  /** Where each user's `NATS_USER`/`NATS_PASSWORD` file is (auth only). */
  readonly credentialsDir: string | undefined;
  readonly parts: { readonly api: RunningSystem; readonly scheduler: RunningSystem; readonly agent: RunningSystem };
  /** Lines saying what runs and where. */
  describe(): string[];
  /** Stops the system, then every node; leaves no process behind. */
  stop(): Promise<void>;
}

/** The users of a locked-down cluster: the admin (provisioning), one per running part, and an API client. */
function clusterUsers(agentId: string): AccessUser[] {
  const password = () => randomBytes(18).toString('base64url');
  return [
    { name: 'admin', password: password(), role: { kind: 'admin' } },
    { name: 'api', password: password(), role: { kind: 'api' } },
    // The API's journal side: JetStream's deliveries must not reach the user that answers requests (slow on nats-server 2.9, see the role table).
    { name: 'api-journal', password: password(), role: { kind: 'api', serves: false } },
    { name: 'scheduler', password: password(), role: { kind: 'scheduler' } },
    { name: `agent-${agentId}`, password: password(), role: { kind: 'agent', agentId } },
    { name: 'client', password: password(), role: { kind: 'client' } },
  ];
}

export async function startClusterSystem(options: ClusterSystemOptions): Promise<ClusterSystem> {
  const logger = options.logger ?? createLogger({ level: 'info', format: 'auto' });
  const log = partLog(logger, 'cluster');
  const dir = join(resolve(options.dataDir), 'cluster');
  const agentUser = `agent-${options.agent.agentId}`;
  const users = options.auth ? clusterUsers(options.agent.agentId) : [];
  const credentials = new Map<string, ConnectOptions>(
    users.flatMap((u) => ('password' in u ? [[u.name, { user: u.name, pass: u.password }] as const] : [])),
  );
  let credentialsDir: string | undefined;
  if (options.auth) {
    credentialsDir = join(dir, 'credentials');
    mkdirSync(credentialsDir, { recursive: true, mode: 0o700 });
    for (const [name, c] of credentials) writeFileSync(join(credentialsDir, `${name}.env`), `NATS_USER=${c.user}\nNATS_PASSWORD=${c.pass}\n`, { mode: 0o600 });
  }
  const as = (user: string): ConnectOptions => credentials.get(user) ?? { env: {} };

  const cluster = await startNatsCluster({
    dir,
    // No lease of any network until the scheduler part's first sync (access-keeper.ts says why).
    ...(options.auth ? { extraConfig: authorizationBlock(withLeaseNetworks(users, new Map())), routeAuth: { user: 'route', password: randomBytes(18).toString('base64url') } } : {}),
    ...(options.routeTls ? { routeTls: options.routeTls } : {}),
  });
  const connections: NatsConnection[] = [];
  const connectAs = async (user: string, name: string) => {
    const nc = await connectNats(cluster.urls, { name, env: {}, ...as(user) });
    connections.push(nc);
    return nc;
  };
  const started: RunningSystem[] = [];
  const stop = async () => {
    for (const part of started.reverse()) await part.stop().catch((error: unknown) => log(`stop: ${String(error)}`));
    await Promise.allSettled(connections.map((nc) => nc.drain().catch(() => nc.close())));
    await cluster.stop();
  };
  try {
    const admin = await connectAs('admin', 'leasehold-cluster-admin');
    await waitForJetStream(admin, options.readyTimeoutMs ?? 30_000);
    await provisionCluster(admin, { replicas: cluster.nodes.length }, options.readyTimeoutMs ?? 30_000);
    // Each part on its own role's connections, which stop() below closes.
    const runtime = (nc: NatsConnection, journalNc = nc): NatsRuntime => connectedRuntime(cluster.urls.join(','), nc, journalNc);
    const apiNc = await connectAs('api', 'leasehold-api');
    const apiRuntime = runtime(apiNc, options.auth ? await connectAs('api-journal', 'leasehold-api-journal') : apiNc);
    const api = await startSystem(apiRuntime, { api: { agentDownTimeMs: options.agentDownTimeMs }, logger });
    started.push(api);
    const leaseAccess: LeaseAccessTarget | undefined = options.auth
      ? {
          describe: `${cluster.nodes.length} node configs under ${dir}`,
          apply: async (leaseNetworks) => {
            // A reload cuts the API's answers in flight (nats-server 2.9, server's access-keeper.ts): wait for the API part to be idle, 1 s at most.
            await untilIdle(() => api.api?.admission.inFlight ?? 0, apiNc, 1_000);
            await cluster.reconfigure(authorizationBlock(withLeaseNetworks(users, leaseNetworks)));
          },
        }
      : undefined;
    // The scheduler part keeps the lease permissions: it folds the bindings, and starts before the agent.
    const schedulerRuntime = runtime(await connectAs('scheduler', 'leasehold-scheduler'));
    const scheduler = await startSystem(leaseAccess ? { ...schedulerRuntime, leaseAccess } : schedulerRuntime, { scheduler: options.scheduler, logger });
    started.push(scheduler);
    const agent = await startSystem(runtime(await connectAs(agentUser, `leasehold-${agentUser}`)), { agent: options.agent, logger });
    started.push(agent);
    const parts = { api, scheduler, agent };
    return {
      cluster,
      urls: cluster.urls,
      credentials,
      credentialsDir,
      parts,
      describe() {
        const version = admin.info?.version ?? 'unknown';
        const lines = cluster.nodes.map(
          (n) => `  nats       ${n.name} ${n.url}  (nats-server ${version}, pid ${n.server()?.pid ?? 'down'}, cluster port ${n.clusterPort}, config ${n.configFile})`,
        );
        // Each part's own lines, without the NATS line startSystem prints for a single server.
        const own = (part: RunningSystem) => part.describe().filter((line) => !/^\s+nats\s/.test(line));
        const [journal, ...apiLines] = own(api);
        lines.push(`${journal ?? ''} at R${cluster.nodes.length}`, ...apiLines, ...own(scheduler).slice(1), ...own(agent).slice(1));
        lines.push(
          credentialsDir
            ? `  access     one user per role (admin, api, api-journal, scheduler, ${agentUser}, client); credentials in ${credentialsDir}; agents write the leases of the networks bound to them (every node reloaded as bindings change)`
            : '  access     open (no users; run with --auth to lock NATS down by role)',
          `  routes     ${[options.auth ? 'password' : 'open', options.routeTls ? `mutual TLS (${options.routeTls.certFile})` : 'plain TCP'].join(', ')}`,
        );
        return lines;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
