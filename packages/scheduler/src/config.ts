/**
 * Scheduler configuration: Neutron's DHCP scheduling options under camelCase
 * names. Every instance folding the same log must use the same config (the
 * fold judges liveness with `agentDownTime`, the chance strategy ranks with
 * `seed`), or two instances will not converge.
 */
import { SchedulerConfigError } from './errors.js';

/** Neutron's network_scheduler_driver: ChanceScheduler, WeightScheduler, AZAwareWeightScheduler. */
export type StrategyName = 'chance' | 'weight' | 'az';

export const STRATEGIES: readonly StrategyName[] = ['chance', 'weight', 'az'];

export interface SchedulerConfig {
  /** dhcp_agents_per_network: how many agents serve each DHCP-enabled network. */
  readonly agentsPerNetwork: number;
  /** network_scheduler_driver. */
  readonly strategy: StrategyName;
  /** agent_down_time in ms: an agent whose last heartbeat is older than this is down. */
  readonly agentDownTime: number;
  /** report_interval in ms: how often agents heartbeat (and how often the runtime should decide). */
  readonly reportInterval: number;
  /** allow_automatic_dhcp_failover: move networks off down agents. */
  readonly allowAutomaticDhcpFailover: boolean;
  /**
   * enable_services_on_agents_with_admin_state_down: an admin-down agent keeps
   * serving its networks (true) or they are moved off it (false). Either way it
   * gets no new networks automatically.
   */
  readonly enableServicesOnAgentsWithAdminStateDown: boolean;
  /** enable_new_agents: an agent's first heartbeat registers it admin-up (true) or admin-down (false, until the API enables it). */
  readonly enableNewAgents: boolean;
  /** Seed of the chance strategy's ranking; part of the config so replay ranks the same way. */
  readonly seed: number;
  /** How many ranked candidates a NetworkScheduled event lists in its `inputs`. */
  readonly explainLimit: number;
}

export const DEFAULT_SCHEDULER_CONFIG: SchedulerConfig = {
  agentsPerNetwork: 1,
  strategy: 'weight',
  agentDownTime: 75_000,
  reportInterval: 30_000,
  allowAutomaticDhcpFailover: true,
  enableServicesOnAgentsWithAdminStateDown: true,
  enableNewAgents: true,
  seed: 0,
  explainLimit: 8,
};

/** Fills defaults and checks every field; throws `SchedulerConfigError`. Pure. */
export function schedulerConfig(partial: Partial<SchedulerConfig> = {}): SchedulerConfig {
  const config: SchedulerConfig = { ...DEFAULT_SCHEDULER_CONFIG, ...partial };
  const positiveInt = (field: keyof SchedulerConfig, value: number): void => {
    if (!Number.isSafeInteger(value) || value < 1) throw new SchedulerConfigError(field, `must be a positive integer, got ${value}`);
  };
  positiveInt('agentsPerNetwork', config.agentsPerNetwork);
  positiveInt('agentDownTime', config.agentDownTime);
  positiveInt('reportInterval', config.reportInterval);
  positiveInt('explainLimit', config.explainLimit);
  if (!STRATEGIES.includes(config.strategy)) {
    throw new SchedulerConfigError('strategy', `must be one of ${STRATEGIES.join(', ')}, got ${String(config.strategy)}`);
  }
  // An agent that reports on time must never look down between two reports
  // (Neutron recommends agent_down_time >= 2 * report_interval).
  if (config.agentDownTime <= config.reportInterval) {
    throw new SchedulerConfigError('agentDownTime', `must exceed reportInterval (${config.reportInterval} ms), got ${config.agentDownTime}`);
  }
  if (!Number.isSafeInteger(config.seed)) throw new SchedulerConfigError('seed', `must be an integer, got ${config.seed}`);
  return config;
}
