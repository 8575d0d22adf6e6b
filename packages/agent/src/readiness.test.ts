/**
 * The agent's readiness reports (readiness.ts): its folded position and
 * served networks on its own ready subject, soon after a change of the
 * model (not a lease's) or of the served set, many changes in one report,
 * at most one per 5 ms, the networks named only when the set is new or
 * every report interval.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { ModelChange } from './state/agent-model.js';
import { ReadinessReports } from './readiness.js';
import { ServedNetworks, type PlacedNetwork } from './served-networks.js';

afterEach(() => vi.useRealTimers());

function reports() {
  const sent: { subject: string; body: unknown }[] = [];
  const listeners = new Set<(change: ModelChange) => void>();
  const model = {
    position: 0,
    onChange(listener: (change: ModelChange) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const served = new ServedNetworks();
  const nc = { publish: (subject: string, data: string) => void sent.push({ subject, body: JSON.parse(data) }) };
  const readiness = new ReadinessReports({ config: { agentId: 'a1', reportIntervalMs: 60_000 }, nc, model, served, log: () => {} });
  const change = (c: ModelChange) => listeners.forEach((l) => l(c));
  return { sent, model, served, readiness, change, listeners };
}

const placed = (networkId: string) => ({ networkId, ifname: 'eth0', serverIps: new Map() }) as PlacedNetwork;

describe('ReadinessReports', () => {
  test('reports at start with the networks, then once per burst of model changes with the position alone, at most one per 5 ms', () => {
    vi.useFakeTimers();
    const { sent, model, served, readiness, change } = reports();
    served.replace(new Map([['n1', placed('n1')]]));
    model.position = 7;
    readiness.start();
    expect(sent).toEqual([{ subject: 'lh.api.agents.a1.ready', body: { position: 7, networks: ['n1'] } }]);
    model.position = 9;
    change({ kind: 'network', networkId: 'n1' });
    change({ kind: 'binding', networkId: 'n1' });
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(4);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent.slice(1)).toEqual([{ subject: 'lh.api.agents.a1.ready', body: { position: 9 } }]);
    // After a quiet spell, the next change goes on the next turn.
    vi.advanceTimersByTime(100);
    model.position = 10;
    change({ kind: 'port', networkId: 'n1', port: {} as never, deleted: false });
    vi.advanceTimersByTime(0);
    expect(sent.at(-1)!.body).toEqual({ position: 10 });
    readiness.stop();
  });

  test('a lease change sends nothing; a new served set does; stop ends both', () => {
    vi.useFakeTimers();
    const { sent, model, served, readiness, change, listeners } = reports();
    readiness.start();
    model.position = 3;
    change({ kind: 'lease', networkId: 'n1', event: {} as never });
    vi.advanceTimersByTime(10);
    expect(sent).toHaveLength(1);
    served.replace(new Map([['n2', placed('n2')]]));
    vi.advanceTimersByTime(10);
    expect(sent.at(-1)!.body).toEqual({ position: 3, networks: ['n2'] });
    readiness.stop();
    expect(listeners.size).toBe(0);
    served.replace(new Map());
    vi.advanceTimersByTime(120_000);
    expect(sent).toHaveLength(2);
  });

  test('every report interval besides, so an API started later learns it', () => {
    vi.useFakeTimers();
    const { sent, readiness } = reports();
    readiness.start();
    vi.advanceTimersByTime(120_000);
    expect(sent).toHaveLength(3);
    readiness.stop();
  });

  test('a publish that throws (a closed connection) is logged, not thrown', () => {
    const lines: string[] = [];
    const readiness = new ReadinessReports({
      config: { agentId: 'a1', reportIntervalMs: 60_000 },
      nc: { publish: () => { throw new Error('closed'); } },
      model: { position: 0, onChange: () => () => {} },
      served: new ServedNetworks(),
      log: (l) => lines.push(l),
    });
    readiness.send();
    expect(lines).toEqual(['agent: readiness report failed: closed']);
  });
});
