/**
 * How a long-running command ends: on SIGINT or SIGTERM (or another cause it
 * reports through `stopNow`), once, by running `stop`; resolves when `stop`
 * has finished. A failing `stop` is printed and sets exit code 1.
 */
export function untilSignal(
  stop: (cause: string) => Promise<void>,
  watch?: (stopNow: (cause: string) => void, stopping: () => boolean) => void,
): Promise<void> {
  return new Promise<void>((done) => {
    let stopping = false;
    const stopNow = (cause: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`\n${cause}: shutting down`);
      stop(cause).then(done, (error: unknown) => {
        console.error(error);
        process.exitCode = 1;
        done();
      });
    };
    process.once('SIGINT', () => stopNow('SIGINT'));
    process.once('SIGTERM', () => stopNow('SIGTERM'));
    watch?.(stopNow, () => stopping);
  });
}
