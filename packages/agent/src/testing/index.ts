export { createTestLink, ip, testTag } from './netns.js';
export type { TestLink } from './netns.js';
export { startAgentEnv } from './harness.js';
export type { AgentEnv } from './harness.js';
export { clientAvailable, startClient } from './clients.js';
export type { ClientKind, ClientLease, RunningClient } from './clients.js';
export { clientPacket, macBytes } from './packets.js';
export type { ClientPacket } from './packets.js';
