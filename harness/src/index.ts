// The developers' harness: benches, fuzzers, the soak, the fault tests, the
// demo and the 3-node cluster. Most of it runs as scripts (the root
// package.json's bench:*, fuzz:*, soak, demo and cluster); these are the
// pieces a test elsewhere may start.
export { startClusterSystem } from './cluster/cluster.js';
export { startFaultSystem } from './faults/system.js';
export { LEASEHOLD_BIN } from './leasehold-bin.js';
export type { ClusterSystem, ClusterSystemOptions } from './cluster/cluster.js';
export type { FaultSystem, FaultSystemOptions } from './faults/system.js';
