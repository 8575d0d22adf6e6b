export { DEFAULT_SCHEDULER_CONFIG, STRATEGIES, schedulerConfig } from './config.js';
export type { SchedulerConfig, StrategyName } from './config.js';
export { decide, settle } from './decide.js';
export { schedulerEvent } from './envelope.js';
export { SchedulerConfigError, SchedulerEventShapeError } from './errors.js';
export { schedulerEventRegistry } from './events.js';
export type { CandidateView, DecisionEvent, NetworkInput, ScheduleInputs, ScheduleReason, SchedulerEvent, SchedulerTick, UnscheduleReason } from './events.js';
export { minimalMoves } from './rebalance.js';
export { liveAgentIds, unreachableNetworks } from './reachability.js';
export { SCHEDULER_SNAPSHOT_V, readSchedulerSnapshot, schedulerFingerprint } from './snapshot.js';
export type { UnreachableNetwork } from './reachability.js';
export {
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
export { SchedulerFold } from './fold.js';
export { startScheduler } from './runtime.js';
export type { RunningScheduler, SchedulerDeps } from './runtime.js';
