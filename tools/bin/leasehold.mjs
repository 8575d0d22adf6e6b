#!/usr/bin/env node
// The `leasehold` command. Runs the TypeScript sources in this very process:
// tsx's loader compiles them and a resolve hook adds the workspace's
// source-first export condition, so no build step is needed and signals
// (Ctrl-C, SIGTERM, SIGKILL) reach the real process, never a wrapper.
import * as nodeModule from 'node:module';

if (typeof nodeModule.registerHooks !== 'function') {
  console.error(`leasehold needs Node.js 22.15 or later (this is ${process.version}); run it through npm (npm start), which uses the project's Node 24`);
  process.exit(1);
}
nodeModule.registerHooks({
  resolve(specifier, context, nextResolve) {
    return nextResolve(specifier, { ...context, conditions: [...context.conditions, '@leasehold/source'] });
  },
});
const { register } = await import('tsx/esm/api');
register();
await import('../src/main.ts');
