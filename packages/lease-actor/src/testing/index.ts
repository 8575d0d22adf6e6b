export { boundEvent, leaseEventArb, offeredEvent } from './arbitraries.js';
export type { LeaseEventArbOptions } from './arbitraries.js';
