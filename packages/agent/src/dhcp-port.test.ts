import type { PortState, SubnetState } from '@leasehold/protocol';
import { DhcpPortRequestError } from '@leasehold/resources';
import { describe, expect, test } from 'vitest';
import { dhcpPorts, type ApiClient } from './dhcp-port.js';

/** A model with fixed subnets and ports, and an API that records what it was asked. */
function setup(opts: { dhcpSubnets?: number; otherSubnets?: number; ports?: PortState[]; fail?: Error } = {}) {
  const asked: [string, string][] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const subnets = [
    ...Array.from({ length: opts.dhcpSubnets ?? 1 }, (_, i) => ({ id: `s${i}`, enableDhcp: true })),
    ...Array.from({ length: opts.otherSubnets ?? 0 }, (_, i) => ({ id: `o${i}`, enableDhcp: false })),
  ] as SubnetState[];
  const model = {
    subnets: () => subnets,
    dhcpPort: (networkId: string, deviceId: string) => opts.ports?.find((p) => p.networkId === networkId && p.deviceId === deviceId),
  };
  const api = {
    agents: {
      dhcpPort: async (agentId: string, networkId: string) => {
        asked.push([agentId, networkId]);
        await gate;
        if (opts.fail) throw opts.fail;
        return {} as never;
      },
    },
  } as unknown as Pick<ApiClient, 'agents'>;
  const lines: string[] = [];
  const ports = dhcpPorts({ agentId: 'a1', model, api, log: (l) => void lines.push(l) });
  return { ports, asked, lines, release };
}

describe('the agent asking for its DHCP port', () => {
  test('asks on its own request, naming only itself and the network, once however many reconciles overlap', async () => {
    const s = setup();
    const first = s.ports.ensure('net1');
    const second = s.ports.ensure('net1');
    s.release();
    await Promise.all([first, second]);
    expect(s.asked).toStrictEqual([['a1', 'net1']]);
    expect(s.ports.deviceId).toBe('dhcp-a1');
  });

  test('does not ask when the model holds its port already, or when no subnet has DHCP enabled', async () => {
    const have = setup({ ports: [{ networkId: 'net1', deviceId: 'dhcp-a1' } as PortState] });
    have.release();
    await have.ports.ensure('net1');
    expect(have.asked).toStrictEqual([]);
    const noDhcp = setup({ dhcpSubnets: 0, otherSubnets: 2 });
    noDhcp.release();
    await noDhcp.ports.ensure('net1');
    expect(noDhcp.asked).toStrictEqual([]);
  });

  test('a refusal is logged, never thrown, and the next call asks again', async () => {
    const s = setup({ fail: new DhcpPortRequestError('FORBIDDEN', 'network net1 is not bound to agent a1', 'network_id') });
    s.release();
    await s.ports.ensure('net1');
    await s.ports.ensure('net1');
    expect(s.asked).toHaveLength(2);
    expect(s.lines).toStrictEqual(Array(2).fill('dhcp: cannot get the DHCP port of network net1 yet: network net1 is not bound to agent a1'));
  });
});
