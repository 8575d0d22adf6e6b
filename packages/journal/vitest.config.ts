import { packageTestConfig } from '../../vitest.shared.js';

// The test files share one module graph (vitest.shared.ts): none leaves module-level state, a process handler or fake
// timers behind (nats-server.ts's one exit handler, which kills the servers still running, then serves every file).
export default packageTestConfig('journal', { isolate: false });
