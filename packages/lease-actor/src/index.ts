export { LeaseConfigError, LeaseEventShapeError, LeaseRefusedError, LeaseTableSnapshotError } from './errors.js';
export {
  LEASE_EVENT_VERSION,
  clientKey,
  fromEnvelope,
  leaseNetworkIdOf,
  leaseSubject,
  leaseTimes,
  toEnvelope,
} from './events.js';
export { LEASE6_EVENT_VERSION, lease6FromEnvelope, lease6NetworkIdOf, lease6Subject, lease6ToEnvelope } from './lease6-events.js';
export type { JournaledLease6Event, JournaledLease6EventType } from './lease6-events.js';
export { Lease6Table, lease6Identity } from './lease6-table.js';
export type { Lease6, Lease6TableSnapshot } from './lease6-table.js';
export { leaseMachine, refusal } from './machine.js';
export { step } from './step.js';
export { LeaseTable } from './table.js';
export { LEASE_TABLE_DEFAULTS } from './table-types.js';
export { LEASE_TABLE_SNAPSHOT_V, restoreTable, snapshotHostnames, tableSnapshot } from './table-snapshot.js';

export type { LeaseRefusalReason } from './errors.js';
export type {
  ClientRef,
  JournaledLeaseEvent,
  JournaledLeaseEventType,
  LeaseBound,
  LeaseDeclined,
  LeaseEvent,
  LeaseEventDataByType,
  LeaseExpired,
  LeaseOffered,
  LeaseReleased,
  LeaseRenewed,
  Tick,
} from './events.js';

export type { LeaseSnapshot } from './machine.js';
export type { PoolRange } from './pools.js';
export type { LeaseContext, LeaseStatus } from './rules.js';
export type { LeaseState } from './step.js';
export type { LeaseTableSnapshot, LeaseTuple } from './table-snapshot.js';
export type {
  Allocation,
  AllocationRequest,
  AllocationSource,
  DurableTableState,
  FixedAddress,
  LeaseTableConfig,
  TableLease,
} from './table.js';
