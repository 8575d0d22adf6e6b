/**
 * The API's operations: one function per `lh.api.v1.<resource>.<verb>`
 * subject, from a decoded request body to a reply body. Requests are parsed
 * against their schema first, so nothing is written for a malformed one.
 */
import { randomUUID } from 'node:crypto';
import { VersionConflictError, type Journal } from '@leasehold/journal';
import { aggregateSubject, formatCidr, formatIpv4, type PortState } from '@leasehold/protocol';
import { ApiError, notFound } from './errors.js';
import {
  activeNetwork,
  createNetwork,
  createSubnet,
  deleteNetwork,
  deleteSubnet,
  findSubnet,
  updateNetwork,
  updateSubnet,
  type CommandContext,
} from './network/commands.js';
import type { NetworkEvent, NetworkSnapshot } from './network/machine.js';
import { PortWriter } from './port/writer.js';
import { DEFAULT_PROJECT_ID, checkQuota, defaultQuotas, requestedProject, type Quotas } from './quota.js';
import { DHCP_DEVICE_OWNER, type ReadModel } from './read-model/read-model.js';
import { networkView, portView, subnetView } from './views.js';
import { page, parseRequest } from './wire/schemas.js';

export type Handler = (body: Record<string, unknown>) => Promise<unknown>;

const MAX_CONFLICT_RETRIES = 5;

