/**
 * `why binding`: the decisions behind a network's current agents. A
 * NetworkScheduled written by the scheduler carries its `strategy` and the
 * `inputs` it ranked; the agents alive at that moment come from the
 * scheduler's own fold of the journal up to the decision, and deciding
 * again on that state checks that the decision follows from the log.
 *
 * On a compacted journal the chain starts at the first retained event, the
 * current agents are those the API snapshot holds plus what the retained
 * events changed since, and an agent bound by a decision that was compacted
 * is named with what the snapshot keeps of it (reason and time).
 */
import type { StoredEvent } from '@leasehold/journal';
import type { NetworkScheduledData } from '@leasehold/protocol';
import { bindingSubject } from '@leasehold/resources';
import {
  agentLoads,
  applyEvents,
  createProjection,
  decide,
  schedulerConfig,
  schedulerEvent,
  tick,
  DEFAULT_SCHEDULER_CONFIG,
  type ScheduleInputs,
  type StrategyName,
  STRATEGIES,
} from '@leasehold/scheduler';
import { CliError } from '../resources/errors.js';
import { parseAggregate } from '../replay/aggregate.js';
import { snapshotName, type HistoryStart } from '../replay/history-start.js';
import { walkAggregate } from '../replay/run.js';
import type { EventSource } from '../replay/source.js';

export interface AgentAtDecision {
  readonly agentId: string;
  readonly status: string;
  readonly adminStateUp: boolean;
  readonly availabilityZone: string;
  readonly lastHeartbeatAt: number | null;
  /** Networks bound to it in the scheduler's state. */
  readonly load: number;
}

export interface BindingDecision {
  readonly agentId: string;
  readonly scheduled: StoredEvent;
  readonly reason: string;
  readonly strategy?: string;
  readonly inputs?: ScheduleInputs;
  /** Every agent the scheduler knew just before the decision, at the decision's time. */
  readonly agents: readonly AgentAtDecision[];
  /** Deciding again on the state just before: did it make the same choice? */
  readonly replayed: { readonly same: boolean; readonly text: string };
}

/** A current agent whose NetworkScheduled was compacted: what the API snapshot keeps of it. */
export interface CompactedBinding {
  readonly agentId: string;
  readonly reason: string;
  readonly at: number;
  /** `api@812`. */
  readonly snapshot: string;
}

export interface BindingWhy {
  readonly networkId: string;
  readonly subject: string;
  /** Where the source's history starts (rendered by the command). */
  readonly history: HistoryStart;
  /** Every retained event of the binding subject. */
  readonly chain: readonly StoredEvent[];
  /** The binding's events before the first retained one were compacted (or, with no snapshot, may have been). */
  readonly truncated: boolean;
  readonly current: readonly BindingDecision[];
  /** Current agents bound by a decision that was compacted. */
  readonly compacted: readonly CompactedBinding[];
  /** The first event the scheduler fold behind each decision folded (1: all of history). */
  readonly derivedFrom: number;
}

export interface WhyBindingOptions {
  readonly agentDownTime?: number;
  readonly onPending?: (n: number) => void;
  readonly onEvent?: () => void;
}

