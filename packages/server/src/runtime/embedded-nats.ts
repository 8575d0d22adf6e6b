/**
 * The embedded nats-server of `leasehold start`, kept running: when it exits
 * on its own (killed, crashed, out of memory) the journal is gone, so this
 * says so at once (an error line, and `down()` for /readyz) and starts it
 * again on the same port, store and configuration, after a backoff. The
 * parts stay up and their connections reconnect by themselves (they ride
 * out a restart of an external server the same way), so the agent keeps its
 * tables in memory and DHCP resumes within a second or so, with no replay.
 *
 * The retries are bounded: after `maxRestarts` exits within `windowMs` (or
 * when a start fails that often) the supervisor gives up and `gaveUp`
 * resolves; `leasehold start` then exits 1, so a supervisor of its own
 * (systemd's Restart=on-failure) takes over, or the operator sees it.
 */
import type { NatsServer } from '@leasehold/journal';

export interface RestartPolicy {
  /** Restarts allowed within `windowMs`; one more exit within it gives up. */
  readonly maxRestarts: number;
  readonly windowMs: number;
  /** The wait before the first restart; doubled for each further exit within the window. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxRestarts: 5, windowMs: 300_000, firstDelayMs: 250, maxDelayMs: 8_000 };

/**
 * The wait before the next restart, given the times of the exits so far
 * (this one included), or undefined when the budget is spent. Pure.
 */
export function nextRestartDelay(policy: RestartPolicy, exits: readonly number[], now: number): number | undefined {
  const recent = exits.filter((at) => now - at < policy.windowMs).length;
  if (recent > policy.maxRestarts) return undefined;
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.max(0, recent - 1));
}

/** How a server ended, as a log line says it. Pure. */
export function describeExit(status: { code: number | null; signal: NodeJS.Signals | null } | undefined): string {
  if (!status) return 'exited';
  return status.signal ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
}

/** The last fatal line (or panic) of a nats-server's log, else its last line; its [ERR] lines are mostly about clients. Pure. */
export function lastComplaint(log: string): string | undefined {
  const lines = log.split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines.findLast((l) => /\[FTL\]|panic/.test(l)) ?? lines.at(-1))?.replace(/^\[\d+\] \S+ \S+ /, '');
}

export interface SupervisedNats {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly storeDir: string;
  /** The pid of the server running now (of the last one while it is down). */
  pid(): number;
  /** Why the journal is unavailable now; undefined while the server runs. */
  down(): string | undefined;
  /** Restarts so far. */
  restarts(): number;
  /** Resolves with the reason when the supervisor gives up (the server is down for good). */
  readonly gaveUp: Promise<string>;
  /**
   * Has the running server read its config file again; resolves once it
   * says it did. While the server is down there is nothing to tell: its
   * restart reads the file as it is then.
   */
  reload(): Promise<void>;
  /** Stops the server (and any restart in wait); no restart after this. */
  stop(): Promise<void>;
}

export interface SuperviseOptions {
  /** Starts a server; `port` is the first one's, for every restart (the clients reconnect to the URL they know). */
  readonly start: (port: number | undefined) => Promise<NatsServer>;
  readonly policy?: RestartPolicy;
  readonly log: (level: 'error' | 'warn' | 'info', line: string) => void;
}

/** Starts the server (a failure here throws: nothing ran yet) and watches it. */
export async function superviseNatsServer(options: SuperviseOptions): Promise<SupervisedNats> {
  const policy = options.policy ?? DEFAULT_RESTART_POLICY;
  let server = await options.start(undefined);
  const { host, port, url, storeDir } = server;
  let stopping = false;
  let downReason: string | undefined;
  let restarts = 0;
  const exits: number[] = [];
  let wake: (() => void) | undefined;
  let starting: Promise<NatsServer> | undefined;
  let giveUp!: (reason: string) => void;
  const gaveUp = new Promise<string>((resolve) => (giveUp = resolve));

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });


  const watch = async (current: NatsServer): Promise<void> => {
    await current.exited;
    if (stopping) return;
    const status = current.exitStatus();
    // A server that exited by itself said why in its last error line; a killed one said nothing about it.
    const said = status?.signal ? undefined : lastComplaint(current.lastOutput());
    downReason = `the embedded nats-server (pid ${current.pid}) ${describeExit(status)}${said ? `: ${said}` : ''}`;
    exits.push(Date.now());
    for (;;) {
      const delay = nextRestartDelay(policy, exits, Date.now());
      if (delay === undefined) {
        const reason = `${downReason}; it exited ${exits.length} times within ${policy.windowMs / 1000} s, so no more restarts: the journal is gone`;
        options.log('error', reason);
        giveUp(reason);
        return;
      }
      options.log(
        'error',
        `journal unavailable: ${downReason}; restarting it in ${delay} ms on ${url} (restart ${restarts + 1}, at most ${policy.maxRestarts} within ${policy.windowMs / 1000} s); no DHCPACK and no API write until it is back`,
      );
      await sleep(delay);
      if (stopping) return;
      try {
        starting = options.start(port);
        server = await starting;
        starting = undefined;
        if (stopping) return void (await server.stop());
        restarts++;
        downReason = undefined;
        options.log('warn', `the embedded nats-server is back (pid ${server.pid}) on ${url} after restart ${restarts}; the parts reconnect to it`);
        void watch(server);
        return;
      } catch (error) {
        starting = undefined;
        downReason = `the embedded nats-server could not be restarted: ${(error as Error).message}`;
        exits.push(Date.now());
      }
    }
  };
  void watch(server);

  return {
    url,
    host,
    port,
    storeDir,
    pid: () => server.pid,
    down: () => downReason,
    restarts: () => restarts,
    gaveUp,
    async reload() {
      if (stopping) return;
      // A start under way may have read the file before it changed: reload the server it brings up.
      await starting?.catch(() => {});
      if (downReason !== undefined || stopping) return;
      await server.reload();
    },
    async stop() {
      stopping = true;
      wake?.();
      // A restart under way finishes first, then stops with the rest.
      await starting?.then((s) => s.stop(), () => {});
      await server.stop();
    },
  };
}
