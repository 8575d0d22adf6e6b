export { DEFAULT_SCHEDULER_CONFIG, STRATEGIES, schedulerConfig } from './config.js';
export type { SchedulerConfig, StrategyName } from './config.js';
export { decide, settle } from './decide.js';
export { schedulerEvent } from './envelope.js';
export { SchedulerConfigError, SchedulerEventShapeError, SchedulerSnapshotError } from './errors.js';
export { eventTime, schedulerEventRegistry } from './events.js';
export type { CandidateView, DecisionEvent, NetworkInput, ScheduleInputs, ScheduleReason, SchedulerEvent, SchedulerTick, UnscheduleReason } from './events.js';
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
