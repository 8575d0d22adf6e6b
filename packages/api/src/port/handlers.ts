/**
 * `lh.api.v1.ports.<verb>`: create, show, list, update, delete. Writes go
 * through the `PortWriter` (MAC and address claims first), the one the
 * agents' DHCP-port requests share, so one set of claims is in flight.
 */
import { tagsMatch } from '../attributes.js';
import { canonicalIpv6, formatIpv4 } from '@leasehold/protocol';
import { DHCP_DEVICE_OWNER } from '@leasehold/resources';
import { requestContext } from '../command.js';
import type { Handler } from '../endpoint.js';
import { notFound } from '../errors.js';
import { DEFAULT_PROJECT_ID, checkQuota, requestedProject, type Quotas } from '../quota.js';
import type { ReadModel } from '../read-model/read-model.js';
import { page, parseRequest } from '../wire/schemas.js';
import type { PortActivations } from './activation.js';
import { portStatus } from './status.js';
import { portView } from './view.js';
import type { PortWriter } from './writer.js';

export interface PortHandlerDeps {
  readonly model: ReadModel;
  readonly quotas: Quotas;
  readonly ports: PortWriter;
  /** Neutron's dns_domain: the domain of dns_assignment for a port whose network has none (openstacklocal when unset). */
  readonly dnsDomain?: string;
  /** Told of each port created, to measure its wait for ACTIVE. */
  readonly activations?: PortActivations;
}

export function portHandlers({ model, quotas, ports, dnsDomain, activations }: PortHandlerDeps): Record<string, Handler> {
  const showPort = (id: string) => {
    const port = model.ports.get(id);
    if (!port) throw notFound('port', id);
    return { port: portView(port.value, port.version, portStatus(port.value, port.version, model), model.network(port.value.networkId)?.context.network?.dnsDomain, model.projectOf(port.value.networkId), dnsDomain, model.times.get(port.value.id)) };
  };

  return {
    'ports.create': async (body) => {
      const req = parseRequest('portCreate', body);
      // An operator may create a DHCP port here, as a Neutron admin may (agents ask on their own
      // subject, dhcp-port.ts). It is its network's project's and counts against no quota.
      const networkProject = model.projectOf(req.network_id) ?? DEFAULT_PROJECT_ID;
      const project = requestedProject(req, networkProject);
      if (req.device_owner !== DHCP_DEVICE_OWNER) checkQuota(quotas, 'port', model.usage(project).port);
      const port = await ports.create(req, project, requestContext());
      const answer = showPort(port.id);
      activations?.created(port.id, port.networkId, Date.now());
      return answer;
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
          (f.subnet_id === undefined || p.fixedIps.some((x) => x.subnetId === f.subnet_id) || (p.fixedIps6 ?? []).some((x) => x.subnetId === f.subnet_id)) &&
          (f.ip_address === undefined || p.fixedIps.some((x) => formatIpv4(x.ipAddress) === f.ip_address) || (p.fixedIps6 ?? []).some((x) => x.ipAddress === canonicalIpv6(f.ip_address!))) &&
          tagsMatch(p.tags ?? [], f),
      );
      // Page before building views: a page of a large network costs only its own items.
      const { items, next_marker } = page(matching, (p) => p.value.id, f);
      return {
        ports: items.map(({ value, version }) => portView(value, version, portStatus(value, version, model), domainOf(value.networkId), value.projectId ?? model.projectOf(value.networkId), dnsDomain, model.times.get(value.id))),
        ...(next_marker ? { next_marker } : {}),
      };
    },
    'ports.update': async (body) => {
      const port = await ports.update(parseRequest('portUpdate', body), requestContext());
      return showPort(port.id);
    },
    'ports.delete': async (body) => {
      const { id } = parseRequest('byId', body);
      await ports.delete(id, requestContext());
      return { deleted: id };
    },
  };
}
