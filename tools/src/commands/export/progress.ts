/**
 * Progress for long reads (export, replay, why) on stderr, only when stderr
 * is a terminal: piped or captured output gets no bar, just the tool's own
 * final summary line.
 */
import { SingleBar, Presets } from 'cli-progress';

export interface Progress {
  /** The total is known: show the bar (if stderr is a TTY). */
  start(total: number): void;
  increment(by?: number): void;
  stop(): void;
}

/** A bar named `label`, shown from `start` to `stop` when `stream` is a TTY; otherwise does nothing. */
export function progress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { start() {}, increment() {}, stop() {} };
  let bar: SingleBar | undefined;
  return {
    start(total) {
      // A handful of events is done before a bar could be read.
      if (total < 1000) return;
      bar = new SingleBar({ stream, format: `${label} [{bar}] {percentage}% {value}/{total} events, {eta_formatted} left`, hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
      bar.start(total, 0);
    },
    increment(by = 1) {
      bar?.increment(by);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
