/**
 * The config file of one node of a local JetStream cluster. Every node
 * names all the cluster's route ports (its own included: nats-server skips
 * a route to itself), so any two nodes find each other whichever starts first.
 */
import { confString, tlsBlock, type TlsFiles } from '../access/server-config.js';

/** The user and password every node presents on its routes and requires of the others. */
export interface RouteAuth {
  readonly user: string;
  readonly password: string;
}

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
  /** Routes need this user and password (each node uses it to connect to the others). */
  readonly routeAuth?: RouteAuth;
  /**
   * Routes speak mutual TLS: each node presents this certificate and
   * verifies the other's against `caFile`. The certificate serves both ends
   * of a route, so it needs both serverAuth and clientAuth usage, and a name
   * or address matching the route URLs.
   */
  readonly routeTls?: Omit<TlsFiles, 'verify'>;
  /** Extra blocks (authorization, tls) appended verbatim. */
  readonly extra?: string;
}

/** The nats-server config text of one cluster node. Pure. */
export function nodeConfigText(config: NodeConfig): string {
  const auth = config.routeAuth;
  // URL user info is percent-encoded; nats-server decodes it before comparing.
  const login = auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.password)}@` : '';
  const routes = config.routePorts.map((port) => confString(`nats-route://${login}${config.host}:${port}`));
  const indent = (text: string) => text.split('\n').map((line) => `  ${line}`);
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
    ...(auth ? [`  authorization { user: ${confString(auth.user)}, password: ${confString(auth.password)} }`] : []),
    ...(config.routeTls ? indent(tlsBlock({ ...config.routeTls, verify: true })) : []),
    '}',
    ...(config.extra ? [config.extra] : []),
    '',
  ].join('\n');
}
