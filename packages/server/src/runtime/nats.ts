/**
 * Where the system's NATS comes from: `NATS_URL` when set, otherwise an
 * embedded `nats-server -js` spawned on a free loopback port with its store
 * under the data directory. Only the embedded case touches the data
 * directory: it locks it first (one system per directory; a second process
 * is refused before it spawns anything or writes a byte) and holds the lock
 * until the server has stopped.
 *
 * The embedded server admits no anonymous client: its users are the
 * credentials of `<data-dir>/credentials/` (journal's local-access), one
 * per role, and each part of this process connects as its own role, as it
 * would in a distributed layout (least privilege: a part's bug cannot write
 * what its role may not). The process keeps the admin connection for what
 * only the owner of the store does: provisioning at start and compaction.
 * Given a URL, the process has one connection, with the credentials of its
 * environment (NATS_USER, NATS_NKEY, NATS_CREDS, ...).
 */
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, CredentialsError, lockDataDir, prepareLocalAccess, roleOfLocalUser, startNatsServer, type LocalAccess } from '@leasehold/journal';
import type { LeaseAccessTarget } from './access-keeper.js';
import { superviseNatsServer, type RestartPolicy, type SupervisedNats } from './embedded-nats.js';

/**
 * A part of the system that gets a connection of its own on the embedded
 * server. The API has two: `api` serves requests, `api-journal` reads and
 * writes the journal (JetStream's deliveries must not reach the user that
 * may answer requests: nats-server 2.9 makes that slow, see the role table).
 */
export type Part = 'api' | 'api-journal' | 'scheduler' | 'agent';

export interface OpenNatsOptions {
  readonly natsUrl: string | undefined;
  readonly dataDir: string;
  readonly name: string;
  /** The parts this process runs; on the embedded server each connects as its role (the agent as agent-<id>). */
  readonly parts?: { readonly api?: boolean; readonly scheduler?: boolean; readonly agentId?: string };
  /** Where the embedded server's supervisor says that the server exited, restarts, or is given up on. */
  readonly log?: (level: 'error' | 'warn' | 'info', line: string) => void;
  readonly restartPolicy?: RestartPolicy;
}

export interface NatsRuntime {
  readonly url: string;
  /** The server this process spawned and owns (and restarts), with the data directory; undefined when given a URL. */
  readonly embedded: SupervisedNats | undefined;
  /**
   * The process's own connection: with a URL, every part's; on the embedded
   * server the admin's (provisioning, compaction, metrics of the stream).
   */
  readonly nc: NatsConnection;
  /** The connection a part runs on: its role's on the embedded server, else `nc`. */
  connectionOf(part: Part): NatsConnection;
  /** Every connection opened here. */
  readonly connections: readonly NatsConnection[];
  /** The embedded server's credentials; undefined when given a URL. */
  readonly access: LocalAccess | undefined;
  /**
   * Where the agents' lease permissions are kept equal to the bindings (the
   * access keeper, fed by this process's scheduler): the embedded server when
   * this process runs the scheduler, which renders agents with no lease
   * network until the first sync. Undefined otherwise: a static configuration
   * lets every agent write every network's leases.
   */
  readonly leaseAccess?: LeaseAccessTarget;
  /** Closes every connection at once, without draining (nothing to drain to once the server is gone). */
  abandon(): Promise<void>;
  close(): Promise<void>;
}

