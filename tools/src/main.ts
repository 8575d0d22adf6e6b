/** The `leasehold` command line: bin/leasehold.mjs loads this file and it runs the command in argv. */
import { leaseholdProgram } from './program.js';

leaseholdProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    console.error(`leasehold: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
