/**
 * Entry point of `npm run cluster` (see cluster.ts): parses the flags, runs
 * the cluster and the system until Ctrl-C or SIGTERM, then stops every part
 * and every nats-server it started.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultAgentConfig, parseInterfaceMappings } from '@leasehold/agent';
import { lockDataDir } from '@leasehold/journal';
import { Command } from 'commander';
import { startClusterSystem } from './cluster.js';
import { untilSignal } from '@leasehold/server';

interface Flags {
  dataDir: string;
  auth: boolean;
  agentId?: string;
  interfaceMappings: string;
  dhcpPort: string;
  reportInterval: string;
  agentDownTime: string;
  routeCert?: string;
  routeKey?: string;
  routeCa?: string;
}

const seconds = (text: string, flag: string) => {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number of seconds, not "${text}"`);
  return Math.round(n * 1000);
};

const program = new Command()
  .name('npm run cluster --')
  .description('a three-node nats-server JetStream cluster on loopback (stream and buckets at R3) and the system (API, scheduler, a DHCP agent) on it')
  .option('--data-dir <dir>', 'nodes keep their stores and configs in <dir>/cluster/', process.env.LEASEHOLD_DATA_DIR ?? './.leasehold')
  .option('--auth', 'lock NATS down: one user per role, with the permissions of the journal\'s role table', false)
  .option('--route-cert <file>', 'routes between nodes speak mutual TLS with this certificate (serverAuth and clientAuth usage); needs --route-key and --route-ca')
  .option('--route-key <file>', "the route certificate's private key")
  .option('--route-ca <file>', 'the CA route certificates must chain to')
  .option('--agent-id <id>', "the agent's id (default dhcp-<hostname>)", process.env.LEASEHOLD_AGENT_ID)
  .option('--interface-mappings <list>', "physnet:interface,... (Neutron's physical_interface_mappings)", process.env.LEASEHOLD_INTERFACE_MAPPINGS ?? '')
  .option('--dhcp-port <n>', 'UDP port to serve DHCP on', '67')
  .option('--report-interval <s>', "how often agents heartbeat (Neutron's report_interval)", process.env.LEASEHOLD_REPORT_INTERVAL ?? '30')
  .option('--agent-down-time <s>', "an agent silent this long is dead (Neutron's agent_down_time)", process.env.LEASEHOLD_AGENT_DOWN_TIME ?? '75')
  .action(async (flags: Flags) => {
    const dataDir = resolve(flags.dataDir);
    const reportIntervalMs = seconds(flags.reportInterval, '--report-interval');
    const agentDownTimeMs = seconds(flags.agentDownTime, '--agent-down-time');
    const routeFiles = [flags.routeCert, flags.routeKey, flags.routeCa];
    if (routeFiles.some(Boolean) && !routeFiles.every(Boolean)) throw new Error('--route-cert, --route-key and --route-ca go together');
    for (const file of routeFiles) if (file && !existsSync(file)) throw new Error(`no such file: ${file}`);
    // One system per data directory, as for `leasehold start`: the cluster's stores and nats.url live there too.
    const lock = lockDataDir(dataDir);
    const system = await startClusterSystem({
      dataDir,
      auth: flags.auth,
      ...(flags.routeCert && flags.routeKey && flags.routeCa
        ? { routeTls: { certFile: resolve(flags.routeCert), keyFile: resolve(flags.routeKey), caFile: resolve(flags.routeCa) } }
        : {}),
      agent: defaultAgentConfig({
        ...(flags.agentId ? { agentId: flags.agentId } : {}),
        interfaceMappings: parseInterfaceMappings(flags.interfaceMappings),
        dhcpPort: Number(flags.dhcpPort),
        reportIntervalMs,
        agentDownTimeMs,
      }),
      scheduler: { reportInterval: reportIntervalMs, agentDownTime: agentDownTimeMs },
      agentDownTimeMs,
    }).catch((error: unknown) => {
      lock.release();
      throw error;
    });
    lock.record({ natsUrl: system.urls[0]! });
    // The CLI finds the system through this file; one URL is enough, the client learns the others from the server.
    const urlFile = join(dataDir, 'nats.url');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(urlFile, `${system.urls[0]}\n`);

    console.log(`leasehold cluster is running (${system.urls.length} nodes)`);
    for (const line of system.describe()) console.log(line);
    console.log(`  data dir   ${dataDir}  (NATS URL in ${urlFile})`);
    console.log('Press Ctrl-C to stop.');

    void system.cluster.unexpectedExit.then(({ node, code }) => {
      console.error(`nats-server ${node} exited (code ${code}); the cluster runs on with the others`);
    });
    await untilSignal(async () => {
      rmSync(urlFile, { force: true });
      await system.stop();
      lock.release();
    });
    console.log('stopped');
  });

await program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
