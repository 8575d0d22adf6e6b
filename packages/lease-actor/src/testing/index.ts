export { leaseEventArb } from './arbitraries.js';
export type { LeaseEventArbOptions } from './arbitraries.js';
