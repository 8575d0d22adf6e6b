import { packageTestConfig } from '../../vitest.shared.js';

// The test files share one module graph (vitest.shared.ts): none leaves module-level state, a process handler or fake
// timers behind (the four files that fake timers give the real ones back in an afterEach; the native socket module,
// loaded once, is the same for every file).
export default packageTestConfig('agent', { isolate: false });
