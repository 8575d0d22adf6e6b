import { packageTestConfig } from '../../vitest.shared.js';

// The test files share one module graph (vitest.shared.ts): none leaves module-level state, a process handler or fake
// timers behind (read-model/snapshot.test.ts fakes Date for its describe and gives the real one back after it).
export default packageTestConfig('api', { isolate: false });
