export { startTestNats } from './nats.js';
export type { TestNats } from './nats.js';
export { testEvent } from './events.js';
export { makeTestCertificates, startSecureNats } from './secure-nats.js';
export type { SecureNats, SecureNatsOptions, TestCertificates } from './secure-nats.js';
export { damageStoredMessage } from './damage.js';
export { processRunning } from './process.js';
export { pollUntil, retrying } from './retry.js';