export async function openNats(options: OpenNatsOptions): Promise<NatsRuntime> {
  if (options.natsUrl) {
    const nc = await connectNats(splitServers(options.natsUrl), { name: options.name });
    return runtime(options.natsUrl, undefined, undefined, nc, new Map(), async () => {});
  }
  const parts = options.parts ?? {};
  const agentUser = parts.agentId === undefined ? undefined : `agent-${parts.agentId}`;
  if (agentUser && !roleOfLocalUser(agentUser)) {
    throw new CredentialsError(`agent id "${parts.agentId}" cannot name a NATS user of the embedded server (letters, digits, _ - : only): set --agent-id (agent.agent_id)`);
  }
  const lock = lockDataDir(options.dataDir);
  let embedded: SupervisedNats;
  let access: LocalAccess;
  try {
    // Only a process with the scheduler knows the bindings: it starts with none granted (access-keeper.ts says why).
    access = prepareLocalAccess(lock.dir, { users: agentUser ? [agentUser] : [], ...(parts.scheduler ? { leaseNetworks: new Map() } : {}) });
    if (access.tightened.length > 0) {
      options.log?.('warn', `credentials others could read were made private (0700/0600): ${access.tightened.join(', ')}; consider rotating them (docs/security.md)`);
    }
    embedded = await superviseNatsServer({
      start: (port) => startNatsServer({ storeDir: join(lock.dir, 'nats'), configFile: access.configFile, lock, ...(port === undefined ? {} : { port }) }),
      ...(options.restartPolicy ? { policy: options.restartPolicy } : {}),
      log: options.log ?? ((_level, line) => console.error(line)),
    });
  } catch (error) {
    lock.release();
    throw error;
  }
  const stopServer = async () => {
    await embedded.stop();
    // Only now: the server held the lock as well and has exited.
    lock.release();
  };
  const opened: NatsConnection[] = [];
  try {
    const login = async (user: string, name: string) => {
      const nc = await connectNats(embedded.url, { ...access.connectOptions(user), name });
      opened.push(nc);
      return nc;
    };
    const nc = await login('admin', options.name);
    const byPart = new Map<Part, NatsConnection>();
    if (parts.api) {
      byPart.set('api', await login('api', `${options.name} api`));
      byPart.set('api-journal', await login('api-journal', `${options.name} api-journal`));
    }
    if (parts.scheduler) byPart.set('scheduler', await login('scheduler', `${options.name} scheduler`));
    if (agentUser) byPart.set('agent', await login(agentUser, `${options.name} ${agentUser}`));
    const leaseAccess = parts.scheduler ? embeddedLeaseAccess(access, embedded) : undefined;
    return { ...runtime(embedded.url, embedded, access, nc, byPart, stopServer), ...(leaseAccess ? { leaseAccess } : {}) };
  } catch (error) {
    await Promise.allSettled(opened.map((nc) => nc.close()));
    await stopServer();
    throw error;
  }
}

function runtime(url: string, embedded: SupervisedNats | undefined, access: LocalAccess | undefined, nc: NatsConnection, byPart: ReadonlyMap<Part, NatsConnection>, stopServer: () => Promise<void>): NatsRuntime {
  const connections = [nc, ...byPart.values()];
  return {
    url,
    embedded,
    nc,
    connectionOf: (part) => byPart.get(part) ?? nc,
    connections,
    access,
    async abandon() {
      await Promise.allSettled(connections.map((c) => c.close()));
    },
    async close() {
      // The parts' connections first: the admin's is the last to go, as it came first.
      for (const c of [...connections].reverse()) await c.drain().catch(() => c.close());
      await stopServer();
    },
  };
}

/**
 * A runtime on connections opened elsewhere (a cluster's nodes, a bench's own
 * nats-server): every part runs on `nc`, the API's journal on `journalNc`.
 * Nothing is spawned, and abandon/close leave the connections to whoever
 * opened them. Pure.
 */
export function connectedRuntime(url: string, nc: NatsConnection, journalNc: NatsConnection = nc): NatsRuntime {
  return {
    url,
    embedded: undefined,
    nc,
    connectionOf: (part) => (part === 'api-journal' ? journalNc : nc),
    connections: journalNc === nc ? [nc] : [nc, journalNc],
    access: undefined,
    abandon: async () => {},
    close: async () => {},
  };
}

/** The embedded server as the access keeper's target: its config file rewritten (atomically, 0600), then a reload. */
function embeddedLeaseAccess(access: LocalAccess, embedded: SupervisedNats): LeaseAccessTarget {
  return {
    describe: access.configFile,
    async apply(leaseNetworks) {
      access.writeServerConfig(leaseNetworks);
      await embedded.reload();
    },
  };
}

/** "nats://a:4222, nats://b:4222" → both URLs; one URL stays one. Pure. */
export function splitServers(url: string): string[] {
  return url.split(',').map((s) => s.trim()).filter(Boolean);
}
