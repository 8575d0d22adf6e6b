/**
 * Small helpers shared by the benchmarks: a bounded window of in-flight
 * promises, timing, and a header that says what machine the figures are from.
 */
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';

/** Runs `task(i)` for i in [0, count) with at most `window` in flight; stops early after `maxMs`. */
export async function pipelined(count: number, window: number, maxMs: number, task: (i: number) => Promise<unknown>): Promise<number> {
  const deadline = performance.now() + maxMs;
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      await task(i);
      done++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, worker));
  return done;
}

export interface Figure {
  readonly name: string;
  readonly ops: number;
  readonly ms: number;
}

/** Times `run`, which returns how many operations it completed. */
export async function measure(name: string, run: () => Promise<number>): Promise<Figure> {
  const t0 = performance.now();
  const ops = await run();
  return { name, ops, ms: performance.now() - t0 };
}

/** The last result of a timed operation, kept so the engine cannot drop the work as unused. */
export let benchSink: unknown;

/** Runs `op` up to `count` times or for `ms`, whichever ends first; checks the clock every 256 calls. */
export function timeLoop(name: string, op: () => unknown, count: number, ms: number): Figure {
  const t0 = performance.now();
  const deadline = t0 + ms;
  let n = 0;
  while (n < count) {
    const batch = Math.min(256, count - n);
    for (let i = 0; i < batch; i++) benchSink = op();
    n += batch;
    if (performance.now() >= deadline) break;
  }
  return { name, ops: n, ms: performance.now() - t0 };
}

/**
 * Each case timed in `rounds` interleaved rounds (so drift in the machine's
 * load touches every case alike); the best round of each, in `cases` order.
 */
export function bestOfRounds(cases: readonly { readonly name: string; readonly op: () => unknown }[], rounds: number, count: number, ms: number): Figure[] {
  const best = new Map<string, Figure>();
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      const figure = timeLoop(c.name, c.op, count, ms);
      const previous = best.get(c.name);
      if (previous === undefined || rate(figure) > rate(previous)) best.set(c.name, figure);
    }
  }
  return cases.map((c) => best.get(c.name)!);
}

export function rate(f: Figure): number {
  return (f.ops / f.ms) * 1000;
}

export function machineLine(extra = ''): string {
  const cpu = cpus();
  return `machine: ${cpu.length} cores (${cpu[0]?.model ?? 'unknown cpu'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}${extra ? `, ${extra}` : ''}`;
}

export function printTable(figures: readonly Figure[]): void {
  const width = Math.max(...figures.map((f) => f.name.length));
  for (const f of figures) {
    console.log(`${f.name.padEnd(width)}  ${Math.round(rate(f)).toLocaleString('en-US').padStart(10)} /s  (${f.ops} in ${f.ms.toFixed(0)} ms)`);
  }
}
