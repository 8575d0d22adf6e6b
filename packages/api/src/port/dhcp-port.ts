/**
 * An agent's own DHCP port: the one request agents make of the API, on
 * `lh.api.agents.<agentId>.dhcp-port` (Neutron's agent asks its RPC server,
 * not the public API, for the same reason: the agent may not choose what
 * the port is). Only agent `<agentId>` may publish there (the role table in
 * @leasehold/journal), so the id in the subject is the caller's; the body
 * names only the network. The port is the one shape Neutron's agent creates
 * (device_owner network:dhcp, one address per DHCP-enabled subnet, no DNS
 * name), on a network bound to that agent, never counted against a quota.
 * An agent without one takes over the port the network's former agent left
 * (dhcp-port-reclaim.ts), so a network that moves keeps its server address.
 */
import { createHash, randomUUID } from 'node:crypto';
import { AGENT_REQUEST_PREFIX, VersionConflictError, type Journal } from '@leasehold/journal';
import type { PortState } from '@leasehold/protocol';
import { DHCP_DEVICE_OWNER, bindingSubject, dhcpPortDeviceId, networkSubject, portSubject } from '@leasehold/resources';
import { requestContext } from '../command.js';
import type { AgentRequestHandler } from '../endpoint.js';
import { ApiError, notFound } from '../errors.js';
import { DEFAULT_PROJECT_ID } from '../quota.js';
import type { ReadModel } from '../read-model/read-model.js';
import { isAutoAddressSubnet } from '../subnet/rules6.js';
import type { DhcpPortReply } from '../wire/dhcp-port.js';
import { parseRequest } from '../wire/schemas.js';
import { deleteUntilGone, dhcpPortName, reclaimableDhcpPort, rewriteDhcpDevice } from './dhcp-port-reclaim.js';
import { portStatus } from './status.js';
import { portView } from './view.js';
import type { PortWriter } from './writer.js';

/** Rounds of choosing a port before a request gives up (each lost to a concurrent writer). */
const MAX_ROUNDS = 5;

/** The operation name of the request (for admission and logs): a write. */
export const AGENT_DHCP_PORT_OPERATION = 'agents.dhcp-port';

/**
 * The id the API gives agent `agentId`'s first DHCP port on `networkId`: a
 * UUID (RFC 9562 version 8) derived from both, so two API instances asked at
 * once write the same port subject and the journal lets only one create it.
 * Pure.
 */
