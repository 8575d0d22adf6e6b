/**
 * The process commands: `leasehold start` (everything in one process) and
 * `leasehold api`, `leasehold scheduler`, `leasehold dhcp-agent` (one part each,
 * for a distributed layout), with Neutron's option names where it has them.
 */
import { defaultAgentConfig, parseInterfaceMappings, type AgentConfig } from '@leasehold/agent';
import { STRATEGIES, type SchedulerConfig, type StrategyName } from '@leasehold/scheduler';
import { Command, Option } from 'commander';
import type { SystemOptions } from '../runtime/system.js';
import { start } from './start.js';

interface CommonFlags {
  dataDir: string;
  natsUrl?: string;
  reportInterval: string;
  agentDownTime: string;
}
interface AgentFlags {
  agentId?: string;
  host?: string;
  availabilityZone: string;
  interfaceMappings: string;
  relayInterfaces: string;
  dhcpPort: string;
  configureInterfaces: boolean;
}
interface SchedulerFlags {
  agentsPerNetwork: string;
  networkScheduler: string;
  failover: boolean;
}

const seconds = (text: string, flag: string) => {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number of seconds, not "${text}"`);
  return Math.round(n * 1000);
};

function common(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'where an embedded nats-server keeps its store', process.env.LEASEHOLD_DATA_DIR ?? './.leasehold')
    .option('--nats-url <url>', 'use this NATS server instead of an embedded one', process.env.NATS_URL)
    .option('--report-interval <s>', "how often agents heartbeat (Neutron's report_interval)", process.env.LEASEHOLD_REPORT_INTERVAL ?? '30')
    .option('--agent-down-time <s>', "an agent silent this long is dead (Neutron's agent_down_time)", process.env.LEASEHOLD_AGENT_DOWN_TIME ?? '75');
}

function agentOptions(command: Command): Command {
  return command
    .option('--agent-id <id>', 'this agent\'s id (default dhcp-<hostname>)', process.env.LEASEHOLD_AGENT_ID)
    .option('--host <name>', 'host name to report', process.env.LEASEHOLD_HOST)
    .option('--availability-zone <az>', 'availability zone to report', process.env.LEASEHOLD_AVAILABILITY_ZONE ?? 'nova')
    .option('--interface-mappings <list>', "physnet:interface,... (Neutron's physical_interface_mappings; * for networks without one)", process.env.LEASEHOLD_INTERFACE_MAPPINGS ?? '')
    .option('--relay-interfaces <list>', 'interfaces that only hear relayed requests', process.env.LEASEHOLD_RELAY_INTERFACES ?? '')
    .option('--dhcp-port <n>', 'UDP port to serve DHCP on', '67')
    .option('--no-configure-interfaces', 'do not add the DHCP port address to mapped interfaces');
}

function schedulerOptions(command: Command): Command {
  return command
    .option('--agents-per-network <n>', "Neutron's dhcp_agents_per_network", process.env.LEASEHOLD_AGENTS_PER_NETWORK ?? '1')
    .addOption(new Option('--network-scheduler <name>', "Neutron's network_scheduler_driver").choices([...STRATEGIES]).default(process.env.LEASEHOLD_NETWORK_SCHEDULER ?? 'weight'))
    .option('--no-failover', "do not move networks off dead agents (allow_automatic_dhcp_failover = false)");
}

function agentConfig(flags: CommonFlags & AgentFlags): AgentConfig {
  const port = Number(flags.dhcpPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--dhcp-port must be 1..65535, not "${flags.dhcpPort}"`);
  return defaultAgentConfig({
    ...(flags.agentId ? { agentId: flags.agentId } : {}),
    ...(flags.host ? { host: flags.host } : {}),
    availabilityZone: flags.availabilityZone,
    interfaceMappings: parseInterfaceMappings(flags.interfaceMappings),
    relayInterfaces: flags.relayInterfaces.split(',').map((s) => s.trim()).filter(Boolean),
    dhcpPort: port,
    configureInterfaces: flags.configureInterfaces,
    reportIntervalMs: seconds(flags.reportInterval, '--report-interval'),
    agentDownTimeMs: seconds(flags.agentDownTime, '--agent-down-time'),
  });
}

function schedulerPart(flags: CommonFlags & SchedulerFlags): Partial<SchedulerConfig> {
  const perNetwork = Number(flags.agentsPerNetwork);
  if (!Number.isInteger(perNetwork) || perNetwork < 1) throw new Error(`--agents-per-network must be a positive integer, not "${flags.agentsPerNetwork}"`);
  return {
    agentsPerNetwork: perNetwork,
    strategy: flags.networkScheduler as StrategyName,
    allowAutomaticDhcpFailover: flags.failover,
    reportInterval: seconds(flags.reportInterval, '--report-interval'),
    agentDownTime: seconds(flags.agentDownTime, '--agent-down-time'),
  };
}

export function addServeCommands(program: Command): void {
  const run = (title: string, flags: CommonFlags, parts: SystemOptions) => start({ dataDir: flags.dataDir, natsUrl: flags.natsUrl || undefined, parts, title });

  schedulerOptions(agentOptions(common(program.command('start'))))
    .description('run the whole system in this process (API, scheduler, a DHCP agent); spawns its own nats-server unless NATS_URL is set')
    .action(async (flags: CommonFlags & AgentFlags & SchedulerFlags) => {
      await run('leasehold', flags, {
        api: { agentDownTimeMs: seconds(flags.agentDownTime, '--agent-down-time') },
        scheduler: schedulerPart(flags),
        agent: agentConfig(flags),
      });
    });
  common(program.command('api'))
    .description('run only the API service')
    .action(async (flags: CommonFlags) => {
      await run('leasehold api', flags, { api: { agentDownTimeMs: seconds(flags.agentDownTime, '--agent-down-time') } });
    });
  schedulerOptions(common(program.command('scheduler')))
    .description('run only the DHCP agent scheduler (several may run at once)')
    .action(async (flags: CommonFlags & SchedulerFlags) => {
      await run('leasehold scheduler', flags, { scheduler: schedulerPart(flags) });
    });
  // Neutron's binary is neutron-dhcp-agent; `leasehold agent ...` manages agents through the API.
  agentOptions(common(program.command('dhcp-agent')))
    .description('run only a DHCP agent (one per host)')
    .action(async (flags: CommonFlags & AgentFlags) => {
      await run('leasehold agent', flags, { agent: agentConfig(flags) });
    });
}
