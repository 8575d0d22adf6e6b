/**
 * How a long-running command ends: on SIGINT or SIGTERM (or another cause it
 * reports through `stopNow`), once, by running `stop`; resolves when `stop`
 * has finished. A failing `stop` is printed and sets exit code 1.
 *
 * A signal that comes again while stopping is ignored, not fatal: one Ctrl-C
 * often arrives twice, from the terminal (it signals the whole foreground
 * process group) and from npm, which forwards what it gets to `npm start`'s
 * child. Once stopped, the handlers are gone and a signal acts as usual.
 */
export function untilSignal(
  stop: (cause: string) => Promise<void>,
  watch?: (stopNow: (cause: string) => void, stopping: () => boolean) => void,
): Promise<void> {
  return new Promise<void>((done) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => stopNow(signal);
    const finish = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      done();
    };
    const stopNow = (cause: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`\n${cause}: shutting down`);
      stop(cause).then(finish, (error: unknown) => {
        console.error(error);
        process.exitCode = 1;
        finish();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    watch?.(stopNow, () => stopping);
  });
}