export function dhcpPortId(networkId: string, agentId: string): string {
  const h = createHash('sha256').update(`leasehold dhcp port\0${networkId}\0${agentId}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The agent id of an agent request subject `lh.api.agents.<agentId>.<verb>`. Pure. */
export function agentOfSubject(subject: string): string {
  const start = AGENT_REQUEST_PREFIX.length + 1;
  const dot = subject.indexOf('.', start);
  if (!subject.startsWith(`${AGENT_REQUEST_PREFIX}.`) || dot <= start || dot === subject.length - 1 || subject.indexOf('.', dot + 1) >= 0) {
    throw new ApiError('BAD_REQUEST', `${subject} is not an agent request subject (${AGENT_REQUEST_PREFIX}.<agentId>.<verb>)`);
  }
  return subject.slice(start, dot);
}

export interface AgentRequestOptions {
  /** How long a request waits for the read model to fold what the journal already holds (default 5 s). */
  readonly catchUpMs?: number;
}

/** The agent requests, by verb (`dhcp-port`), sharing the public API's port writer. */
export function agentRequestHandlers(journal: Journal, model: ReadModel, ports: PortWriter, options: AgentRequestOptions = {}): Record<string, AgentRequestHandler> {
  const catchUpMs = options.catchUpMs ?? 5_000;
  /** Requests in flight in this instance, by network and agent: a retry joins the first. */
  const creating = new Map<string, Promise<DhcpPortReply>>();

  /** Waits until the model has folded up to `seq` (read-your-writes for writes of other processes). */
  const catchUp = async (seq: number) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), catchUpMs)));
    try {
      if ((await Promise.race([model.waitFor(seq), late])) === 'late') {
        throw new ApiError('UNAVAILABLE', `the API's read model is at ${model.at()}, behind the journal's ${seq}, after ${catchUpMs} ms; retry`);
      }
    } finally {
      clearTimeout(timer);
    }
  };
  const isBound = (networkId: string, agentId: string) => model.network(networkId) !== undefined && model.fleet.bindings.get(networkId)?.has(agentId) === true;

  /**
   * Refuses unless the network exists and is bound to the agent. The binding
   * comes from the scheduler (another process), which the agent may have
   * folded before this model did: a refusal is only answered once the model
   * has folded the network's and its bindings' last events.
   */
  const authorize = async (networkId: string, agentId: string) => {
    if (isBound(networkId, agentId)) return;
    let subjects: string[];
    try {
      subjects = [bindingSubject(networkId), networkSubject(networkId)];
    } catch {
      throw notFound('network', networkId, 'network_id'); // no network can have an id that is not a subject token
    }
    const versions = await Promise.all(subjects.map((s) => journal.version(s)));
    await catchUp(Math.max(...versions));
    if (!model.network(networkId)) throw notFound('network', networkId, 'network_id');
    if (!isBound(networkId, agentId)) throw new ApiError('FORBIDDEN', `network ${networkId} is not bound to agent ${agentId}`, 'network_id');
  };

  const ownPort = (networkId: string, agentId: string): PortState | undefined => {
    const deviceId = dhcpPortDeviceId(agentId);
    return model.portsOf(networkId).find((p) => p.deviceOwner === DHCP_DEVICE_OWNER && p.deviceId === deviceId);
  };
  const reply = (port: PortState, created: boolean): DhcpPortReply => {
    const stored = model.ports.get(port.id) ?? { value: port, version: 0 };
    const domain = model.network(port.networkId)?.context.network?.dnsDomain;
    const status = portStatus(stored.value, stored.version, model);
    return { port: portView(stored.value, stored.version, status, domain, port.projectId ?? model.projectOf(port.networkId), undefined, model.times.get(port.id)), created };
  };

  /**
   * A port written for a network that was deleted meanwhile is removed
   * again, and the request refused. `networks.delete` appends NetworkDeleted
   * first and then deletes the DHCP ports its model holds: a port written
   * before NetworkDeleted is in that model, one written after it is seen
   * here, since this reads the network's version after the port is durable.
   */
  const unlessDeleted = async (networkId: string, port: PortState) => {
    await catchUp(await journal.version(networkSubject(networkId)));
    if (model.network(networkId)) return;
    await deleteUntilGone(journal, model, ports, port.id, requestContext());
    throw notFound('network', networkId, 'network_id');
  };

  /** A reserved port, or one of an agent the network left, made this agent's; undefined when another writer changed it first. */
  const takeOver = async (networkId: string, agentId: string, candidate: PortState): Promise<PortState | undefined> => {
    const bound = () => model.fleet.bindings.get(networkId) ?? new Map<string, unknown>();
    const still = (p: PortState) => model.network(networkId) !== undefined && bound().has(agentId) && reclaimableDhcpPort([p], bound(), agentId) !== undefined;
    return rewriteDhcpDevice(journal, model, candidate.id, still, { deviceId: dhcpPortDeviceId(agentId), name: dhcpPortName(agentId) }, requestContext());
  };

  /** A new port at the id derived from network and agent; undefined when another instance wrote that subject first. */
  const createNew = async (networkId: string, agentId: string): Promise<PortState | undefined> => {
    const { subnets: v4, subnets6: v6 } = model.network(networkId)!.context;
    // Neutron's DHCP port holds an address on every DHCP subnet: a pool address on IPv4 and stateful IPv6 ones;
    // on slaac and dhcpv6-stateless ones the port writer adds its EUI-64 address by itself.
    const dhcp6 = Object.values(v6).filter((s) => s.enableDhcp);
    const subnets = [...Object.values(v4).filter((s) => s.enableDhcp), ...dhcp6.filter((s) => !isAutoAddressSubnet(s))];
    if (subnets.length === 0 && dhcp6.length === 0) throw new ApiError('NO_DHCP_SUBNET', `network ${networkId} has no subnet with DHCP enabled`, 'network_id');
    // The port's subject decides between racing instances; a port deleted there before is written over its deletion.
    const portId = dhcpPortId(networkId, agentId);
    const version = model.ports.get(portId)?.version ?? (await journal.version(portSubject(portId)));
    await catchUp(version);
    if (ownPort(networkId, agentId)) return undefined;
    // An operator turned that port into another one (ports.update): this agent's next port gets a fresh id.
    const at = model.ports.has(portId) ? { portId: randomUUID(), version: 0 } : { portId, version };
    const req = {
      network_id: networkId,
      name: dhcpPortName(agentId),
      device_owner: DHCP_DEVICE_OWNER,
      device_id: dhcpPortDeviceId(agentId),
      fixed_ips: subnets.map((s) => ({ subnet_id: s.id })),
    };
    try {
      // Its network's project, and no quota check: an agent must always be able to serve a network.
      return await ports.create(req, model.projectOf(networkId) ?? DEFAULT_PROJECT_ID, requestContext(), at);
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      // Another instance created it first (the writer gave our claims back): the next round answers theirs.
      await catchUp(error.actualVersion ?? (await journal.version(portSubject(at.portId))));
      return undefined;
    }
  };

  /**
   * The agent's port: its own if it has one, else a port the network's
   * former agent left (a takeover keeps MAC and addresses), else a new one.
   * Each round first folds the network's last binding events, so an
   * unbinding the scheduler wrote just before this agent's binding is seen.
   */
  const obtain = async (networkId: string, agentId: string): Promise<DhcpPortReply> => {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      await catchUp(await journal.version(bindingSubject(networkId)));
      if (!model.network(networkId)) throw notFound('network', networkId, 'network_id');
      if (!isBound(networkId, agentId)) throw new ApiError('FORBIDDEN', `network ${networkId} is not bound to agent ${agentId}`, 'network_id');
      const existing = ownPort(networkId, agentId);
      if (existing) return reply(existing, false);
      const candidate = reclaimableDhcpPort(model.portsOf(networkId), model.fleet.bindings.get(networkId) ?? new Map(), agentId);
      const port = candidate ? await takeOver(networkId, agentId, candidate) : await createNew(networkId, agentId);
      if (!port) continue;
      await unlessDeleted(networkId, port);
      return reply(port, candidate === undefined);
    }
    throw new ApiError('VERSION_CONFLICT', `the DHCP ports of network ${networkId} kept changing under ${MAX_ROUNDS} attempts; retry`, 'network_id');
  };

  return {
    'dhcp-port': async (body, subject) => {
      const agentId = agentOfSubject(subject);
      const { network_id: networkId } = parseRequest('agentDhcpPort', body);
      await authorize(networkId, agentId);
      const existing = ownPort(networkId, agentId);
      if (existing) return reply(existing, false);
      const key = `${networkId}/${agentId}`;
      const pending = creating.get(key);
      // A request that joins one in flight created nothing itself.
      if (pending) return pending.then((r): DhcpPortReply => ({ ...r, created: false }));
      const created = obtain(networkId, agentId).finally(() => creating.delete(key));
      creating.set(key, created);
      return created;
    },
  };
}
