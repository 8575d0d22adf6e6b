/**
 * The load generator as a process, started inside the relay's network
 * namespace (`ip netns exec`): it binds UDP 0.0.0.0:67 there (the agents
 * answer a relay at giaddr:67), drives `LoadGenerator` every 5 ms, and
 * talks JSON lines: stdout carries `{"k":"ready"}`, one line per request,
 * ACK and NAK as they happen, and `stats` answers; stdin takes `{"cmd":"stats"}`,
 * `{"cmd":"renew-all","spreadMs":N}`, `{"cmd":"quiesce"}` (no new exchange
 * starts) and `{"cmd":"stop"}`. It exits on its own after `durationMs`.
 *
 *   node --import tsx loadgen-main.ts '{"servers":[...],"giaddr":"...",...,"durationMs":60000}'
 */
import { createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { LoadGenerator } from './loadgen.js';
import type { LoadConfig } from './loadgen-records.js';

export interface LoadProcessConfig extends LoadConfig {
  /** The process exits after this long, whatever happens. */
  readonly durationMs: number;
  /** UDP port to hear replies on (67 for a relay). */
  readonly port?: number;
}

const config = JSON.parse(process.argv[2] ?? '') as LoadProcessConfig;
const out = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
const socket = createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: 4 << 20 });
await new Promise<void>((resolve, reject) => {
  socket.once('error', reject);
  socket.bind({ port: config.port ?? 67, address: '0.0.0.0' }, () => resolve());
});
// A send that fails (no route while a link flaps) is one lost datagram, as on a real network.
socket.on('error', () => {});
const port = 67;
const generator = new LoadGenerator(config, (bytes, to) => socket.send(bytes, port, to, () => {}));
generator.onRequest = (request) => out({ k: 'request', ...request });
generator.onAck = (ack) => out({ k: 'ack', ...ack });
generator.onNak = (nak) => out({ k: 'nak', ...nak });
socket.on('message', (data) => generator.receive(data, Date.now()));

const timer = setInterval(() => generator.tick(Date.now()), 5);
const stop = () => {
  clearInterval(timer);
  out({ k: 'stats', ...generator.stats() });
  socket.close();
  process.exit(0);
};
setTimeout(stop, config.durationMs).unref();
out({ k: 'ready', pid: process.pid });

for await (const line of createInterface({ input: process.stdin })) {
  let cmd: { cmd?: string; spreadMs?: number };
  try {
    cmd = JSON.parse(line) as typeof cmd;
  } catch {
    continue;
  }
  if (cmd.cmd === 'stats') out({ k: 'stats', ...generator.stats() });
  else if (cmd.cmd === 'renew-all') out({ k: 'renewing', count: generator.renewAll(Date.now(), cmd.spreadMs ?? 0) });
  else if (cmd.cmd === 'quiesce') {
    generator.stopStarting(Date.now());
    out({ k: 'quiesced' });
  } else if (cmd.cmd === 'stop') stop();
}
stop();
