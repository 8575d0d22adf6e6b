import { packageTestConfig } from '../../vitest.shared.js';

// The test files share one module graph (vitest.shared.ts): none leaves module-level state, a process handler or fake timers behind.
export default packageTestConfig('resources', { isolate: false });
