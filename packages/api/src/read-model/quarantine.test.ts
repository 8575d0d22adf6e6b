/**
 * Poison never spreads into the API's read model (issue 15, point 3): folded
 * the way the projection folds (journal's `readMessage`: apply, or quarantine),
 * a stream of valid events with garbage between them gives the model of the
 * valid events alone, with each subject's version at the server's last
 * sequence for it; and no read answers anything but a reply or an ApiError,
 * whatever the journal holds.
 */
import { isDeepStrictEqual } from 'node:util';
import { fc, test } from '@fast-check/vitest';
import { readMessage, type Journal } from '@leasehold/journal';
import { DEFAULT_POOLS, poisonedStreamArb, type StreamMessage } from '@leasehold/protocol/testing';
import { describe, expect } from 'vitest';
import { ApiError } from '../errors.js';
import { apiHandlers } from '../service.js';
import { ReadModel } from './read-model.js';

type Message = StreamMessage;

/** The foundation (networks with a DHCP subnet, bound), then valid events with garbage between them. */
const streamArb = poisonedStreamArb({ maxLength: 60 });

/** Folds messages as the API's projection does. */
function fold(messages: readonly Message[]): ReadModel {
  const model = new ReadModel();
  for (const msg of messages) {
    const read = readMessage(msg);
    if (read.ok) model.apply(read.stored);
    else model.quarantine(msg.subject, msg.seq);
  }
  return model;
}

/**
 * The model's state without versions. A binding group with no rows holds
 * only a version (garbage on a binding subject keeps one), so it is left out.
 */
function stateOf(model: ReadModel) {
  const s = model.snapshot();
  return {
    networks: s.networks.map(([id, , state, context]) => [id, state, context]),
    ports: s.ports.map(([id, , port]) => [id, port]),
    portsByNetwork: [...model.portsByNetwork].map(([id, ports]) => [id, [...ports].sort()]),
    networkOfSubnet: [...model.networkOfSubnet].sort(),
    ipClaims: [...model.ipClaims].sort(),
    macClaims: [...model.macClaims].sort(),
    agents: s.agents.map(({ version: _version, ...row }) => row),
    bindings: s.bindings.filter(([, , rows]) => rows.length > 0).map(([id, , rows]) => [id, rows]),
    leases: s.leases.map(([id, rows]) => [id, rows.map((row) => row.slice(0, 7))]),
  };
}

const lastSeqOf = (messages: readonly Message[], subject: string) => Math.max(0, ...messages.filter((m) => m.subject === subject).map((m) => m.seq));

const reads = (model: ReadModel) => apiHandlers({} as Journal, model, { agentDownTimeMs: 75_000 });

/** Every read of the API, with ids from the pools (and some no event names). */
function readRequests(): [string, Record<string, unknown>][] {
  const p = DEFAULT_POOLS;
  const ids = (list: readonly string[]) => [...list, 'nope', 'constructor'];
  return [
    ['networks.list', {}],
    ['networks.list', { limit: 1, marker: 'net-a' }],
    ...ids(p.networks).map((id): [string, Record<string, unknown>] => ['networks.show', { id }]),
    ['subnets.list', {}],
    ...ids(p.networks).map((network_id): [string, Record<string, unknown>] => ['subnets.list', { network_id }]),
    ...ids(p.subnets).map((id): [string, Record<string, unknown>] => ['subnets.show', { id }]),
    ['ports.list', {}],
    ...ids(p.networks).map((network_id): [string, Record<string, unknown>] => ['ports.list', { network_id, ip_address: '198.18.0.10' }]),
    ...ids(p.ports).map((id): [string, Record<string, unknown>] => ['ports.show', { id }]),
    ['agents.list', {}],
    ...ids(p.agents).map((id): [string, Record<string, unknown>] => ['agents.show', { id }]),
    ...ids(p.agents).map((agent_id): [string, Record<string, unknown>] => ['bindings.networks-on-agent', { agent_id }]),
    ...ids(p.networks).map((network_id): [string, Record<string, unknown>] => ['bindings.agents-on-network', { network_id }]),
    ['leases.list', {}],
    ...ids(p.networks).map((network_id): [string, Record<string, unknown>] => ['leases.list', { network_id, limit: 2 }]),
    ['leases.show', { ip_address: '198.18.0.10' }],
    ['leases.show', { mac_address: p.macs[0] }],
  ];
}

describe('the API read model under poison', () => {
  test.prop([streamArb], { numRuns: 300 })(
    'valid events with garbage between them fold to the model of the valid events alone, every kept version is its subject\'s last sequence, and no read throws',
    async (messages) => {
      const withGarbage = fold(messages);
      const validOnly = fold(messages.filter((m) => m.valid));
      // toEqual, then node's strict comparison: vitest's toStrictEqual takes a map's own "constructor" key (a subnet id here) for its class.
      expect(stateOf(withGarbage)).toEqual(stateOf(validOnly));
      expect(isDeepStrictEqual(stateOf(withGarbage), stateOf(validOnly))).toBe(true);

      // The versions writers take as expected sequences are the server's last sequence of each subject.
      expect(withGarbage.at()).toBe(messages.at(-1)?.seq ?? 0);
      for (const [id, { version }] of withGarbage.networks) expect(version).toBe(lastSeqOf(messages, `lh.evt.network.${id}`));
      for (const [id, { version }] of withGarbage.ports) expect(version).toBe(lastSeqOf(messages, `lh.evt.port.${id}`));
      for (const [id, row] of withGarbage.fleet.agents) expect(row.version).toBe(lastSeqOf(messages, `lh.evt.agent.${id}`));
      for (const [id, version] of withGarbage.fleet.bindingVersions) expect(version).toBe(lastSeqOf(messages, `lh.evt.binding.${id}`));
      for (const subject of new Set(messages.map((m) => m.subject))) {
        if (subject.startsWith('lh.evt.ipam.') || subject.startsWith('lh.evt.mac.')) expect(withGarbage.claimVersion(subject)).toBe(lastSeqOf(messages, subject));
      }

      const handlers = reads(withGarbage);
      for (const [operation, body] of readRequests()) {
        await handlers[operation]!(body).catch((error: unknown) => {
          if (!(error instanceof ApiError)) throw new Error(`${operation} ${JSON.stringify(body)} threw ${String(error)}`, { cause: error });
        });
      }
    },
  );

  test.prop([streamArb], { numRuns: 100 })('a model restored from a snapshot taken mid-stream, given the rest, is the model of the whole stream, versions included', (messages) => {
    const k = Math.floor(messages.length / 2);
    const head = fold(messages.slice(0, k));
    const restored = ReadModel.restore(structuredClone(head.snapshot()));
    for (const msg of messages.slice(k)) {
      const read = readMessage(msg);
      if (read.ok) restored.apply(read.stored);
      else restored.quarantine(msg.subject, msg.seq);
    }
    expect(restored.snapshot()).toEqual(fold(messages).snapshot());
  });
});
