/** Where the agent's per-transaction lines (log-dhcp, log-queries) go. */
import type { Logger } from '../observability/logger.js';
import { TransactionLogger, type TransactionLine } from '../observability/transaction-log.js';

/**
 * The agent's log-dhcp and log-queries lines: through a rate-limited logger
 * each (reporting what it dropped when the system stops), or as plain text to
 * an embedder's callback.
 */
export function transactionSinks(
  logger: Logger,
  textLog: ((line: string) => void) | undefined,
  perSecond: number,
  started: { stop(): Promise<void> }[],
): { sinks: { dhcp: TransactionLine; dns: TransactionLine }; loggers: TransactionLogger[] } {
  if (textLog) return { sinks: { dhcp: (message) => textLog(`dhcp: ${message}`), dns: (message) => textLog(`dns: ${message}`) }, loggers: [] };
  const dhcp = new TransactionLogger(logger, 'dhcp', perSecond);
  const dns = new TransactionLogger(logger, 'dns', perSecond);
  started.push({ stop: async () => (dhcp.close(), dns.close()) });
  return { sinks: { dhcp: dhcp.write, dns: dns.write }, loggers: [dhcp, dns] };
}
