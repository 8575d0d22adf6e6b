/**
 * The process commands: `leasehold start` (everything in one process) and
 * `leasehold api`, `leasehold scheduler`, `leasehold dhcp-agent` (one part each,
 * for a distributed layout), with Neutron's option names where it has them.
 * Settings come from leasehold.yaml, then the environment, then these flags
 * (config/load.ts); a flag given on the command line wins.
 */
import { Command, Option } from 'commander';
import { findConfigFile, loadConfig } from '../config/load.js';
import { checkConfig } from '../config/resolve.js';
import type { Override } from '../config/env.js';
import { LOG_FORMATS, LOG_LEVELS } from '../config/schema.js';
import { createLogger } from '../observability/logger.js';
import { parseListen } from '../observability/server.js';
import type { SystemOptions } from '../runtime/system.js';
import { start } from './start.js';

/** The metrics address of `leasehold start` when nothing sets one. */
export const DEFAULT_METRICS_LISTEN = '127.0.0.1:9464';

/** Where `leasehold start` serves Neutron's HTTP API when nothing sets it (Neutron's own port). */
export const DEFAULT_HTTP_LISTEN = '127.0.0.1:9696';

/** Each flag's setting in leasehold.yaml (commander's attribute name → path). */
export const FLAG_SETTINGS: Readonly<Record<string, readonly string[]>> = {
  dataDir: ['nats', 'data_dir'],
  natsUrl: ['nats', 'url'],
  replayStallTimeout: ['nats', 'replay_stall_timeout'],
  reportInterval: ['agent', 'report_interval'],
  agentDownTime: ['api', 'agent_down_time'],
  http: ['api', 'http_listen'],
  metricsListen: ['metrics', 'listen'],
  logLevel: ['log', 'level'],
  logFormat: ['log', 'format'],
  agentId: ['agent', 'agent_id'],
  host: ['agent', 'host'],
  availabilityZone: ['agent', 'availability_zone'],
  interfaceMappings: ['agent', 'interface_mappings'],
  relayInterfaces: ['agent', 'relay_interfaces'],
  dhcpPort: ['agent', 'dhcp_port'],
  configureInterfaces: ['agent', 'configure_interfaces'],
  agentsPerNetwork: ['scheduler', 'agents_per_network'],
  networkScheduler: ['scheduler', 'network_scheduler'],
  failover: ['scheduler', 'allow_automatic_dhcp_failover'],
  logDhcp: ['log', 'dhcp'],
  logQueries: ['log', 'queries'],
};

const optionFlag = (command: Command, attribute: string) => command.options.find((o) => o.attributeName() === attribute)?.long ?? attribute;

/** The flags given on the command line (not commander defaults) as config overrides. */
export function flagOverrides(command: Command): Override[] {
  const values = command.opts<Record<string, unknown>>();
  return Object.entries(FLAG_SETTINGS).flatMap(([attribute, path]) =>
    command.getOptionValueSource(attribute) === 'cli' && values[attribute] !== undefined
      ? [{ path, value: values[attribute], source: optionFlag(command, attribute) }]
      : [],
  );
}

function common(command: Command): Command {
  return command
    .option('--config <file>', 'configuration file (default: $LEASEHOLD_CONFIG, else ./leasehold.yaml if present)')
    .option('--data-dir <dir>', 'where an embedded nats-server keeps its store (nats.data_dir, default ./.leasehold)')
    .option('--nats-url <url>', 'use this NATS server instead of an embedded one (nats.url, $NATS_URL)')
    .option('--replay-stall-timeout <s>', 'give up (exit 1) when the start-up replay applies no event for this long (default 120; 0: wait for ever)')
    .option('--report-interval <s>', "how often agents heartbeat (Neutron's report_interval, default 30)")
    .option('--agent-down-time <s>', "an agent silent this long is dead (Neutron's agent_down_time, default 75)")
    .option('--metrics-listen <host:port>', `Prometheus /metrics, /healthz, /readyz (default ${DEFAULT_METRICS_LISTEN} for start, off otherwise; port 0: off)`)
    .addOption(new Option('--log-level <level>', 'lowest log level written (default info)').choices([...LOG_LEVELS]))
    .addOption(new Option('--log-format <format>', 'json, pretty, or auto: pretty on a terminal (default auto)').choices([...LOG_FORMATS]));
}

