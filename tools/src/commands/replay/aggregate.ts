/**
 * The aggregates `leasehold replay` knows and how each is stepped: network
 * through the API's network machine, lease through lease-actor's machine
 * (xstate's initialTransition/transition, as its README shows), agent
 * through the scheduler's agent machine, port and binding as plain folds,
 * an IPv6 lease as the agents' Lease6Table folds it (lease6.ts).
 * Every step yields `{value, context}`: the state value and the data, plain
 * and comparable.
 */
import { ReadModel } from '@leasehold/api';
import type { StoredEvent } from '@leasehold/journal';
import { fromEnvelope as leaseEvent, leaseMachine, refusal, type LeaseSnapshot } from '@leasehold/lease-actor';
import { aggregateSubject, formatIpv6, parseIpv4, subjectToken, tryParseIpv4, tryParseIpv6, type EventEnvelope, type PortState } from '@leasehold/protocol';
import {
  applyNetworkEvent,
  eventSubjectParts,
  fromNetworkEnvelope,
  isOverdue,
  machineStep,
  type AgentMachineState,
  type NetworkEvent,
  type NetworkSnapshot,
} from '@leasehold/resources';
import { schedulerEvent, DEFAULT_SCHEDULER_CONFIG } from '@leasehold/scheduler';
import { transition } from 'xstate';
import { CliError } from '../resources/errors.js';
import { agentIn, bindingIn, leaseIn, networkIn, portIn, type ReadModelStart } from './from-read-model.js';
import { lease6Replayer } from './lease6.js';

export type AggregateKind = 'network' | 'lease' | 'lease6' | 'agent' | 'port' | 'binding';

export interface AggregateRef {
  readonly kind: AggregateKind;
  /** network/<id>, lease/<networkId>/<ip>, ... */
  readonly name: string;
  readonly subject: string;
  readonly ids: readonly string[];
}

/** What the aggregate is after an event: a state value and plain data. */
export interface AggregateState {
  readonly value: string;
  readonly context: unknown;
}

export interface ReplayStep extends AggregateState {
  readonly seq: number;
  readonly event: EventEnvelope;
  /** The machine did not accept the event (it changed nothing); why, when known. */
  readonly refused?: string;
  /** A state change the clock caused before the event (an agent judged down). */
  readonly before?: AggregateState & { readonly reason: string };
}

/** Steps one aggregate's events. `state` is the state before the next event. */
export interface Replayer {
  readonly state: AggregateState;
  /** The time of the last event in `state` (the read model's update time when it started there), if known. */
  readonly at: number | undefined;
  /** Fields of the start state the read model it started from does not keep (see from-read-model.ts). */
  readonly unknown: readonly string[];
  step(stored: StoredEvent): ReplayStep;
}

export interface ReplayerOptions {
  /** agent_down_time the scheduler judges agents with (agent aggregates only). */
  readonly agentDownTime?: number;
  /** Start from the aggregate's state in this read model (the API's, restored from its snapshot) instead of its initial state. */
  readonly from?: ReadModel;
}

const usage = 'network/<id>, lease/<networkId>/<ip>, lease6/<networkId>/<ipv6>, agent/<id>, port/<id> or binding/<networkId>';

