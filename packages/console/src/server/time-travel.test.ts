/** Time travel on a compacted journal: the replay starts from the API snapshot that holds what was compacted. */
import { READ_MODEL_SNAPSHOT_V, startHttpApi, type HttpApi } from '@leasehold/api';
import { startTestApi, type TestApi } from '@leasehold/api/testing';
import { ProjectionSnapshots, compactJournal } from '@leasehold/journal';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { consoleMount } from './mount.js';
import type { NetworkAt } from './shapes.js';

let t: TestApi;
let http: HttpApi;
beforeAll(async () => {
  t = await startTestApi();
  http = await startHttpApi(t.api, { host: '127.0.0.1', port: 0, mounts: [consoleMount({ journal: t.journal, uiRoot: '/nonexistent' })] });
});
afterAll(async () => {
  await http?.close();
  await t?.stop();
});

async function post(path: string, body: unknown): Promise<Record<string, { id: string }>> {
  const response = await fetch(`${http.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(201);
  return (await response.json()) as Record<string, { id: string }>;
}

test('a moment after the snapshot replays from it; a moment before any snapshot is refused, saying why', async () => {
  const beforeNetwork = Date.now() - 1;
  const { network } = await post('/v2.0/networks', { network: { name: 'compacted' } });
  await post('/v2.0/subnets', { subnet: { network_id: network!.id, cidr: '198.18.73.0/28', ip_version: 4 } });
  const { port: first } = await post('/v2.0/ports', { port: { network_id: network!.id, name: 'first' } });
  await t.api.model.waitFor((await t.journal.jsm.streams.info(t.journal.layout.stream)).state.last_seq);
  const snapshot = t.api.model.snapshot();
  const snapshots = await ProjectionSnapshots.open(t.journal);
  await snapshots.save('api', { v: READ_MODEL_SNAPSHOT_V }, snapshot.position, snapshot);
  const compacted = await compactJournal(t.journal, snapshots, { windowMs: 0, requiredKinds: ['api'] });
  expect(compacted.floor).toBe(snapshot.position + 1);
  const middle = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 5));
  const { port: second } = await post('/v2.0/ports', { port: { network_id: network!.id, name: 'second' } });

  const then = (await (await fetch(`${http.url}/console/api/networks/${network!.id}/at?time=${middle}`)).json()) as NetworkAt;
  expect(then.snapshot).toBe(`api@${snapshot.position}`);
  // No scheduler snapshot here: agents' liveness then is folded from the retained events alone, and says so.
  expect(then.agents.from).toBe('retained events');
  expect(then.then?.ports.map((p) => p.id)).toEqual([first!.id]);
  expect(then.diff.portsAdded).toEqual([second!.id]);

  const early = await fetch(`${http.url}/console/api/networks/${network!.id}/at?time=${beforeNetwork}`);
  expect(early.status).toBe(400);
  expect(((await early.json()) as { error: { message: string } }).error.message).toMatch(new RegExp(`history before event ${compacted.floor} was compacted, and no API snapshot taken at or before`));
});
