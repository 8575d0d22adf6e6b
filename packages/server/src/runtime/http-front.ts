/**
 * The system's HTTP front door: Neutron's HTTP API on the API service's
 * handlers, with the web console mounted under /console/.
 */
import { startHttpApi, type ApiService, type HttpApi } from '@leasehold/api';
import { consoleMount, type ConsoleOptions } from '@leasehold/console';
import type { Journal } from '@leasehold/journal';
import type { Logger } from '../observability/logger.js';
import type { HttpOptions } from './system.js';

/** Neutron's HTTP API on the API's handlers, with the web console under /console/; an address taken only warns unless it was asked for. */
export async function startHttp(
  api: ApiService,
  journal: Journal,
  options: HttpOptions,
  logger: Logger,
  textLog: ((line: string) => void) | undefined,
  sources: Required<Pick<ConsoleOptions, 'counters' | 'unreachableNetworks' | 'agentDownTimeMs'>> & Pick<ConsoleOptions, 'ratesFile'>,
): Promise<HttpApi | undefined> {
  const log = logger.child({ component: 'http' });
  const onConsoleError = (error: unknown) => (textLog ? textLog(`console: ${String(error)}`) : log.error({ err: error }, 'console failure'));
  try {
    return await startHttpApi(api, {
      mounts: [consoleMount({ journal, readModelPosition: () => api.model.at(), ...sources, onError: onConsoleError })],
      host: options.listen.host,
      port: options.listen.port,
      ...(options.token ? { token: options.token } : {}),
      onInternalError: (error, url) => (textLog ? textLog(`http: internal error on ${url}: ${String(error)}`) : log.error({ url, err: error }, 'internal error')),
    });
  } catch (error) {
    const where = `${options.listen.host}:${options.listen.port}`;
    if (options.required || !/EADDRINUSE/.test(String((error as Error).message))) throw new Error(`cannot serve the Neutron HTTP API on ${where}: ${(error as Error).message}`, { cause: error });
    log.warn({ listen: where, err: (error as Error).message }, 'Neutron HTTP API not started (set api.http_listen or --http to another port)');
    return undefined;
  }
}
