export { startTestApi } from './api.js';
export type { TestApi } from './api.js';
