import type { Journal } from '@leasehold/journal';
import type { PortState } from '@leasehold/protocol';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { defaultAgentConfig } from './config.js';
import { Heartbeats } from './heartbeats.js';
import { ServedNetworks } from './served-networks.js';

afterEach(() => vi.useRealTimers());

describe('the heartbeat job', () => {
  test('sends one at start and one every report interval, naming the served networks and their ports as load; a failure is logged and the next one goes out', async () => {
    vi.useFakeTimers();
    const sent: { subject: string; networks: readonly string[]; load: number }[] = [];
    let fail = false;
    const journal = {
      append: async (subject: string, [event]: Parameters<Journal['append']>[1]) => {
        if (fail) throw new Error('no responders');
        const data = event!.data as { networks: string[]; load: number };
        sent.push({ subject, networks: data.networks, load: data.load });
        return { version: sent.length, sequences: [sent.length], duplicates: 0 };
      },
    };
    const served = new ServedNetworks();
    served.replace(new Map(['n1', 'n2'].map((id) => [id, { networkId: id, ifname: 'eth1', serverIps: new Map() }])));
    const ports = new Map([['n1', [{}, {}, {}] as PortState[]], ['n2', [{}] as PortState[]]]);
    const lines: string[] = [];
    const heartbeats = new Heartbeats({
      config: defaultAgentConfig({ agentId: 'a1', reportIntervalMs: 30_000 }),
      journal,
      model: { portsOf: (id) => ports.get(id) ?? [] },
      served,
      log: (l) => lines.push(l),
    });
    await heartbeats.start();
    expect(sent).toStrictEqual([{ subject: 'lh.evt.agent.a1', networks: ['n1', 'n2'], load: 4 }]);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
    fail = true;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(lines).toStrictEqual(['agent: heartbeat failed: no responders']);
    await expect(heartbeats.send()).rejects.toThrow('no responders');
    fail = false;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(sent).toHaveLength(3);
    heartbeats.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(sent).toHaveLength(3);
  });
});
