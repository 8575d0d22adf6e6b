/**
 * A network's DHCP port outlives the agent that served it (Neutron's
 * `reserved_dhcp_port`): when the network leaves an agent, its port is kept
 * with its MAC and addresses, and the next agent that asks for a DHCP port
 * there takes it over, so the network's clients keep the same server
 * identifier and DNS address and renew without a NAK.
 *
 * Who gives a port up: the API where it writes the change itself (a manual
 * `bindings.remove` reserves the agent's port, as Neutron's
 * `remove_network_from_dhcp_agent` does; `agents.delete` reserves every port
 * of the deleted agent). The scheduler's unbindings (failover, rebalance)
 * touch no port: the new agent's request takes over a port whose agent is no
 * longer bound there (`reclaimableDhcpPort`), under the port's expected
 * version, so two agents never take the same port and a reservation racing
 * a takeover loses or wins whole.
 */
import { VersionConflictError, type Journal } from '@leasehold/journal';
import type { PortState } from '@leasehold/protocol';
import { DHCP_DEVICE_OWNER, DHCP_RESERVED_DEVICE_ID, agentOfDhcpDeviceId, dhcpPortDeviceId, portSubject } from '@leasehold/resources';
import type { CommandContext } from '../command.js';
import { ApiError } from '../errors.js';
import type { ReadModel } from '../read-model/read-model.js';
import { portEvent, type PortWriter } from './writer.js';

/** How often a port is read again after another writer changed it under us. */
const MAX_PORT_RETRIES = 5;

/** The name a DHCP port of agent `agentId` carries (as `dhcp-port` creates it). Pure. */
export function dhcpPortName(agentId: string): string {
  return `dhcp port of ${agentId}`;
}

/**
 * The DHCP port of a network that agent `agentId` may take over: a reserved
 * one first, else one whose agent is not among `bound` (the network moved
 * away from it); the lowest id among equals, so every API instance picks the
 * same. Ports an operator made with another device_id are never taken.
 * Pure.
 */
export function reclaimableDhcpPort(ports: Iterable<PortState>, bound: { has(agentId: string): boolean }, agentId: string): PortState | undefined {
  let reserved: PortState | undefined;
  let orphaned: PortState | undefined;
  for (const port of ports) {
    if (port.deviceOwner !== DHCP_DEVICE_OWNER) continue;
    if (port.deviceId === DHCP_RESERVED_DEVICE_ID) {
      if (!reserved || port.id < reserved.id) reserved = port;
      continue;
    }
    const holder = agentOfDhcpDeviceId(port.deviceId);
    if (holder === undefined || holder === agentId || bound.has(holder)) continue;
    if (!orphaned || port.id < orphaned.id) orphaned = port;
  }
  return reserved ?? orphaned;
}

/**
 * Rewrites the device of DHCP port `portId` while `still(port)` holds, with
 * the port's expected version; after another writer's change it reads the
 * port again. Resolves with the port as written, or undefined when the port
 * is gone or `still` no longer holds.
 */
export async function rewriteDhcpDevice(
  journal: Journal,
  model: ReadModel,
  portId: string,
  still: (port: PortState) => boolean,
  changes: Pick<PortState, 'deviceId'> & Partial<Pick<PortState, 'name'>>,
  ctx: CommandContext,
): Promise<PortState | undefined> {
  for (let attempt = 0; attempt < MAX_PORT_RETRIES; attempt++) {
    const current = model.ports.get(portId);
    if (!current || !still(current.value)) return undefined;
    try {
      const result = await journal.append(portSubject(portId), [portEvent(portId, 'PortUpdated', { changes }, ctx)], current.version);
      await model.waitFor(result.version);
      return model.ports.get(portId)?.value;
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      await model.waitFor(error.actualVersion ?? (await journal.version(portSubject(portId))));
    }
  }
  throw new ApiError('VERSION_CONFLICT', `DHCP port ${portId} kept changing under ${MAX_PORT_RETRIES} attempts; retry`, 'id');
}

/** Reserves agent `agentId`'s DHCP ports among `ports` (Neutron keeps the port, its addresses and MAC, and changes only device_id). */
export async function reserveDhcpPorts(journal: Journal, model: ReadModel, ports: Iterable<PortState>, agentId: string, ctx: CommandContext): Promise<void> {
  const deviceId = dhcpPortDeviceId(agentId);
  const held = (p: PortState) => p.deviceOwner === DHCP_DEVICE_OWNER && p.deviceId === deviceId;
  for (const port of [...ports].filter(held)) await rewriteDhcpDevice(journal, model, port.id, held, { deviceId: DHCP_RESERVED_DEVICE_ID }, ctx);
}

/**
 * Deletes every DHCP port of network `networkId` the model holds, each
 * until it is gone (an agent's takeover may change one meanwhile). Called
 * after the network's NetworkDeleted is folded: any port written before it
 * is seen here, and a request that writes one after it removes its own
 * (`dhcp-port`'s check after writing).
 */
export async function deleteDhcpPortsOf(journal: Journal, model: ReadModel, ports: PortWriter, networkId: string, ctx: CommandContext): Promise<void> {
  for (const port of model.portsOf(networkId).filter((p) => p.deviceOwner === DHCP_DEVICE_OWNER)) {
    await deleteUntilGone(journal, model, ports, port.id, ctx);
  }
}

/** Deletes port `portId`, reading it again after a concurrent change; done when the model holds it no more. */
export async function deleteUntilGone(journal: Journal, model: ReadModel, ports: PortWriter, portId: string, ctx: CommandContext): Promise<void> {
  for (let attempt = 0; attempt < MAX_PORT_RETRIES; attempt++) {
    if (!model.ports.has(portId)) return;
    try {
      await ports.delete(portId, ctx);
      return;
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'VERSION_CONFLICT') throw error;
      await model.waitFor(await journal.version(portSubject(portId)));
    }
  }
  throw new ApiError('VERSION_CONFLICT', `port ${portId} kept changing under ${MAX_PORT_RETRIES} attempts; retry`, 'id');
}
