export { agentMachine, isOverdue, machineStep, startAgent, stepAgent } from './agent-machine.js';
export type { AgentContext, AgentMachineEvent, AgentRecord, AgentStatus } from './agent-machine.js';
export { DEFAULT_SCHEDULER_CONFIG, STRATEGIES, schedulerConfig } from './config.js';
export type { SchedulerConfig, StrategyName } from './config.js';
export { decide, settle } from './decide.js';
export { fromEnvelope, schedulerAggregate, schedulerSubject, toEnvelope } from './envelope.js';
export type { JournaledSchedulerEvent } from './envelope.js';
export { SchedulerConfigError, SchedulerEventShapeError, SchedulerSnapshotError } from './errors.js';
export { SCHEDULER_EVENT_VERSION, eventTime, schedulerEventRegistry } from './events.js';
export type {
  AgentAdminStateChanged,
  AgentAdminStateChangedData,
  AgentDeleted,
  AgentDeletedData,
  AgentEvent,
  AgentHeartbeat,
  AgentHeartbeatData,
  CandidateView,
  DecisionEvent,
  NetworkInput,
  NetworkScheduled,
  NetworkScheduledData,
  NetworkUnscheduled,
  NetworkUnscheduledData,
  ScheduleInputs,
  ScheduleReason,
  SchedulerEvent,
  SchedulerEventDataByType,
  SchedulerEventType,
  Tick,
  UnscheduleReason,
} from './events.js';
export { minimalMoves } from './rebalance.js';
export {
  SCHEDULER_STATE_VERSION,
  agentLoads,
  applyEvents,
  bindingTable,
  createProjection,
  initialSchedulerState,
  nextDeadline,
  replay,
  tick,
} from './state.js';
export type { Binding, NetworkRecord, SchedulerProjection, SchedulerState } from './state.js';
export { SCHEDULER_SNAPSHOT_V, readSchedulerSnapshot, schedulerFingerprint, takeSchedulerSnapshot } from './snapshot.js';
export type { SchedulerSnapshot } from './snapshot.js';
export { rendezvousScore } from './strategy.js';
export { SchedulerFold } from './fold.js';
export { startScheduler } from './runtime.js';
export type { RunningScheduler, SchedulerDeps } from './runtime.js';
