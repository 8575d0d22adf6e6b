/**
 * `npm run bench:journal`: raw JetStream publishing and replay side by side
 * with the journal's append and replay, against a nats-server this script
 * spawns with file storage in a temporary directory. Every loop is bounded in
 * count and time.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliverPolicy } from '@nats-io/jetstream';
import { Packr } from 'msgpackr';
import { encodeEvent, eventEnvelope, type EventEnvelope } from '@leasehold/protocol';
import { Journal, connectNats, startNatsServer } from '@leasehold/journal';
import { machineLine, measure, pipelined, printTable, rate, type Figure } from './harness.js';

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 5_000);
const PIPELINED = Number(process.env.BENCH_PIPELINED ?? 50_000);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 1_000);
const MAX_MS = 30_000;

const storeDir = mkdtempSync(join(tmpdir(), 'lh-bench-journal-'));
const server = await startNatsServer({ storeDir });
const nc = await connectNats(server.url, { name: 'bench' });
const journal = await Journal.open(nc);
const { js } = journal;
console.log(machineLine(`nats-server ${nc.info?.version} (file storage, spawned on ${server.url})`));
console.log(`counts: ${SEQUENTIAL} sequential, ${PIPELINED} pipelined with ${WINDOW} in flight`);

const run = randomUUID().slice(0, 8);
// A raw payload of a lease's size on throwaway subjects (not a valid LeaseBound: the journal is measured, not a fold).
const leaseEvent = (i: number, aggregate: string): EventEnvelope =>
  eventEnvelope('LeaseBound', 1, aggregate, 1_700_000_000_000 + i, { mac: '52:54:00:12:34:56', ip: `198.18.${(i >> 8) & 255}.${i & 255}`, expiresAt: 1_700_000_086_400 + i, hostname: 'vm-1' }, { id: randomUUID() });
const payload = (i: number) => encodeEvent(leaseEvent(i, 'bench'));

const figures: Figure[] = [];
try {
  figures.push(
    await measure('raw publish, awaiting each ack', async () => {
      let n = 0;
      const deadline = Date.now() + MAX_MS;
      for (; n < SEQUENTIAL && Date.now() < deadline; n++) await js.publish(`lh.evt.test.raw${run}.s`, payload(n));
      return n;
    }),
  );
  figures.push(
    await measure(`raw publish, ${WINDOW} in flight`, () =>
      pipelined(PIPELINED, WINDOW, MAX_MS, (i) => js.publish(`lh.evt.test.raw${run}.p`, payload(i))),
    ),
  );
  figures.push(
    await measure(`raw publish + expected seq + msg id, ${WINDOW} in flight`, () =>
      pipelined(PIPELINED, WINDOW, MAX_MS, (i) =>
        js.publish(`lh.evt.test.rawx${run}.${i}`, payload(i), { msgID: randomUUID(), expect: { lastSubjectSequence: 0 } }),
      ),
    ),
  );
  figures.push(
    await measure('journal append, awaiting each', async () => {
      let n = 0;
      const deadline = Date.now() + MAX_MS;
      for (; n < SEQUENTIAL && Date.now() < deadline; n++) {
        const subject = `lh.evt.lease.j${run}.s${n}`;
        await journal.append(subject, [leaseEvent(n, subject)], 0);
      }
      return n;
    }),
  );
  const appendFigure = await measure(`journal append, ${WINDOW} in flight`, () =>
    pipelined(PIPELINED, WINDOW, MAX_MS, (i) => {
      const subject = `lh.evt.lease.j${run}.p${i}`;
      return journal.append(subject, [leaseEvent(i, subject)], 0);
    }),
  );
  figures.push(appendFigure);

  const packr = new Packr({ structuredClone: true, moreTypes: true });
  // Each replay runs twice and the better run counts: the first also warms the JIT.
  const best = async (name: string, run: () => Promise<number>) => {
    const a = await measure(name, run);
    const b = await measure(name, run);
    return rate(a) > rate(b) ? a : b;
  };
  figures.push(
    await best('raw replay (ordered consumer + msgpackr decode)', async () => {
      const consumer = await js.consumers.get(journal.layout.stream, {
        filter_subjects: `lh.evt.lease.j${run}.>`,
        deliver_policy: DeliverPolicy.All,
      });
      const messages = await consumer.consume({ max_messages: 10_000 });
      let n = 0;
      for await (const m of messages) {
        packr.unpack(m.data);
        n++;
        if (m.info.pending === 0) break;
      }
      messages.stop();
      return n;
    }),
  );
  figures.push(
    await best('journal replay (replay + envelope decode)', () => journal.replay(`lh.evt.lease.j${run}.>`, () => {})),
  );
  console.log('');
  printTable(figures);
  const raw = rate(figures[1]!);
  console.log('');
  console.log(`journal pipelined append / raw pipelined publish: ${((rate(appendFigure) / raw) * 100).toFixed(0)}% (target >= 80%)`);
  console.log(`journal replay / raw replay: ${((rate(figures[6]!) / rate(figures[5]!)) * 100).toFixed(0)}% (target >= 100%)`);
} finally {
  await nc.close();
  await server.stop();
  rmSync(storeDir, { recursive: true, force: true });
}
