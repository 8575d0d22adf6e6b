export { startTestNats } from './nats.js';
export type { TestNats } from './nats.js';
export { testEvent } from './events.js';
