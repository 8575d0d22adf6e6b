import { fc, test } from '@fast-check/vitest';
import { DecodeError, decodeEvent, encodeEvent, UnsupportedEventVersionError, type EventEnvelope } from '@leasehold/protocol';
import { validEventArb } from '@leasehold/protocol/testing';
import { describe, expect } from 'vitest';
import { fromAgentEnvelope, toAgentEnvelope, agentEventRegistry, isAgentEventType } from './agent/events.js';
import { agentIdOf } from './agent/subjects.js';
import { bindingEventRegistry, fromBindingEnvelope, isBindingEventType, toBindingEnvelope } from './binding/events.js';
import { bindingNetworkIdOf } from './binding/subjects.js';
import { claimEventRegistry, claimSubject, fromClaimEnvelope, isClaimEventType, toClaimEnvelope } from './claim/events.js';
import { ResourceEventShapeError } from './errors.js';
import { fromNetworkEnvelope, isNetworkEventType, networkEventRegistry, toNetworkEnvelope } from './network/events.js';
import { networkIdOf } from './network/subjects.js';
import { fromPortEnvelope, isPortEventType, portEventRegistry, toPortEnvelope } from './port/events.js';
import { portIdOf } from './port/subjects.js';

/** Each aggregate's way back and forth: the journaled envelope, through the codec, to the flat event and back to the same envelope. */
function roundTrip(subject: string, envelope: EventEnvelope): EventEnvelope | undefined {
  const bytes = encodeEvent(envelope);
  const ids = { id: envelope.id };
  if (isNetworkEventType(envelope.type)) return toNetworkEnvelope(networkIdOf(subject)!, fromNetworkEnvelope(decodeEvent(bytes, networkEventRegistry)), ids);
  if (isPortEventType(envelope.type)) return toPortEnvelope(portIdOf(subject)!, fromPortEnvelope(decodeEvent(bytes, portEventRegistry)), ids);
  if (isClaimEventType(envelope.type)) {
    const event = fromClaimEnvelope(decodeEvent(bytes, claimEventRegistry));
    expect(claimSubject(event)).toBe(subject);
    return toClaimEnvelope(event, ids);
  }
  if (isAgentEventType(envelope.type)) {
    const event = fromAgentEnvelope(decodeEvent(bytes, agentEventRegistry));
    expect(agentIdOf(subject)).toBe(event.agentId);
    return toAgentEnvelope(event, ids);
  }
  if (isBindingEventType(envelope.type)) {
    const event = fromBindingEnvelope(decodeEvent(bytes, bindingEventRegistry));
    expect(bindingNetworkIdOf(subject)).toBe(event.networkId);
    return toBindingEnvelope(event, ids);
  }
  return undefined; // a lease: lease-actor's
}

/** Plain data, undefined fields left out (the builders leave them out; fast-check's records have no prototype). */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('every resource event on the journal', () => {
  test.prop([validEventArb()], { numRuns: 500 })(
    'survives decoding, its aggregate’s from…Envelope and to…Envelope unchanged, on the subject its parser reads its id from',
    ({ subject, event }) => {
      const back = roundTrip(subject, { ...event, id: 'e-1' });
      if (event.type.startsWith('Lease')) {
        expect(back).toBeUndefined();
        return;
      }
      expect(plain(back)).toStrictEqual(plain({ ...event, id: 'e-1' }));
    },
  );

  test('another aggregate’s event, or data its type does not allow, is refused naming what is wrong', () => {
    const portEvent = { type: 'PortDeleted', v: 1, id: 'x', aggregate: 'port/p1', at: 1, data: { networkId: 'n1' } };
    expect(() => fromNetworkEnvelope(portEvent)).toThrow(ResourceEventShapeError);
    expect(() => fromNetworkEnvelope(portEvent)).toThrow(/not a network event/);
    expect(fromPortEnvelope(portEvent)).toStrictEqual({ type: 'PortDeleted', at: 1, networkId: 'n1' });
    const heartbeat = { type: 'AgentHeartbeat', v: 1, id: 'x', aggregate: 'agent/a1', at: 1, data: { agentId: 'a1' } };
    expect(() => fromAgentEnvelope(heartbeat)).toThrow(/host/);
    expect(() => fromBindingEnvelope({ ...heartbeat, type: 'NetworkUnscheduled', data: { networkId: 'n', agentId: 'a', reason: 'bored' } })).toThrow(/reason/);
    expect(() => fromAgentEnvelope({ ...heartbeat, data: null })).toThrow(DecodeError);
    expect(() => fromAgentEnvelope({ ...heartbeat, v: 2 })).toThrow(/not a schema version this build reads/);
  });

  test('an envelope of a schema version this build does not read is refused by the registry', () => {
    const deleted = { ...toNetworkEnvelope('n1', { type: 'NetworkDeleted', at: 5 }, { id: 'x' }), v: 2 };
    expect(() => decodeEvent(encodeEvent(deleted), networkEventRegistry)).toThrow(UnsupportedEventVersionError);
  });

  test('optional fields left undefined are not written into the data, and the ids given are kept', () => {
    const envelope = toBindingEnvelope({ type: 'NetworkScheduled', at: 1, networkId: 'n1', agentId: 'a1', reason: 'manual', strategy: undefined }, { id: 'x', correlation: 'c' });
    expect(envelope).toStrictEqual({ type: 'NetworkScheduled', v: 1, id: 'x', aggregate: 'binding/n1', at: 1, data: { networkId: 'n1', agentId: 'a1', reason: 'manual' }, correlation: 'c' });
  });

  test.prop([fc.constantFrom('IpAllocated', 'IpReleased' as const)])('a claim’s aggregate is its subject, as the API has always written it', (type) => {
    const envelope = toClaimEnvelope({ type, at: 1, networkId: 'n1', subnetId: 's1', ip: 0xc6120005, portId: 'p1' }, { id: 'x' });
    expect(envelope.aggregate).toBe('lh.evt.ipam.n1.198-18-0-5');
  });
});
