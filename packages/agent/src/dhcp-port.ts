/**
 * The agent's DHCP port on each network it serves (Neutron's agent has one
 * per network: its server address on each DHCP-enabled subnet). The agent
 * asks the API on its own subject (`lh.api.agents.<agentId>.dhcp-port`),
 * the only API request its NATS user may make: the API decides the port
 * (network:dhcp, one address per DHCP-enabled subnet, no DNS name) and
 * refuses a network not bound to this agent. The port reaches the agent's
 * model through the journal like any other, which answers "do I have one".
 */
import { dhcpPortDeviceId, requestDhcpPort, type DhcpPortRequestReply } from '@leasehold/resources';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AgentModel } from './state/agent-model.js';

/**
 * The agent's client of the API: the one request its NATS user may make,
 * through resources' `requestDhcpPort` (the API's wire rules without loading
 * the API). Its shape is the API client's (`agents.dhcpPort`), so a test can
 * stand in the API's own.
 */
export class ApiClient {
  constructor(
    private readonly nc: Pick<NatsConnection, 'request'>,
    private readonly options: { readonly timeoutMs?: number } = {},
  ) {}

  readonly agents = {
    /** This agent's DHCP port on a network bound to it; throws resources' DhcpPortRequestError on a refusal. */
    dhcpPort: (agentId: string, networkId: string): Promise<DhcpPortRequestReply> => requestDhcpPort(this.nc, agentId, networkId, this.options),
  };
}

export interface DhcpPortsDeps {
  readonly agentId: string;
  readonly model: Pick<AgentModel, 'dhcpPort' | 'subnets'>;
  readonly api: Pick<ApiClient, 'agents'>;
  readonly log: (line: string) => void;
}

export interface DhcpPorts {
  /** The device_id of this agent's DHCP ports. */
  readonly deviceId: string;
  /**
   * Asks the API for this agent's DHCP port on `networkId` unless the model
   * holds it or the network has no DHCP-enabled subnet. Never throws: a
   * refusal is logged, and the next reconcile asks again.
   */
  ensure(networkId: string): Promise<void>;
}

export function dhcpPorts({ agentId, model, api, log }: DhcpPortsDeps): DhcpPorts {
  const deviceId = dhcpPortDeviceId(agentId);
  // One request per network at a time: reconciles overlap while the port travels through the journal.
  const asking = new Set<string>();
  return {
    deviceId,
    async ensure(networkId) {
      if (asking.has(networkId) || model.dhcpPort(networkId, deviceId)) return;
      if (!model.subnets(networkId).some((s) => s.enableDhcp)) return;
      asking.add(networkId);
      try {
        await api.agents.dhcpPort(agentId, networkId);
      } catch (error) {
        log(`dhcp: cannot get the DHCP port of network ${networkId} yet: ${(error as Error).message}`);
      } finally {
        asking.delete(networkId);
      }
    },
  };
}