/** Parses `network/<id>`, `lease/<net>/<ip>`, ... or an aggregate subject `lh.evt.<kind>.<ids>`. Throws CliError. Pure. */
export function parseAggregate(text: string): AggregateRef {
  const subject = text.startsWith('lh.evt.') ? eventSubjectParts(text) : undefined;
  const parts = subject ? [subject.kind, ...subject.ids] : text.startsWith('lh.evt.') ? [] : text.split('/');
  const [kind, ...ids] = parts;
  const fail = (why: string) => new CliError('INVALID_AGGREGATE', `${text}: ${why} (give ${usage})`, 'aggregate');
  if (kind !== 'network' && kind !== 'lease' && kind !== 'lease6' && kind !== 'agent' && kind !== 'port' && kind !== 'binding') throw fail(`unknown aggregate kind ${JSON.stringify(kind ?? '')}`);
  const want = kind === 'lease' || kind === 'lease6' ? 2 : 1;
  if (ids.length !== want || ids.some((id) => id.length === 0)) throw fail(`${kind} takes ${want} id${want > 1 ? 's' : ''}`);
  if (kind === 'lease') {
    const ip = tryParseIpv4(ids[1]!.replaceAll('-', '.'));
    if (ip === undefined) throw fail(`${ids[1]} is not an IPv4 address`);
    const dotted = ids[1]!.replaceAll('-', '.');
    return { kind, name: `lease/${ids[0]}/${dotted}`, subject: aggregateSubject('lease', ids[0]!, dotted), ids: [ids[0]!, dotted] };
  }
  if (kind === 'lease6') {
    // Any textual form of the address names the one subject: its RFC 5952 text.
    const ip = tryParseIpv6(ids[1]!);
    if (ip === undefined) throw fail(`${ids[1]} is not an IPv6 address`);
    const text = formatIpv6(ip);
    return { kind, name: `lease6/${ids[0]}/${text}`, subject: aggregateSubject('lease6', ids[0]!, text), ids: [ids[0]!, text] };
  }
  try {
    subjectToken(ids[0]!);
  } catch {
    throw fail(`${ids[0]} cannot be an id`);
  }
  return { kind, name: `${kind}/${ids[0]}`, subject: aggregateSubject(kind, ids[0]!), ids: [ids[0]!] };
}

/**
 * A replayer at the aggregate's initial state, or at its state in
 * `options.from` (an empty read model gives the initial state too).
 */
export function replayer(ref: AggregateRef, options: ReplayerOptions = {}): Replayer {
  const from = options.from ?? new ReadModel();
  const id = ref.ids[0]!;
  switch (ref.kind) {
    case 'network':
      return networkReplayer(networkIn(from, id));
    case 'lease':
      return leaseReplayer(leaseIn(from, id, parseIpv4(ref.ids[1]!)));
    case 'lease6':
      return lease6Replayer(ref.ids[1]!);
    case 'agent': {
      const downTime = options.agentDownTime ?? DEFAULT_SCHEDULER_CONFIG.agentDownTime;
      return agentReplayer(agentIn(from, id, downTime, DEFAULT_SCHEDULER_CONFIG.enableNewAgents), downTime);
    }
    case 'port':
      return portReplayer(portIn(from, id));
    case 'binding':
      return bindingReplayer(bindingIn(from, id));
  }
}

/** The time bookkeeping every replayer shares: the start's, then each event's. */
function clock(start: ReadModelStart<unknown>) {
  let at = start.at;
  return {
    get at() {
      return at;
    },
    unknown: start.unknown,
    saw(eventAt: number) {
      at = eventAt;
    },
  };
}

function networkReplayer(start: ReadModelStart<NetworkSnapshot>): Replayer {
  let snapshot: NetworkSnapshot = start.state;
  const time = clock(start);
  const view = (s: NetworkSnapshot): AggregateState => ({ value: String(s.value), context: s.context });
  return {
    get state() {
      return view(snapshot);
    },
    get at() {
      return time.at;
    },
    unknown: time.unknown,
    step({ seq, event }) {
      time.saw(event.at);
      let networkEvent: NetworkEvent;
      try {
        networkEvent = fromNetworkEnvelope(event);
      } catch (error) {
        return { seq, event, ...view(snapshot), refused: (error as Error).message };
      }
      const refused = snapshot.can(networkEvent) ? undefined : `${event.type} is not accepted in state ${String(snapshot.value)}`;
      if (!refused) snapshot = applyNetworkEvent(snapshot, networkEvent);
      return { seq, event, ...view(snapshot), ...(refused ? { refused } : {}) };
    },
  };
}

function leaseReplayer(start: ReadModelStart<LeaseSnapshot>): Replayer {
  let snapshot = start.state;
  const time = clock(start);
  const view = (s: LeaseSnapshot): AggregateState => ({ value: String(s.value), context: s.context });
  return {
    get state() {
      return view(snapshot);
    },
    get at() {
      return time.at;
    },
    unknown: time.unknown,
    step({ seq, event }) {
      time.saw(event.at);
      let machineEvent;
      try {
        machineEvent = leaseEvent(event);
      } catch (error) {
        return { seq, event, ...view(snapshot), refused: (error as Error).message };
      }
      const refused = refusal(snapshot, machineEvent);
      if (!refused) [snapshot] = transition(leaseMachine, snapshot, machineEvent);
      return { seq, event, ...view(snapshot), ...(refused ? { refused: `refused: ${refused.reason}` } : {}) };
    },
  };
}