/** `ports`: the port writer, shared with the agents' DHCP-port requests (one writer: one set of claims in flight). */
export function apiHandlers(journal: Journal, model: ReadModel, quotas: Quotas = defaultQuotas, ports = new PortWriter(journal, model)): Record<string, Handler> {
  const context = (): CommandContext => ({ now: Date.now(), newId: randomUUID, correlation: randomUUID() });

  /** Decides and appends events for one network, retrying on a concurrent write unless the caller named a revision. */
  const writeNetwork = async (id: string, revision: number | undefined, decide: (s: NetworkSnapshot | undefined) => NetworkEvent[]) => {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const version = model.networkVersion(id);
      if (revision !== undefined && revision !== version) {
        throw new ApiError('VERSION_CONFLICT', `network ${id} is at revision ${version}, not ${revision}`, 'revision_number');
      }
      const events = decide(model.networks.get(id)?.value);
      if (events.length === 0) return;
      try {
        const result = await journal.append(aggregateSubject('network', id), events, version);
        await model.waitFor(result.version);
        return;
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
        if (revision !== undefined) throw new ApiError('VERSION_CONFLICT', error.message, 'revision_number', { cause: error });
        if (error.actualVersion !== undefined) await model.waitFor(error.actualVersion);
      }
    }
    throw new ApiError('VERSION_CONFLICT', `network ${id} kept changing under ${MAX_CONFLICT_RETRIES} attempts; retry`, 'id');
  };

  const showNetwork = (id: string) => {
    const snapshot = model.network(id);
    if (!snapshot) throw notFound('network', id);
    return { network: networkView(snapshot, model.networkVersion(id)) };
  };
  const subnetOf = (subnetId: string) => {
    const networkId = model.networkOfSubnet.get(subnetId);
    const snapshot = networkId === undefined ? undefined : model.network(networkId);
    return { networkId, snapshot, subnet: findSubnet(snapshot, subnetId) };
  };
  const showPort = (id: string) => {
    const port = model.ports.get(id);
    if (!port) throw notFound('port', id);
    return { port: portView(port.value, port.version, model.network(port.value.networkId)?.context.network?.dnsDomain, model.projectOf(port.value.networkId)) };
  };
  const isDhcpPort = (p: PortState) => p.deviceOwner === DHCP_DEVICE_OWNER;

  return {
    'networks.create': async (body) => {
      const req = parseRequest('networkCreate', body);
      const project = requestedProject(req, DEFAULT_PROJECT_ID);
      checkQuota(quotas, 'network', model.usage(project).network);
      const events = createNetwork(req, project, context());
      const id = (events[0]!.data as { network: { id: string } }).network.id;
      await writeNetwork(id, 0, () => events);
      return showNetwork(id);
    },
    'networks.show': async (body) => showNetwork(parseRequest('byId', body).id),
    'networks.list': async (body) => {
      const f = parseRequest('networkList', body);
      const networks = [...model.networks.entries()]
        .filter(([, v]) => v.value.value === 'active')
        .map(([id, v]) => networkView(v.value, model.networkVersion(id)))
        .filter(
          (n) =>
            (f.id === undefined || n.id === f.id) &&
            (f.name === undefined || n.name === f.name) &&
            (f.admin_state_up === undefined || n.admin_state_up === f.admin_state_up) &&
            (f['provider:physical_network'] === undefined || n['provider:physical_network'] === f['provider:physical_network']),
        );
      const { items, next_marker } = page(networks, (n) => n.id, f);
      return { networks: items, ...(next_marker ? { next_marker } : {}) };
    },
    'networks.update': async (body) => {
      const req = parseRequest('networkUpdate', body);
      const ctx = context();
      await writeNetwork(req.id, req.revision_number, (s) => updateNetwork(s, req, ctx));
      return showNetwork(req.id);
    },
    'networks.delete': async (body) => {
      const { id } = parseRequest('byId', body);
      const ctx = context();
      activeNetwork(model.network(id), id);
      const all = model.portsOf(id);
      const userPorts = all.filter((p) => !isDhcpPort(p)).length;
      if (userPorts === 0) for (const p of all) await ports.delete(p.id, ctx); // Neutron removes DHCP ports with their network
      await writeNetwork(id, undefined, (s) => deleteNetwork(s, id, model.portsOf(id).length, ctx));
      return { deleted: id };
    },

    'subnets.create': async (body) => {
      const req = parseRequest('subnetCreate', body);
      const ctx = context();
      // A subnet is its network's project's (Neutron lets only an admin differ; there is no admin here).
      const project = model.projectOf(req.network_id);
      if (project !== undefined) {
        if (requestedProject(req, project) !== project) {
          throw new ApiError('VALIDATION_FAILED', `a subnet belongs to its network's project (${project})`, req.project_id !== undefined ? 'project_id' : 'tenant_id');
        }
        checkQuota(quotas, 'subnet', model.usage(project).subnet);
      }
      let created = '';
      await writeNetwork(req.network_id, undefined, (s) => {
        const events = createSubnet(s, req, ctx);
        created = (events[0]!.data as { subnet: { id: string } }).subnet.id;
        return events;
      });
      return { subnet: subnetView(subnetOf(created).subnet, model.networkVersion(req.network_id), model.projectOf(req.network_id)) };
    },
    'subnets.show': async (body) => {
      const { id } = parseRequest('byId', body);
      const { networkId, subnet } = subnetOf(id);
      return { subnet: subnetView(subnet, model.networkVersion(networkId!), model.projectOf(networkId!)) };
    },
    'subnets.list': async (body) => {
      const f = parseRequest('subnetList', body);
      const subnets = [...model.networks.entries()]
        .filter(([id, v]) => v.value.value === 'active' && (f.network_id === undefined || id === f.network_id))
        .flatMap(([id, v]) => Object.values(v.value.context.subnets).map((s) => subnetView(s, model.networkVersion(id), v.value.context.network?.projectId)))
        .filter(
          (s) =>
            (f.id === undefined || s.id === f.id) &&
            (f.name === undefined || s.name === f.name) &&
            (f.cidr === undefined || s.cidr === f.cidr) &&
            (f.enable_dhcp === undefined || s.enable_dhcp === f.enable_dhcp),
        );
      const { items, next_marker } = page(subnets, (s) => s.id, f);
      return { subnets: items, ...(next_marker ? { next_marker } : {}) };
    },
    'subnets.update': async (body) => {
      const req = parseRequest('subnetUpdate', body);
      const { networkId } = subnetOf(req.id);
      const ctx = context();
      await writeNetwork(networkId!, req.revision_number, (s) => updateSubnet(s, req, ctx));
      return { subnet: subnetView(subnetOf(req.id).subnet, model.networkVersion(networkId!), model.projectOf(networkId!)) };
    },
    'subnets.delete': async (body) => {
      const { id } = parseRequest('byId', body);
      const { networkId, subnet } = subnetOf(id);
      const ctx = context();
      const using = model.portsOf(networkId!).filter((p) => p.fixedIps.some((f) => f.subnetId === id));
      const userPorts = using.filter((p) => !isDhcpPort(p));
      if (userPorts.length > 0) {
        throw new ApiError('SUBNET_IN_USE', `subnet ${id} (${formatCidr(subnet.cidr)}) still has ${userPorts.length} port(s) with addresses in it`, 'id');
      }
      for (const p of using) await ports.delete(p.id, ctx);
      await writeNetwork(networkId!, undefined, (s) => deleteSubnet(s, id, 0, ctx));
      return { deleted: id };
    },

    'ports.create': async (body) => {
      const req = parseRequest('portCreate', body);
      // An operator may create a DHCP port here, as a Neutron admin may (agents ask on their own
      // subject, port/dhcp-port.ts). It is its network's project's and counts against no quota.
      const networkProject = model.projectOf(req.network_id) ?? DEFAULT_PROJECT_ID;
      const project = requestedProject(req, networkProject);
      if (req.device_owner !== DHCP_DEVICE_OWNER) checkQuota(quotas, 'port', model.usage(project).port);
      const port = await ports.create(req, project, context());
      return showPort(port.id);
    },
    'ports.show': async (body) => showPort(parseRequest('byId', body).id),
    'ports.list': async (body) => {
      const f = parseRequest('portList', body);
      const candidates = f.network_id === undefined ? [...model.ports.values()] : model.portsOf(f.network_id).flatMap((p) => model.ports.get(p.id) ?? []);
      const domains = new Map<string, string>();
      const domainOf = (networkId: string) => {
        let d = domains.get(networkId);
        if (d === undefined) domains.set(networkId, (d = model.network(networkId)?.context.network?.dnsDomain ?? ''));
        return d;
      };
      const matching = candidates.filter(({ value: p }) =>
          (f.id === undefined || p.id === f.id) &&
          (f.name === undefined || p.name === f.name) &&
          (f.mac_address === undefined || p.macAddress === f.mac_address.toLowerCase()) &&
          (f.device_owner === undefined || p.deviceOwner === f.device_owner) &&
          (f.device_id === undefined || p.deviceId === f.device_id) &&
          (f.subnet_id === undefined || p.fixedIps.some((x) => x.subnetId === f.subnet_id)) &&
          (f.ip_address === undefined || p.fixedIps.some((x) => formatIpv4(x.ipAddress) === f.ip_address)),
      );
      // Page before building views: a page of a large network costs only its own items.
      const { items, next_marker } = page(matching, (p) => p.value.id, f);
      return { ports: items.map(({ value, version }) => portView(value, version, domainOf(value.networkId), value.projectId ?? model.projectOf(value.networkId))), ...(next_marker ? { next_marker } : {}) };
    },
    'ports.update': async (body) => {
      const port = await ports.update(parseRequest('portUpdate', body), context());
      return showPort(port.id);
    },
    'ports.delete': async (body) => {
      const { id } = parseRequest('byId', body);
      await ports.delete(id, context());
      return { deleted: id };
    },
  };
}
