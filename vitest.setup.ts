// Every package's tests: a failing fast-check property names the error it hit
// in its own message, so CI's closing summary (scripts/test.mjs, which prints
// the head of each failure's message) says why a counterexample failed, not
// only which values did.
import { fc } from '@fast-check/vitest';

fc.configureGlobal({ ...fc.readConfigureGlobal(), includeErrorInReport: true });
