// The daemon: NATS for the process (embedded or given), the parts it runs,
// its configuration, its logs and metrics, and the process commands the CLI
// registers (`leasehold start|api|scheduler|dhcp-agent`).

// Running the parts on a NATS connection.
export { connectedRuntime, openNats, splitServers } from './runtime/nats.js';
export { HISTORY_DEFAULTS, startSystem } from './runtime/system.js';
export { untilIdle } from './runtime/access-keeper.js';
export { untilSignal } from './runtime/until-signal.js';
export type { NatsRuntime, OpenNatsOptions } from './runtime/nats.js';
export type { HistoryOptions, RunningSystem, SystemOptions } from './runtime/system.js';
export type { LeaseAccessTarget } from './runtime/access-keeper.js';
export type { RestartPolicy } from './runtime/embedded-nats.js';

// The process: one start, and the commands that load the configuration and call it.
export { NATS_URL_FILE, start } from './commands/start.js';
export { addServeCommands } from './commands/serve.js';
export type { StartOptions } from './commands/start.js';

// Configuration: leasehold.yaml, then the environment, then flags.
export { ConfigFileError } from './config/errors.js';
export { envNames } from './config/env.js';
export { findConfigFile, loadConfig } from './config/load.js';
export { checkConfig } from './config/resolve.js';
export { closestName } from './config/suggest.js';
export { configSchema } from './config/schema.js';
export type { Override } from './config/env.js';
export type { LoadedConfig } from './config/load.js';
export type { LeaseholdConfig } from './config/schema.js';

// Logs.
export { createLogger, partLog } from './observability/logger.js';
export { TransactionLogger } from './observability/transaction-log.js';
export type { Logger } from './observability/logger.js';
