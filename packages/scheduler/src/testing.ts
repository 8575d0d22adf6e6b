/**
 * Event builders for tests and examples (not in the main export list: a
 * `./testing` package export would carry them). Pure.
 */
import type { AgentHeartbeat } from '@leasehold/resources';
import type { NetworkInput } from './events.js';

export interface HeartbeatOptions {
  readonly zone?: string;
  readonly host?: string;
  readonly networks?: readonly string[];
  readonly load?: number;
  /** Interface mappings (default none: the agent reaches only networks without a physical network). */
  readonly mappings?: Readonly<Record<string, string>>;
  readonly relayInterfaces?: readonly string[];
}

/** An AgentHeartbeat from `agentId` at `at`. */
export function heartbeat(agentId: string, at: number, options: HeartbeatOptions = {}): AgentHeartbeat {
  return {
    type: 'AgentHeartbeat',
    at,
    agentId,
    host: options.host ?? `host-${agentId}`,
    availabilityZone: options.zone ?? 'nova',
    networks: options.networks ?? [],
    load: options.load ?? 0,
    interfaceMappings: options.mappings ?? {},
    ...(options.relayInterfaces === undefined ? {} : { relayInterfaces: options.relayInterfaces }),
    reportIntervalMs: 30_000,
    version: 'test',
  };
}

/** A network (on physical network `physnet`, default none) and one subnet `<networkId>-s`, DHCP on unless `dhcp` is false. */
export function network(networkId: string, at: number, options: { hints?: readonly string[]; dhcp?: boolean; physnet?: string | null } = {}): NetworkInput[] {
  return [
    { type: 'NetworkCreated', at, networkId, availabilityZoneHints: options.hints ?? [], physicalNetwork: options.physnet ?? null },
    { type: 'SubnetCreated', at, networkId, subnetId: `${networkId}-s`, enableDhcp: options.dhcp ?? true },
  ];
}
