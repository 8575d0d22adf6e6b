/**
 * The config file of one node of a local JetStream cluster. Every node
 * names all the cluster's route ports (its own included: nats-server skips
 * a route to itself), so any two nodes find each other whichever starts first.
 */
import { confString } from '../access/server-config.js';

export interface NodeConfig {
  /** Unique in the cluster; JetStream's RAFT groups know peers by it, so it must stay the same across restarts. */
  readonly serverName: string;
  readonly clusterName: string;
  readonly host: string;
  readonly clientPort: number;
  readonly clusterPort: number;
  /** The cluster ports of every node. */
  readonly routePorts: readonly number[];
  readonly storeDir: string;
  /** Extra blocks (authorization, tls) appended verbatim. */
  readonly extra?: string;
}

/** The nats-server config text of one cluster node. Pure. */
export function nodeConfigText(config: NodeConfig): string {
  const routes = config.routePorts.map((port) => confString(`nats-route://${config.host}:${port}`));
  return [
    `server_name: ${confString(config.serverName)}`,
    `listen: ${confString(`${config.host}:${config.clientPort}`)}`,
    'jetstream {',
    `  store_dir: ${confString(config.storeDir)}`,
    '}',
    'cluster {',
    `  name: ${confString(config.clusterName)}`,
    `  listen: ${confString(`${config.host}:${config.clusterPort}`)}`,
    `  routes: [${routes.join(', ')}]`,
    '}',
    ...(config.extra ? [config.extra] : []),
    '',
  ].join('\n');
}
