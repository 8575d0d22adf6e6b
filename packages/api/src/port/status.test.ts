/**
 * The port status rule (status.ts): ACTIVE only once an agent bound to the
 * port's network serves it and has folded the port's last event; DOWN with
 * no agent, before the fold, after an unbind, and with admin_state_up false.
 */
import { describe, expect, test } from 'vitest';
import { bindingDraft, sequenced } from '../testing/events.js';
import { ReadModel } from '../read-model/read-model.js';
import { PortActivations } from './activation.js';
import { portStatus } from './status.js';

const NET = 'net-1';
const up = { networkId: NET, adminStateUp: true };

function bound(...agents: string[]): ReadModel {
  const model = new ReadModel();
  for (const e of sequenced(agents.map((agentId) => bindingDraft('NetworkScheduled', { networkId: NET, agentId, reason: 'manual' }, 1)))) model.apply(e);
  return model;
}

describe('portStatus', () => {
  test('a network bound to no agent keeps its ports DOWN, whatever agents report', () => {
    const model = new ReadModel();
    model.readiness.report('a1', { position: 100, networks: [NET] });
    expect(portStatus(up, 10, model)).toBe('DOWN');
  });

  test('DOWN until the bound agent has folded the port’s last event, then ACTIVE', () => {
    const model = bound('a1');
    expect(portStatus(up, 10, model)).toBe('DOWN');
    model.readiness.report('a1', { position: 9, networks: [NET] });
    expect(portStatus(up, 10, model)).toBe('DOWN');
    model.readiness.report('a1', { position: 10, networks: [NET] });
    expect(portStatus(up, 10, model)).toBe('ACTIVE');
    // An update is a new version: DOWN again until that is folded too.
    expect(portStatus(up, 11, model)).toBe('DOWN');
  });

  test('the agent must serve the network, not only have folded far enough', () => {
    const model = bound('a1');
    model.readiness.report('a1', { position: 50, networks: ['other'] });
    expect(portStatus(up, 10, model)).toBe('DOWN');
  });

  test('an agent that serves the network but is not bound to it (any more) does not count; any one bound agent does', () => {
    const model = bound('a1', 'a2');
    model.readiness.report('stray', { position: 50, networks: [NET] });
    expect(portStatus(up, 10, model)).toBe('DOWN');
    model.readiness.report('a2', { position: 50, networks: [NET] });
    expect(portStatus(up, 10, model)).toBe('ACTIVE');
    model.apply(sequenced([bindingDraft('NetworkUnscheduled', { networkId: NET, agentId: 'a2', reason: 'agent-down' }, 2)], 3)[0]!);
    expect(portStatus(up, 10, model)).toBe('DOWN');
  });

  test('admin_state_up false is DOWN even when served', () => {
    const model = bound('a1');
    model.readiness.report('a1', { position: 50, networks: [NET] });
    expect(portStatus({ ...up, adminStateUp: false }, 10, model)).toBe('DOWN');
  });
});

describe('agent readiness reports', () => {
  test.each([null, 'x', { position: -1, networks: [] }, { position: 1.5, networks: [] }, { position: 1, networks: 'n' }, { position: 1, networks: [1] }, { networks: [] }])(
    'a body that is no report (%j) is counted and dropped',
    (body) => {
      const model = bound('a1');
      model.readiness.report('a1', { position: 10, networks: [NET] });
      expect(model.readiness.report('a1', body)).toBeUndefined();
      expect(model.readiness.malformed).toBe(1);
      expect(portStatus(up, 10, model)).toBe('ACTIVE');
    },
  );

  test('a change report names no networks: they are the last full report’s (none before one)', () => {
    const model = bound('a1');
    model.readiness.report('a1', { position: 10 });
    expect(portStatus(up, 10, model)).toBe('DOWN');
    model.readiness.report('a1', { position: 10, networks: [NET] });
    model.readiness.report('a1', { position: 11 });
    expect(portStatus(up, 11, model)).toBe('ACTIVE');
    expect(model.readiness.malformed).toBe(0);
  });

  test('a late report with a lower position does not move the position back, but says what is served now', () => {
    const model = bound('a1');
    model.readiness.report('a1', { position: 10, networks: [NET] });
    expect(model.readiness.report('a1', { position: 5, networks: [NET, 'other'] })).toEqual({ position: 10, networks: new Set([NET, 'other']) });
    expect(portStatus(up, 10, model)).toBe('ACTIVE');
    model.readiness.report('a1', { position: 12, networks: [] });
    expect(portStatus(up, 10, model)).toBe('DOWN');
  });
});

describe('PortActivations', () => {
  test('measures a port from its create until the report that makes it ACTIVE, once', () => {
    const model = bound('a1');
    model.ports.set('p1', { value: { networkId: NET, adminStateUp: true } as never, version: 10 });
    const activations = new PortActivations(model);
    activations.created('p1', NET, 1_000);
    expect(activations.waiting).toBe(1);
    model.readiness.report('a1', { position: 9, networks: [NET] });
    activations.settle(new Set([NET]), 1_100);
    expect(activations.drain()).toEqual([]);
    model.readiness.report('a1', { position: 10, networks: [NET] });
    activations.settle(new Set([NET]), 1_250);
    activations.settle(new Set([NET]), 1_400);
    expect(activations.drain()).toEqual([0.25]);
    expect(activations.waiting).toBe(0);
  });

  test('a port deleted or disabled while it waits is not measured', () => {
    const model = bound('a1');
    model.ports.set('p1', { value: { networkId: NET, adminStateUp: false } as never, version: 10 });
    const activations = new PortActivations(model);
    activations.created('p1', NET, 1_000);
    activations.created('p2', NET, 1_000);
    model.readiness.report('a1', { position: 10, networks: [NET] });
    activations.settle(new Set([NET]), 1_100);
    expect(activations.drain()).toEqual([]);
    expect(activations.waiting).toBe(0);
  });
});
