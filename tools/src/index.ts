// The operator's command line. The program itself, and `leasehold dns` as a
// function (the DNS bench serves the cache exactly as that command does).
export { leaseholdProgram } from './program.js';
export { dns } from './commands/dns.js';
