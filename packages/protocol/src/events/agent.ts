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
  /** Physical network → interface (Neutron's physical_interface_mappings). */
  readonly interfaceMappings: Readonly<Record<string, string>>;
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
  readonly reason: 'agent-down' | 'agent-deleted' | 'network-deleted' | 'rebalance' | 'manual' | 'dhcp-disabled';
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
