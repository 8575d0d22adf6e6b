export function testStepArgs(extra?: readonly string[]): string[];
export function testLaneArgs(): string[][];
export function nxEnv(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export const CACHE_REPLAY_MARKERS: readonly string[];
