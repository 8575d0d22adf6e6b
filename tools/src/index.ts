export { leaseholdProgram } from './program.js';
