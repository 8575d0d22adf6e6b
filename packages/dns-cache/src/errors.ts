/**
 * Errors of the DNS cache. Configuration errors name the file, line and
 * option like `dnsmasq --test` does, so an operator can go straight to it.
 */

/** Base of every error this package throws. */
export class DnsCacheError extends Error {
  override name = 'DnsCacheError';
}

/** A configuration line (or command-line flag) that cannot be used. */
export class ConfigError extends DnsCacheError {
  override name = 'ConfigError';
  constructor(
    /** The reason, in dnsmasq's words where it has some ("bad address", "bad option"). */
    readonly reason: string,
    /** The config file, or "command line" for flags. */
    readonly file: string,
    /** 1-based line in the file, or the position of the flag on the command line. */
    readonly line: number,
    /** The option name as written, if the line had one. */
    readonly option: string | undefined,
    options?: ErrorOptions,
  ) {
    super(`${reason}${option ? ` (${option})` : ''} at line ${line} of ${file}`, options);
  }
}

/** A listener could not be opened (address in use, no such interface). */
export class ListenError extends DnsCacheError {
  override name = 'ListenError';
}
