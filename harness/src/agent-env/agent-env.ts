/**
 * An agent under test with everything real around it: a spawned
 * nats-server, the journal, the API service, and a network served on the
 * host end of a veth pair whose client end is in a fresh namespace. It lives
 * in the harness, above both, because the agent may not depend on the API,
 * not even for its tests (issue 16): the agent's whole-system tests are in
 * harness/src/agent-e2e.
 */
import { randomUUID } from 'node:crypto';
import { defaultAgentConfig, startAgent, type AgentConfig, type AgentDeps, type RunningAgent } from '@leasehold/agent';
import { createTestLink, type TestLink } from '@leasehold/agent/testing';
import { startTestApi, type TestApi } from '@leasehold/api/testing';
import type { ApiInput, NetworkView, SubnetView } from '@leasehold/api/client';
import { bindingSubject, toBindingEnvelope } from '@leasehold/resources';

export interface AgentEnv extends AsyncDisposable {
  readonly t: TestApi;
  readonly agents: RunningAgent[];
  readonly links: TestLink[];
  /** Starts an agent with the given config on this environment's journal. */
  startAgent(overrides: Partial<AgentConfig>, deps?: Pick<AgentDeps, 'transactions' | 'log'>): Promise<RunningAgent>;
  /** Creates a network with one subnet, ready to be bound. */
  network(physnet: string, subnet: Omit<ApiInput<'subnetCreate'>, 'network_id'>, net?: ApiInput<'networkCreate'>): Promise<{ network: NetworkView; subnet: SubnetView }>;
  /** Appends the NetworkScheduled event the scheduler would, and waits until the agent serves the network with its DHCP port. */
  bind(agent: RunningAgent, networkId: string): Promise<void>;
  /** Appends the NetworkUnscheduled event the scheduler would when an agent dies. */
  unbind(agentId: string, networkId: string): Promise<void>;
  link(): Promise<TestLink>;
  stop(): Promise<void>;
}

/** `api`: the test API's options, e.g. `{ quotas: { quota_network: -1 } }` for a bench that makes a thousand networks in one project. */
export async function startAgentEnv(api: Parameters<typeof startTestApi>[0] = {}): Promise<AgentEnv> {
  const t = await startTestApi(api);
  const agents: RunningAgent[] = [];
  const links: TestLink[] = [];
  const stop = async () => {
    for (const agent of agents) await agent.stop().catch(() => {});
    for (const link of links) await link.remove().catch(() => {});
    await t.stop();
  };
  return {
    t,
    agents,
    links,
    async startAgent(overrides, deps = {}) {
      const agent = await startAgent(defaultAgentConfig({ reportIntervalMs: 1000, agentDownTimeMs: 3000, ...overrides }), { nc: t.nc, journal: t.journal, ...deps });
      agents.push(agent);
      return agent;
    },
    async network(physnet, subnet, net = {}) {
      const network = await t.client.networks.create({ 'provider:physical_network': physnet, ...net });
      const created = await t.client.subnets.create({ network_id: network.id, ...subnet });
      return { network, subnet: created };
    },
    async bind(agent, networkId) {
      const event = toBindingEnvelope({ type: 'NetworkScheduled', at: Date.now(), networkId, agentId: agent.config.agentId, reason: 'manual' }, { id: randomUUID() });
      await t.journal.append(bindingSubject(networkId), [event]);
      const deadline = Date.now() + 10_000;
      for (;;) {
        await agent.reconcile();
        const served = agent.served().find((s) => s.networkId === networkId);
        if (served && served.serverIps.size > 0) return;
        if (Date.now() > deadline) throw new Error(`agent ${agent.config.agentId} did not start serving ${networkId}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async unbind(agentId, networkId) {
      const event = toBindingEnvelope({ type: 'NetworkUnscheduled', at: Date.now(), networkId, agentId, reason: 'agent-down' }, { id: randomUUID() });
      await t.journal.append(bindingSubject(networkId), [event]);
    },
    async link() {
      const link = await createTestLink();
      links.push(link);
      return link;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
