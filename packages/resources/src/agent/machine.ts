/**
 * The agent machine: one per DHCP agent (aggregate `agent/<agentId>`), as the
 * scheduler runs it to decide failovers.
 *
 *   registered --heartbeat--> alive --Tick, no heartbeat for agentDownTime--> down
 *   down --heartbeat--> alive;  any --AgentDeleted--> deleted (final)
 *
 * Pure: time arrives as data. Every event carries `now` (the scheduler's clock
 * after the event: the latest `at` or Tick it has seen), so a heartbeat that is
 * already older than agentDownTime when it is folded does not revive an agent.
 * Replay is a fold: `initialAgentState` then `stepAgent` per event. Alive and
 * down are liveness.ts's rule, applied to the machine's clock.
 */
import { assign, initialTransition, setup, transition } from 'xstate';
import type { AgentAdminStateChanged, AgentDeleted, AgentHeartbeat } from './events.js';
import { aliveUntil, isAlive } from './liveness.js';
import { agentReachOf, type AgentReach } from './reach.js';

export interface AgentContext {
  readonly agentId: string;
  readonly host: string;
  readonly availabilityZone: string;
  /** Set by the API (AgentAdminStateChanged); starts as enable_new_agents says. */
  readonly adminStateUp: boolean;
  readonly lastHeartbeatAt: number | null;
  /** Start of the current alive period (the heartbeat that made it alive). */
  readonly aliveSince: number | null;
  readonly load: number;
  readonly reportedNetworks: readonly string[];
  /**
   * What its last heartbeat says it reaches (reach.ts); null before the
   * first. A scheduler snapshot taken before reachability has none at all:
   * `reachesPhysicalNetwork` reads both as "any network" until the next heartbeat.
   */
  readonly reach: AgentReach | null;
  readonly agentDownTime: number;
}

export type AgentStatus = 'registered' | 'alive' | 'down' | 'deleted';

/** What a new agent machine starts from. */
export interface AgentInput {
  readonly agentId: string;
  /** agent_down_time, kept in the context so the machine judges liveness alone. */
  readonly agentDownTime: number;
  /** enable_new_agents. */
  readonly adminStateUp: boolean;
}

type WithNow<E> = E & { readonly now: number };

/** Events of the agent machine: the journaled agent events with the fold's clock, and Tick. */
export type AgentMachineEvent =
  | WithNow<AgentHeartbeat>
  | WithNow<AgentAdminStateChanged>
  | WithNow<AgentDeleted>
  | { readonly type: 'Tick'; readonly now: number };

/**
 * The agent machine's state as plain data (status and context), so the
 * scheduler can snapshot and compare it. Not an `AgentRecord` (record.ts):
 * this one judges liveness over time and remembers when the agent came alive.
 */
export interface AgentMachineState {
  readonly status: AgentStatus;
  readonly context: AgentContext;
}

/** A heartbeat at `at` is recent enough, at `now`, to count as a sign of life (`isAlive` of that heartbeat). Pure. */
export function isFresh(context: AgentContext, at: number, now: number): boolean {
  return isAlive({ heartbeatAt: at }, now, context.agentDownTime);
}

/** The agent is no longer alive at `now` by its last heartbeat (`isAlive`): it is down. Pure. */
export function isOverdue(context: AgentContext, now: number): boolean {
  return !isAlive({ heartbeatAt: context.lastHeartbeatAt }, now, context.agentDownTime);
}

/** The instant after which the agent counts as down (`aliveUntil`), or null before its first heartbeat. Pure. */
export function agentDeadline(context: AgentContext): number | null {
  return aliveUntil({ heartbeatAt: context.lastHeartbeatAt }, context.agentDownTime);
}

/** Context after a heartbeat. Pure. */
export function recordHeartbeat(context: AgentContext, event: AgentHeartbeat): AgentContext {
  return {
    ...context,
    host: event.host,
    availabilityZone: event.availabilityZone,
    lastHeartbeatAt: context.lastHeartbeatAt === null ? event.at : Math.max(context.lastHeartbeatAt, event.at),
    load: event.load,
    reportedNetworks: event.networks,
    reach: agentReachOf(event),
  };
}

export const agentMachine = setup({
  types: {
    context: {} as AgentContext,
    events: {} as AgentMachineEvent,
    input: {} as AgentInput,
  },
  guards: {
    freshHeartbeat: ({ context, event }) => event.type === 'AgentHeartbeat' && isFresh(context, event.at, event.now),
    overdue: ({ context, event }) => isOverdue(context, event.now),
  },
  actions: {
    recordHeartbeat: assign(({ context, event }) => (event.type === 'AgentHeartbeat' ? recordHeartbeat(context, event) : context)),
    markAlive: assign(({ event }) => ({ aliveSince: event.type === 'AgentHeartbeat' ? event.at : null })),
    setAdminState: assign(({ context, event }) => ({ adminStateUp: event.type === 'AgentAdminStateChanged' ? event.adminStateUp : context.adminStateUp })),
  },
}).createMachine({
  id: 'agent',
  context: ({ input }) => ({
    agentId: input.agentId,
    host: '',
    availabilityZone: '',
    adminStateUp: input.adminStateUp,
    lastHeartbeatAt: null,
    aliveSince: null,
    load: 0,
    reportedNetworks: [],
    reach: null,
    agentDownTime: input.agentDownTime,
  }),
  initial: 'registered',
  on: {
    AgentAdminStateChanged: { actions: 'setAdminState' },
    AgentDeleted: { target: '.deleted' },
  },
  states: {
    registered: {
      on: {
        AgentHeartbeat: [{ guard: 'freshHeartbeat', target: 'alive', actions: ['recordHeartbeat', 'markAlive'] }, { actions: 'recordHeartbeat' }],
      },
    },
    alive: {
      on: {
        // Keep this transition in step with the fast path in `stepAgent`.
        AgentHeartbeat: { actions: 'recordHeartbeat' },
        Tick: { guard: 'overdue', target: 'down' },
      },
    },
    down: {
      on: {
        AgentHeartbeat: [{ guard: 'freshHeartbeat', target: 'alive', actions: ['recordHeartbeat', 'markAlive'] }, { actions: 'recordHeartbeat' }],
      },
    },
    deleted: { type: 'final' },
  },
});

/** A new agent's state, as the machine starts it. Pure. */
export function initialAgentState(input: AgentInput): AgentMachineState {
  const [snapshot] = initialTransition(agentMachine, input);
  return { status: snapshot.value as AgentStatus, context: snapshot.context };
}

/**
 * The state after one event: the machine's transition. A heartbeat from an
 * alive agent (nearly every event in the log) takes a fast path that does
 * exactly what the machine's `alive.AgentHeartbeat` transition does without
 * going through xstate (about 13 µs a transition here); a property test checks
 * the two agree. Pure.
 */
export function stepAgent(record: AgentMachineState, event: AgentMachineEvent): AgentMachineState {
  if (record.status === 'alive' && event.type === 'AgentHeartbeat') return { status: 'alive', context: recordHeartbeat(record.context, event) };
  return machineStep(record, event);
}

/** The state after one event, always through the xstate machine (no fast path). Pure. */
export function machineStep(record: AgentMachineState, event: AgentMachineEvent): AgentMachineState {
  const snapshot = agentMachine.resolveState({ value: record.status, context: record.context });
  const [next] = transition(agentMachine, snapshot, event);
  return { status: next.value as AgentStatus, context: next.context };
}