/**
 * The agent machine as the scheduler's fold drives it: the clock is the
 * latest `at` seen, and an alive agent silent for longer than agentDownTime
 * is moved to down (a Tick) before the next event applies.
 */
function agentReplayer(start: ReadModelStart<AgentMachineState>, agentDownTime: number): Replayer {
  let record: AgentMachineState = start.state;
  let now = start.at ?? 0;
  const time = clock(start);
  const view = (r: AgentMachineState): AggregateState => ({ value: r.status, context: r.context });
  return {
    get state() {
      return view(record);
    },
    get at() {
      return time.at;
    },
    unknown: time.unknown,
    step({ seq, event }) {
      time.saw(event.at);
      now = Math.max(now, event.at);
      let before: ReplayStep['before'];
      if (record.status === 'alive' && isOverdue(record.context, now)) {
        record = machineStep(record, { type: 'Tick', now });
        before = { ...view(record), reason: `no heartbeat for more than ${agentDownTime} ms` };
      }
      let folded;
      try {
        folded = schedulerEvent(event);
      } catch (error) {
        return { seq, event, ...view(record), refused: (error as Error).message, ...(before ? { before } : {}) };
      }
      if (!folded || (folded.type !== 'AgentHeartbeat' && folded.type !== 'AgentAdminStateChanged' && folded.type !== 'AgentDeleted')) {
        return { seq, event, ...view(record), refused: `${event.type} is not an agent event`, ...(before ? { before } : {}) };
      }
      record = machineStep(record, { ...folded, now });
      return { seq, event, ...view(record), ...(before ? { before } : {}) };
    },
  };
}

interface PortContext {
  readonly port: PortState | null;
}

function portReplayer(start: ReadModelStart<{ value: string; context: PortContext }>): Replayer {
  let state = start.state;
  const time = clock(start);
  return {
    get state() {
      return state;
    },
    get at() {
      return time.at;
    },
    unknown: time.unknown,
    step({ seq, event }) {
      time.saw(event.at);
      let refused: string | undefined;
      if (event.type === 'PortCreated' && state.value === 'absent') state = { value: 'active', context: { port: (event.data as { port: PortState }).port } };
      else if (event.type === 'PortUpdated' && state.value === 'active' && state.context.port) {
        state = { value: 'active', context: { port: { ...state.context.port, ...(event.data as { changes: Partial<PortState> }).changes } } };
      } else if (event.type === 'PortDeleted' && state.value === 'active') state = { value: 'deleted', context: state.context };
      else refused = `${event.type} is not accepted in state ${state.value}`;
      return { seq, event, ...state, ...(refused ? { refused } : {}) };
    },
  };
}

interface BindingContext {
  /** agentId → how it was bound. */
  readonly agents: Readonly<Record<string, { readonly reason: string; readonly at: number; readonly strategy?: string }>>;
}

function bindingReplayer(start: ReadModelStart<BindingContext['agents']>): Replayer {
  let context: BindingContext = { agents: start.state };
  const time = clock(start);
  const value = () => (Object.keys(context.agents).length > 0 ? 'bound' : 'unbound');
  return {
    get state() {
      return { value: value(), context };
    },
    get at() {
      return time.at;
    },
    unknown: time.unknown,
    step({ seq, event }) {
      time.saw(event.at);
      const data = event.data as { agentId?: string; reason?: string; strategy?: string };
      let refused: string | undefined;
      if (event.type === 'NetworkScheduled' && typeof data.agentId === 'string') {
        const binding = { reason: String(data.reason), at: event.at, ...(data.strategy !== undefined ? { strategy: data.strategy } : {}) };
        context = { agents: { ...context.agents, [data.agentId]: binding } };
      } else if (event.type === 'NetworkUnscheduled' && typeof data.agentId === 'string' && data.agentId in context.agents) {
        const { [data.agentId]: _gone, ...rest } = context.agents;
        context = { agents: rest };
      } else refused = `${event.type} changes nothing here`;
      return { seq, event, value: value(), context, ...(refused ? { refused } : {}) };
    },
  };
}