function agentOptions(command: Command): Command {
  return command
    .option('--agent-id <id>', "this agent's id (default dhcp-<hostname>)")
    .option('--host <name>', 'host name to report')
    .option('--availability-zone <az>', 'availability zone to report (default nova)')
    .option('--interface-mappings <list>', "physnet:interface,... (Neutron's physical_interface_mappings; * for networks without one)")
    .option('--relay-interfaces <list>', 'interfaces that only hear relayed requests')
    .option('--dhcp-port <n>', 'UDP port to serve DHCP on (default 67)')
    .option('--no-configure-interfaces', 'do not add the DHCP port address to mapped interfaces')
    .option('--log-dhcp [networks]', "dnsmasq's log-dhcp: a line per DHCP packet and its outcome, for every network or these (names or ids, comma-separated) (log.dhcp)")
    .option('--log-queries [networks]', "dnsmasq's log-queries: a line per DNS query of the agent's cache and its answer (log.queries)");
}

function apiOptions(command: Command): Command {
  return command.option('--http <host:port>', `Neutron's HTTP API for the openstack CLI (api.http_listen; default ${DEFAULT_HTTP_LISTEN} for start, off for api; port 0: off)`);
}

function schedulerOptions(command: Command): Command {
  return command
    .option('--agents-per-network <n>', "Neutron's dhcp_agents_per_network (default 1)")
    .option('--network-scheduler <name>', "Neutron's network_scheduler_driver: chance, weight or az (default weight)")
    .option('--no-failover', 'do not move networks off dead agents (allow_automatic_dhcp_failover = false)');
}

type Part = 'api' | 'scheduler' | 'agent';

/** Loads the configuration for a process command and runs the parts it asks for. */
async function serve(command: Command, title: string, parts: readonly Part[]): Promise<void> {
  const flags = command.opts<{ config?: string }>();
  const file = findConfigFile(flags.config);
  const loaded = loadConfig({ file, env: process.env, flags: flagOverrides(command) });
  const checked = checkConfig(loaded);
  const { config } = loaded;
  const logger = createLogger({ level: config.log.level, format: config.log.format, base: { process: title } });
  logger.info({ component: 'config', file: file ?? null }, file ? `configuration from ${file}` : 'no configuration file: defaults, environment and flags');
  const listenText = config.metrics.listen ?? (parts.length === 3 ? DEFAULT_METRICS_LISTEN : undefined);
  const listen = listenText === undefined ? undefined : parseListen(listenText);
  const httpText = config.api.http_listen ?? (parts.length === 3 ? DEFAULT_HTTP_LISTEN : undefined);
  const httpListen = httpText === undefined ? undefined : parseListen(httpText);
  // Only an address someone set must be served; the default one only warns when taken (a second system on one machine).
  const http = httpListen && { listen: httpListen, required: config.api.http_listen !== undefined, ...(config.api.http_token ? { token: config.api.http_token } : {}) };
  const system: SystemOptions = {
    // The API names ports as the agents' DNS does: both read agent.dns.domain (Neutron's one dns_domain).
    api: parts.includes('api') && { agentDownTimeMs: Math.round(config.api.agent_down_time * 1000), quotas: config.quotas, dnsDomain: config.agent.dns.domain, ...(http ? { http } : {}) },
    scheduler: parts.includes('scheduler') && checked.scheduler,
    agent: parts.includes('agent') && checked.agent,
    logger,
    replayStallLimitMs: Math.round(config.nats.replay_stall_timeout * 1000),
    transactionRate: config.log.transaction_rate,
    history: {
      retentionMs: Math.round(config.history.retention * 1000),
      compactEveryMs: Math.round(config.history.compact_interval * 1000),
      snapshotEveryMs: Math.round(config.history.snapshot_interval * 1000),
      snapshotEveryEvents: config.history.snapshot_events,
    },
    ...(listen ? { metrics: { listen, readyMaxLag: config.metrics.ready_max_lag, required: config.metrics.listen !== undefined } } : {}),
  };
  await start({ dataDir: config.nats.data_dir, natsUrl: config.nats.url, parts: system, title });
}

export function addServeCommands(program: Command): void {
  apiOptions(schedulerOptions(agentOptions(common(program.command('start')))))
    .description('run the whole system in this process (API, scheduler, a DHCP agent); spawns its own nats-server unless NATS_URL is set')
    .action((_flags: unknown, command: Command) => serve(command, 'leasehold', ['api', 'scheduler', 'agent']));
  apiOptions(common(program.command('api')))
    .description('run only the API service')
    .action((_flags: unknown, command: Command) => serve(command, 'leasehold api', ['api']));
  schedulerOptions(common(program.command('scheduler')))
    .description('run only the DHCP agent scheduler (several may run at once)')
    .action((_flags: unknown, command: Command) => serve(command, 'leasehold scheduler', ['scheduler']));
  // Neutron's binary is neutron-dhcp-agent; `leasehold agent ...` manages agents through the API.
  agentOptions(common(program.command('dhcp-agent')))
    .description('run only a DHCP agent (one per host)')
    .action((_flags: unknown, command: Command) => serve(command, 'leasehold dhcp-agent', ['agent']));
}
