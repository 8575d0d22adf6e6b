/**
 * From a checked `leasehold.yaml` to the settings each part takes: the
 * agent's AgentConfig, the scheduler's SchedulerConfig, the DNS cache's
 * DnsCacheConfig (through @leasehold/dns-cache's own dnsmasq option parser,
 * so `dns:` accepts exactly what `leasehold dns` and dnsmasq.conf do). Checks
 * the rules that span fields (agent_down_time > report_interval) and reports
 * them at the line of the field.
 */
import { defaultAgentConfig, defaultMetadataOptions, defaultTftpOptions, dhcpLimits, type AgentConfig } from '@leasehold/agent';
import { applyItems, ConfigError, OPTIONS, type ConfigItem, type DnsCacheConfig } from '@leasehold/dns-cache';
import { schedulerConfig, SchedulerConfigError, type SchedulerConfig } from '@leasehold/scheduler';
import { ConfigFileError, configProblems } from './errors.js';
import { didYouMean } from './suggest.js';
import { locate, type LoadedConfig } from './load.js';
import type { LeaseholdConfig } from './schema.js';

const FLAG_TEXT: Readonly<Record<string, boolean>> = { true: true, yes: true, on: true, '1': true, false: false, no: false, off: false, '0': false };

/**
 * The dns section as dnsmasq config items, each with the line (or variable)
 * it came from; a list is the option repeated, `true` a bare flag, `false` no
 * item. An unknown option or a value of the wrong kind goes to `problems`
 * (the rest are still read, so one run reports them all). Pure.
 */
export function dnsItems(loaded: LoadedConfig, problems: ConfigFileError[]): ConfigItem[] {
  const items: ConfigItem[] = [];
  for (const [name, value] of Object.entries(loaded.config.dns)) {
    // DHCP options are the agent's (the cache skips them); any other name must be an option the cache knows.
    if (OPTIONS[name] === undefined && !name.startsWith('dhcp-')) {
      const where = locate(['dns', name], loaded.source, loaded.overridden);
      problems.push(new ConfigFileError(where.source, where.line, `dns.${name}`, `unknown option${didYouMean(name, Object.keys(OPTIONS))}`));
      continue;
    }
    const values = Array.isArray(value) ? value : [value];
    values.forEach((one, i) => {
      const path = Array.isArray(value) ? ['dns', name, i] : ['dns', name];
      const where = locate(path, loaded.source, loaded.overridden);
      const at = { file: where.source, line: where.line ?? 0 };
      const takesValue = OPTIONS[name]?.value ?? true;
      if (!takesValue) {
        const on = typeof one === 'boolean' ? one : FLAG_TEXT[String(one).toLowerCase()];
        if (on === undefined) return void problems.push(new ConfigFileError(where.source, where.line, `dns.${name}`, 'is a flag: true or false'));
        if (on) items.push({ name, value: undefined, ...at });
        return;
      }
      if (typeof one === 'boolean') return void problems.push(new ConfigFileError(where.source, where.line, `dns.${name}`, 'wants a value, not true/false'));
      items.push({ name, value: String(one), ...at });
    });
  }
  return items;
}

/** The DNS cache configuration the dns section describes. Pure; throws ConfigFileError at the bad option's line. */
export function dnsCacheConfig(loaded: LoadedConfig): DnsCacheConfig {
  const problems: ConfigFileError[] = [];
  const items = dnsItems(loaded, problems);
  try {
    const config = applyItems(items);
    if (problems.length > 0) throw configProblems(problems);
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // The parser stops at the first bad item: each item alone tells whether it is bad too, so one run reports them all.
    const bad = items.flatMap((item) => {
      try {
        applyItems([item]);
        return [];
      } catch (one) {
        return one instanceof ConfigError ? [dnsProblem(one)] : [];
      }
    });
    throw configProblems([...problems, ...(bad.length > 0 ? bad : [dnsProblem(error)])]);
  }
}

function dnsProblem(error: ConfigError): ConfigFileError {
  const field = error.option ? `dns.${error.option}` : 'dns';
  return new ConfigFileError(error.file, error.line > 0 ? error.line : undefined, field, error.reason, { cause: error });
}

const seconds = (s: number) => Math.round(s * 1000);

/** Where each SchedulerConfig field is set in the file. */
const SCHEDULER_FIELDS: Readonly<Record<string, string[]>> = {
  agentsPerNetwork: ['scheduler', 'agents_per_network'],
  strategy: ['scheduler', 'network_scheduler'],
  agentDownTime: ['api', 'agent_down_time'],
  reportInterval: ['agent', 'report_interval'],
};

/** The scheduler's settings, checked by the scheduler's own rules. Pure; throws ConfigFileError. */
export function schedulerSettings(loaded: LoadedConfig): SchedulerConfig {
  const c: LeaseholdConfig = loaded.config;
  try {
    return schedulerConfig({
      agentsPerNetwork: c.scheduler.agents_per_network,
      strategy: c.scheduler.network_scheduler,
      allowAutomaticDhcpFailover: c.scheduler.allow_automatic_dhcp_failover,
      enableServicesOnAgentsWithAdminStateDown: c.scheduler.enable_services_on_agents_with_admin_state_down,
      enableNewAgents: c.scheduler.enable_new_agents,
      agentDownTime: seconds(c.api.agent_down_time),
      reportInterval: seconds(c.agent.report_interval),
    });
  } catch (error) {
    if (!(error instanceof SchedulerConfigError)) throw error;
    const path = SCHEDULER_FIELDS[error.field] ?? ['scheduler'];
    const where = locate(path, loaded.source, loaded.overridden);
    const detail = error.field === 'agentDownTime' ? `must exceed agent.report_interval (${c.agent.report_interval} s)` : error.detail;
    throw new ConfigFileError(where.source, where.line, path.join('.'), detail, { cause: error });
  }
}

