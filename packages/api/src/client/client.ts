/**
 * A typed client of the API for TypeScript callers (the CLI, agents, tests).
 * Speaks msgpack; an error reply is thrown as the same `ApiError` the server
 * raised (code, status, field, message). It loads the wire contract only
 * (../wire, ../errors.ts), never the service: imports.test.ts holds it so.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { unpack } from '@leasehold/protocol';
import { dhcpPortRequestSubject } from '@leasehold/resources';
import { ApiError, type ApiErrorBody } from '../errors.js';
import { encodeBody } from '../wire/codec.js';
import type { DhcpPortReply } from '../wire/dhcp-port.js';
import type { Input } from '../wire/schemas.js';
import { API_SUBJECT_PREFIX } from '../wire/subjects.js';
import type { AgentView, LeaseView, NetworkView, PortView, SubnetView } from '../wire/views.js';

type Without<T, K extends PropertyKey> = Omit<T, K & keyof T>;

export interface ApiClientOptions {
  readonly timeoutMs?: number;
}

/** One page of a list: its items, and the marker of the next page while more remain. */
export interface ListPage<T> {
  readonly items: T[];
  readonly next_marker?: string;
}

export class ApiClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly options: ApiClientOptions = {},
  ) {}

  /** Sends one request for `operation` (`ports.create`); resolves with the reply body or throws `ApiError`. */
  request<T>(operation: string, body: object = {}): Promise<T> {
    return this.requestOn<T>(`${API_SUBJECT_PREFIX}.${operation}`, body);
  }

  /** Sends one request on `subject`; resolves with the reply body or throws `ApiError`. */
  async requestOn<T>(subject: string, body: object = {}): Promise<T> {
    const reply = await this.nc.request(subject, encodeBody(body, 'msgpack'), {
      timeout: this.options.timeoutMs ?? 10_000,
    });
    const decoded = reply.data.length === 0 ? {} : (unpack(reply.data) as Record<string, unknown>);
    if (reply.headers?.get('Nats-Service-Error-Code')) {
      const error = decoded.error as ApiErrorBody | undefined;
      throw error ? ApiError.fromBody(error) : new ApiError('INTERNAL', reply.headers.get('Nats-Service-Error') || 'error without a body');
    }
    return decoded as T;
  }

  /** One page of `collection`'s list (`limit`/`marker` in the filters): the items and, while more remain, `next_marker`. */
  private async listPage<T>(collection: 'networks' | 'subnets' | 'ports' | 'leases', filters: object): Promise<ListPage<T>> {
    const reply = await this.request<Record<string, unknown> & { next_marker?: string }>(`${collection}.list`, filters);
    const items = reply[collection] as T[];
    return reply.next_marker === undefined ? { items } : { items, next_marker: reply.next_marker };
  }

  readonly networks = {
    create: (req: Input<'networkCreate'> = {}) => this.request<{ network: NetworkView }>('networks.create', req).then((r) => r.network),
    show: (id: string) => this.request<{ network: NetworkView }>('networks.show', { id }).then((r) => r.network),
    list: (filters: Input<'networkList'> = {}) => this.request<{ networks: NetworkView[] }>('networks.list', filters).then((r) => r.networks),
    page: (filters: Input<'networkList'> = {}) => this.listPage<NetworkView>('networks', filters),
    update: (id: string, changes: Without<Input<'networkUpdate'>, 'id'>) =>
      this.request<{ network: NetworkView }>('networks.update', { ...changes, id }).then((r) => r.network),
    delete: (id: string) => this.request<{ deleted: string }>('networks.delete', { id }).then(() => undefined),
  };

  readonly subnets = {
    create: (req: Input<'subnetCreate'>) => this.request<{ subnet: SubnetView }>('subnets.create', req).then((r) => r.subnet),
    show: (id: string) => this.request<{ subnet: SubnetView }>('subnets.show', { id }).then((r) => r.subnet),
    list: (filters: Input<'subnetList'> = {}) => this.request<{ subnets: SubnetView[] }>('subnets.list', filters).then((r) => r.subnets),
    page: (filters: Input<'subnetList'> = {}) => this.listPage<SubnetView>('subnets', filters),
    update: (id: string, changes: Without<Input<'subnetUpdate'>, 'id'>) =>
      this.request<{ subnet: SubnetView }>('subnets.update', { ...changes, id }).then((r) => r.subnet),
    delete: (id: string) => this.request<{ deleted: string }>('subnets.delete', { id }).then(() => undefined),
  };

  readonly ports = {
    create: (req: Input<'portCreate'>) => this.request<{ port: PortView }>('ports.create', req).then((r) => r.port),
    show: (id: string) => this.request<{ port: PortView }>('ports.show', { id }).then((r) => r.port),
    list: (filters: Input<'portList'> = {}) => this.request<{ ports: PortView[] }>('ports.list', filters).then((r) => r.ports),
    page: (filters: Input<'portList'> = {}) => this.listPage<PortView>('ports', filters),
    update: (id: string, changes: Without<Input<'portUpdate'>, 'id'>) =>
      this.request<{ port: PortView }>('ports.update', { ...changes, id }).then((r) => r.port),
    delete: (id: string) => this.request<{ deleted: string }>('ports.delete', { id }).then(() => undefined),
  };

  readonly agents = {
    list: (filters: Input<'agentList'> = {}) => this.request<{ agents: AgentView[] }>('agents.list', filters).then((r) => r.agents),
    show: (id: string) => this.request<{ agent: AgentView }>('agents.show', { id }).then((r) => r.agent),
    update: (id: string, adminStateUp: boolean) => this.request<{ agent: AgentView }>('agents.update', { id, admin_state_up: adminStateUp }).then((r) => r.agent),
    delete: (id: string) => this.request<{ deleted: string }>('agents.delete', { id }).then(() => undefined),
    /**
     * Agent `agentId`'s DHCP port on a network bound to it, created when it has none.
     * Only that agent's NATS user (and admin) may send this: the subject names the agent.
     */
    dhcpPort: (agentId: string, networkId: string) => this.requestOn<DhcpPortReply>(dhcpPortRequestSubject(agentId), { network_id: networkId }),
  };

  readonly bindings = {
    add: (networkId: string, agentId: string) => this.request('bindings.add', { network_id: networkId, agent_id: agentId }).then(() => undefined),
    remove: (networkId: string, agentId: string) => this.request('bindings.remove', { network_id: networkId, agent_id: agentId }).then(() => undefined),
    networksOnAgent: (agentId: string) => this.request<{ networks: string[] }>('bindings.networks-on-agent', { agent_id: agentId }).then((r) => r.networks),
    agentsOnNetwork: (networkId: string) =>
      this.request<{ agents: (AgentView & { binding_reason: string })[] }>('bindings.agents-on-network', { network_id: networkId }).then((r) => r.agents),
  };

  readonly leases = {
    list: (filters: Input<'leaseList'> = {}) => this.request<{ leases: LeaseView[] }>('leases.list', filters).then((r) => r.leases),
    page: (filters: Input<'leaseList'> = {}) => this.listPage<LeaseView>('leases', filters),
    show: (query: Input<'leaseShow'>) => this.request<{ lease: LeaseView }>('leases.show', query).then((r) => r.lease),
  };
}
