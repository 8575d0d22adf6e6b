/**
 * Events of DHCP agents (subject `lh.evt.agent.<agentId>`) and of the
 * network-to-agent bindings (subject `lh.evt.binding.<networkId>`). Agents
 * write heartbeats; the scheduler (and the API, for manual bindings) write
 * bindings; everyone folds them.
 */

export interface AgentHeartbeatData {
  readonly agentId: string;
  readonly host: string;
  readonly availabilityZone: string;
  /** Networks the agent serves right now. */
  readonly networks: readonly string[];
  /** Neutron's load: here, the number of ports on the served networks. */
  readonly load: number;
  /** Physical network → interface (Neutron's physical_interface_mappings); `*`: any physical network not named. */
  readonly interfaceMappings: Readonly<Record<string, string>>;
  /**
   * Interfaces that hear only relayed requests: an agent with one can serve
   * any network a router relays to it. Absent in heartbeats written before
   * the scheduler read reachability (read as none).
   */
  readonly relayInterfaces?: readonly string[];
  /** How often the agent reports, so a reader can judge it dead without knowing its config. */
  readonly reportIntervalMs: number;
  /** The agent's version, for the operator. */
  readonly version: string;
}

export type BindingReason = 'new-network' | 'auto-schedule' | 'failover' | 'rebalance' | 'manual';

export interface NetworkScheduledData {
  readonly networkId: string;
  readonly agentId: string;
  readonly reason: BindingReason;
  /** The strategy and the inputs that decided it, for `leasehold why binding`. */
  readonly strategy?: string;
  readonly inputs?: unknown;
}

export interface NetworkUnscheduledData {
  readonly networkId: string;
  readonly agentId: string;
  /** `unreachable`: the agent no longer maps the network's physical network (its mappings changed, or the network's). */
  readonly reason: 'agent-down' | 'agent-deleted' | 'network-deleted' | 'rebalance' | 'manual' | 'dhcp-disabled' | 'unreachable';
  readonly inputs?: unknown;
}

export interface AgentEventData {
  AgentHeartbeat: AgentHeartbeatData;
  AgentAdminStateChanged: { readonly agentId: string; readonly adminStateUp: boolean };
  AgentDeleted: { readonly agentId: string };
}

export interface BindingEventData {
  NetworkScheduled: NetworkScheduledData;
  NetworkUnscheduled: NetworkUnscheduledData;
}