/** The agent's settings; its embedded DNS cache takes the dns section. Pure. */
export function agentSettings(loaded: LoadedConfig, dns: DnsCacheConfig = dnsCacheConfig(loaded)): AgentConfig {
  const a = loaded.config.agent;
  return defaultAgentConfig({
    ...(a.agent_id ? { agentId: a.agent_id } : {}),
    ...(a.host ? { host: a.host } : {}),
    availabilityZone: a.availability_zone,
    interfaceMappings: a.interface_mappings,
    relayInterfaces: a.relay_interfaces,
    dhcpPort: a.dhcp_port,
    configureInterfaces: a.configure_interfaces,
    segments: {
      ...(a.vlan_interface_template ? { vlanInterfaceTemplate: a.vlan_interface_template } : {}),
      vxlan: {
        ...(a.vxlan.local_ip ? { local: a.vxlan.local_ip } : {}),
        ...(a.vxlan.interface ? { interface: a.vxlan.interface } : {}),
        ...(a.vxlan.group ? { group: a.vxlan.group } : {}),
        remotes: a.vxlan.remotes,
        port: a.vxlan.port,
      },
    },
    reportIntervalMs: seconds(a.report_interval),
    agentDownTimeMs: seconds(loaded.config.api.agent_down_time),
    dns: { enabled: a.dns.enabled, port: a.dns.port, domain: a.dns.domain, cache: dns },
    dhcpLimits: dhcpLimits({
      perMac: { burst: a.dhcp_limits.mac_burst, perSecond: a.dhcp_limits.mac_rate },
      perRelay: { burst: a.dhcp_limits.relay_burst, perSecond: a.dhcp_limits.relay_rate },
      maxLeasesPerMac: a.dhcp_limits.leases_per_mac,
      leaseMax: a.dhcp_limits.lease_max,
    }),
    dhcpQueue: { capacity: a.dhcp_queue.capacity, maxAgeMs: seconds(a.dhcp_queue.max_age), maxInFlight: a.dhcp_queue.max_in_flight },
    dhcpClientClasses: [
      ...a.dhcp_match.map((line) => ['dhcp-match', line] as const),
      ...a.dhcp_userclass.map((line) => ['dhcp-userclass', line] as const),
      ...a.dhcp_vendorclass.map((line) => ['dhcp-vendorclass', line] as const),
    ],
    metadata: {
      ...defaultMetadataOptions,
      enableIsolatedMetadata: a.metadata.enable_isolated_metadata,
      forceMetadata: a.metadata.force_metadata,
      enableMetadataNetwork: a.metadata.enable_metadata_network,
      novaMetadataHost: a.metadata.nova_metadata_host,
      novaMetadataPort: a.metadata.nova_metadata_port,
      novaMetadataProtocol: a.metadata.nova_metadata_protocol,
      metadataProxySharedSecret: a.metadata.metadata_proxy_shared_secret,
      rateLimit: { ...defaultMetadataOptions.rateLimit, burst: a.metadata.burst, perSecond: a.metadata.rate },
      maxHeaderBytes: a.metadata.max_header_bytes,
      maxBodyBytes: a.metadata.max_body_bytes,
    },
    tftp: {
      ...defaultTftpOptions,
      enabled: a.tftp.enabled,
      root: a.tftp.root,
      roots: a.tftp.roots,
      port: a.tftp.port,
      maxTransfers: a.tftp.max_transfers,
      maxBlockSize: a.tftp.max_block_size,
    },
    ipv6Ra: { enabled: a.ipv6_ra.enabled, maxIntervalS: a.ipv6_ra.max_interval, defaultRouter: a.ipv6_ra.default_router },
    // dnsmasq's log-dhcp / log-queries in the dns section mean what log.dhcp / log.queries: true mean.
    logDhcp: dnsFlag(loaded, 'log-dhcp') || loaded.config.log.dhcp,
    logQueries: dns.logQueries || loaded.config.log.queries,
  });
}

/** Everything a process needs, checked as a whole (what `leasehold check-config` runs). Pure; throws ConfigFileError. */
export function checkConfig(loaded: LoadedConfig): { scheduler: SchedulerConfig; agent: AgentConfig; dns: DnsCacheConfig } {
  // Every part is checked, so one run reports every problem (in file order), not the first part's.
  const problems: ConfigFileError[] = [];
  const checked = <T>(part: () => T): T | undefined => {
    try {
      return part();
    } catch (error) {
      if (!(error instanceof ConfigFileError)) throw error;
      problems.push(error);
      return undefined;
    }
  };
  const dns = checked(() => dnsCacheConfig(loaded));
  const scheduler = checked(() => schedulerSettings(loaded));
  const agent = dns && checked(() => agentSettings(loaded, dns));
  if (problems.length > 0 || !dns || !scheduler || !agent) throw configProblems(problems);
  return { scheduler, agent, dns };
}

/** A dnsmasq flag of the dns section (`log-dhcp: true`, or a bare `log-dhcp` in a list). Pure. */
function dnsFlag(loaded: LoadedConfig, name: string): boolean {
  const value = loaded.config.dns[name];
  return value !== undefined && value !== false && value !== 'false';
}
