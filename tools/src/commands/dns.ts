/**
 * `leasehold dns [--conf-file F] [--test] [--<dnsmasq option> [value]]...`:
 * the DNS cache on its own, configured with dnsmasq's option names from a
 * config file and flags (flags after the file, as dnsmasq merges them).
 * `--test` checks the configuration and reports the first error with its
 * file and line, like `dnsmasq --test`. Ctrl-C / SIGTERM stop it; as with
 * dnsmasq, SIGHUP re-reads the hosts files and resolv-files and SIGUSR1
 * prints statistics.
 */
import { ConfigError, loadDnsConfig, parseDnsArgs, startDnsCache } from '@leasehold/dns-cache';
import { createLogger, TransactionLogger, untilSignal } from '@leasehold/server';
import { dnsUsage } from './dns-usage.js';

/** Runs the command; returns the process exit code. */
export async function dns(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(dnsUsage());
    return 0;
  }
  let config;
  let test = false;
  try {
    const args = parseDnsArgs(argv);
    test = args.test;
    config = loadDnsConfig(args);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`leasehold dns: ${error.message}`);
    return 1;
  }
  if (test) {
    console.log('leasehold dns: syntax check OK.');
    return 0;
  }
  if (config.port === 0) {
    console.log('leasehold dns: port=0, DNS is off; nothing to run');
    return 0;
  }
  // log-queries: dnsmasq's lines on stderr (pretty on a terminal, else JSON), at most 200 a second.
  const queryLog = config.logQueries ? new TransactionLogger(createLogger({ level: 'info', format: 'auto', base: { process: 'leasehold dns' } }), 'dns', 200) : undefined;
  const cache = await startDnsCache(config, queryLog ? { queries: queryLog.write } : {});
  const where = cache.addresses.map((a) => `${a.address}#${a.port}`).join(' ');
  const udp = [...new Set(cache.addresses.map((a) => a.udp))].join('/');
  console.log(`leasehold dns: listening on ${where} (udp+tcp; udp via ${udp}), cache-size ${config.cacheSize}, pid ${process.pid}`);
  console.log('Press Ctrl-C to stop.');
  const reload = () => {
    cache.reload();
    console.log('leasehold dns: SIGHUP: re-read hosts files and resolv-files');
  };
  const report = () => console.log(cache.statisticsReport().join('\n'));
  process.on('SIGHUP', reload);
  process.on('SIGUSR1', report);
  await untilSignal(async () => {
    process.off('SIGHUP', reload);
    process.off('SIGUSR1', report);
    const s = cache.stats();
    console.log(
      `queries ${s.queries}, cache hits ${s.cacheHits}, misses ${s.cacheMisses}, forwarded ${s.forwarded}, local ${s.localAnswers}, ` +
        `dropped ${s.dropped}, servfail ${s.servfail}, internal errors ${s.internalErrors}`,
    );
    await cache.stop();
    queryLog?.close();
  });
  return 0;
}
