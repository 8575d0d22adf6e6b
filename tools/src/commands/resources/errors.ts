/**
 * What the CLI says when something fails, and the exit status it leaves:
 * 2 for a mistake the user can fix (a bad flag, a 4xx-like API answer),
 * 1 for everything else (no server, a timeout, an internal error).
 */
import { ApiError } from '@leasehold/api/client';
import { RequestError, TimeoutError } from '@nats-io/transport-node';

export const EXIT_USER_ERROR = 2;
export const EXIT_FAILURE = 1;

/** A failure found by the CLI itself, shaped like an API error: a code, the offending flag, a message. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly exitCode: number = EXIT_USER_ERROR,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A flag whose value cannot be understood (exit 2). */
export const badFlag = (flag: string, message: string) => new CliError('INVALID_FLAG', message, flag);

/** Turns NATS transport failures into errors that say what to do; leaves others as they are. Pure. */
export function explainTransportError(error: unknown, url: string): unknown {
  if (error instanceof RequestError && error.isNoResponders()) {
    return new CliError(
      'UNAVAILABLE',
      `no leasehold API answers on ${url} (lh.api.v1.*): is \`leasehold start\` running against this NATS server?`,
      undefined,
      EXIT_FAILURE,
      { cause: error },
    );
  }
  if (error instanceof TimeoutError || (error instanceof RequestError && error.cause instanceof TimeoutError)) {
    return new CliError('TIMEOUT', `the leasehold API on ${url} did not answer in time (raise --timeout?)`, undefined, EXIT_FAILURE, { cause: error });
  }
  return error;
}

/** The one line printed on stderr for an error: `error CODE (field): message`. Pure. */
export function errorLine(error: unknown): string {
  if (error instanceof ApiError || error instanceof CliError) {
    return `error ${error.code}${error.field ? ` (${error.field})` : ''}: ${error.message}`;
  }
  return `error INTERNAL: ${error instanceof Error ? error.message : String(error)}`;
}

/** The error as one JSON line, `{"error":{"code","field","message"}}`, the API's own error body. Pure. */
export function errorJson(error: unknown): string {
  if (error instanceof ApiError || error instanceof CliError) {
    return JSON.stringify({ error: { code: error.code, ...(error.field ? { field: error.field } : {}), message: error.message } });
  }
  return JSON.stringify({ error: { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) } });
}

/** The exit status for an error. Pure. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof ApiError) return error.status >= 400 && error.status < 500 ? EXIT_USER_ERROR : EXIT_FAILURE;
  return EXIT_FAILURE;
}
