#!/usr/bin/env node
// The `leasehold` command. Runs the compiled JavaScript: tools/dist/main.js,
// which reaches every workspace package through its dist (the packages'
// "default" export condition). Nothing is compiled at start; `npm start` and
// `npm test` build what is missing or stale first (scripts/setup.mjs), and so
// does `npm run build`. It runs in this very process, so signals (Ctrl-C,
// SIGTERM, SIGKILL) reach the real process, never a wrapper.
//
// LEASEHOLD_FROM_SOURCE=1 runs the TypeScript sources instead (development:
// an edit counts without a build): tsx's loader compiles them and a resolve
// hook adds the workspace's source-first export condition.
import { existsSync } from 'node:fs';
import * as nodeModule from 'node:module';

const fromSource = process.env.LEASEHOLD_FROM_SOURCE === '1';
const compiled = new URL('../dist/main.js', import.meta.url);

if (!fromSource && Number(process.versions.node.split('.')[0]) < 22) {
  console.error(`leasehold needs Node.js 22.12 or later (this is ${process.version}); run it through npm (npm start), which uses the project's Node 24`);
  process.exit(1);
}
if (fromSource) {
  if (typeof nodeModule.registerHooks !== 'function') {
    console.error(`LEASEHOLD_FROM_SOURCE needs Node.js 22.15 or later (this is ${process.version}); run it through npm, which uses the project's Node 24`);
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
} else if (!existsSync(compiled)) {
  console.error('leasehold is not built (no tools/dist/main.js): run `npm run build` (npm start builds it), or set LEASEHOLD_FROM_SOURCE=1 to run the sources');
  process.exit(1);
} else {
  await import(compiled.href);
}
