export { consoleMount } from './server/mount.js';
export type { ConsoleOptions } from './server/mount.js';