/** Explains the current bindings of a network. */
export async function whyBinding(source: EventSource, networkId: string, options: WhyBindingOptions = {}): Promise<BindingWhy> {
  const subject = bindingSubject(networkId);
  const history = await source.history();
  const chain: StoredEvent[] = [];
  await source.replay(subject, (stored) => void chain.push(stored));
  const walk = walkAggregate(parseAggregate(subject), history, chain, { now: Date.now() });
  // The current agents and the decision that bound each.
  const current = new Map<string, StoredEvent>();
  const compacted: CompactedBinding[] = [];
  if (walk.origin.kind === 'snapshot') {
    // From the snapshot's bindings and the retained events after it: the deciding event, where it is retained.
    const agents = (walk.steps.at(-1) ?? walk.initial).context as { agents: Record<string, { reason: string; at: number }> };
    for (const [agentId, b] of Object.entries(agents.agents)) {
      const decided = chain.findLast((s) => s.event.type === 'NetworkScheduled' && (s.event.data as { agentId: string }).agentId === agentId && s.event.at === b.at);
      if (decided) current.set(agentId, decided);
      else compacted.push({ agentId, reason: b.reason, at: b.at, snapshot: snapshotName(walk.origin.snapshot) });
    }
  } else {
    for (const stored of chain) {
      const data = stored.event.data as { agentId: string };
      if (stored.event.type === 'NetworkScheduled') current.set(data.agentId, stored);
      else if (stored.event.type === 'NetworkUnscheduled') current.delete(data.agentId);
    }
  }
  if (chain.length === 0 && current.size === 0 && compacted.length === 0) {
    throw new CliError('NOT_FOUND', `no binding events for network ${networkId} in ${source.name}${history.snapshot ? `, nor a binding in snapshot ${snapshotName(history.snapshot)}` : ''}`, 'network');
  }
  const targets = [...current.values()].sort((a, b) => a.seq - b.seq);
  const summary = { networkId, subject, history, chain, truncated: walk.origin.kind === 'snapshot' || walk.origin.kind === 'partial', compacted, derivedFrom: history.firstRetained };
  const config = schedulerConfig({ agentDownTime: options.agentDownTime ?? DEFAULT_SCHEDULER_CONFIG.agentDownTime });
  const projection = createProjection(config);
  const decisions: BindingDecision[] = [];
  let next = 0;
  const explain = (stored: StoredEvent) => {
    const data = stored.event.data as NetworkScheduledData;
    const at = stored.event.at;
    const before = tick(applyEvents(projection.state, [], config), at, config);
    const loads = agentLoads(before);
    const agents = [...before.agents.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([agentId, r]) => ({ agentId, status: r.status, adminStateUp: r.context.adminStateUp, availabilityZone: r.context.availabilityZone, lastHeartbeatAt: r.context.lastHeartbeatAt, load: loads.get(agentId) ?? 0 }));
    decisions.push({
      agentId: data.agentId,
      scheduled: stored,
      reason: data.reason,
      ...(data.strategy !== undefined ? { strategy: data.strategy } : {}),
      ...(data.inputs !== undefined ? { inputs: data.inputs as ScheduleInputs } : {}),
      agents,
      replayed: redecide(before, data, at, networkId),
    });
  };
  const redecide = (state: ReturnType<typeof tick>, data: NetworkScheduledData, at: number, network: string): BindingDecision['replayed'] => {
    if (data.reason === 'manual') return { same: true, text: 'bound by an operator through the API (bindings.add): no strategy decided it' };
    const strategy = data.strategy as StrategyName | undefined;
    const inputs = data.inputs as Partial<ScheduleInputs> | undefined;
    if (!strategy || !STRATEGIES.includes(strategy)) return { same: false, text: 'the event names no known strategy: cannot decide again' };
    const wanted = Math.max(1, inputs?.wanted ?? 1);
    const again = decide(state, at, schedulerConfig({ ...config, strategy, agentsPerNetwork: wanted }))
      .filter((d) => d.type === 'NetworkScheduled' && d.networkId === network)
      .map((d) => d.agentId);
    const settings = `strategy ${strategy}, agents_per_network ${wanted}, agent_down_time ${config.agentDownTime} ms`;
    if (again.includes(data.agentId)) return { same: true, text: `deciding again on the scheduler state just before, with ${settings}, picks ${data.agentId} too` };
    return { same: false, text: `deciding again on the state just before, with ${settings}, picks ${again.length ? again.join(', ') : 'nobody'}: the scheduler ran with another configuration (seed, down time) or saw another state` };
  };
  const last = targets.at(-1)?.seq;
  if (last === undefined) return { ...summary, current: [] };
  await source.replay(
    'lh.evt.>',
    (stored) => {
      while (next < targets.length && targets[next]!.seq === stored.seq) explain(targets[next++]!);
      let event;
      try {
        event = schedulerEvent(stored.event);
      } catch {
        event = undefined;
      }
      if (event) projection.apply(event);
      options.onEvent?.();
    },
    { toSeq: last, ...(options.onPending ? { onPending: options.onPending } : {}) },
  );
  return { ...summary, current: decisions };
}
