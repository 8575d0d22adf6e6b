export { DEFAULT_SHAPE, agentOfNetwork, eventId, historyPlan, leaseClient, networkAddresses, slotOf } from './plan.js';
export type { HistoryPlan, HistoryShape, LeaseClient, NetworkAddresses } from './plan.js';
export { historyEvent, liveEvent, liveEventCount } from './events.js';
export type { LiveState, PlannedEvent } from './events.js';
export { createLiveResources } from './live.js';
export { publishEvents, writeHistory } from './write.js';
export type { WriteOptions } from './write.js';
