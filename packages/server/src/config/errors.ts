/** Errors of the configuration: each names where the bad value came from, the field, and why. */

/** A configuration value that cannot be used: `file:line: field: reason`, like a compiler (and `dnsmasq --test`). */
export class ConfigFileError extends Error {
  override name = 'ConfigFileError';
  constructor(
    /** The file, or the environment variable or flag that set the value. */
    readonly source: string,
    /** 1-based line in the file; undefined for the environment, flags, or a file that could not be read. */
    readonly line: number | undefined,
    /** Dotted path of the setting ("scheduler.agents_per_network"), empty for the file as a whole. */
    readonly field: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${line === undefined ? source : `${source}:${line}`}: ${field ? `${field}: ` : ''}${reason}`, options);
  }
}
