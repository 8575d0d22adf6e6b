import { fc, test } from '@fast-check/vitest';
import { Dhcp6MessageType, encodeDhcp6, getDhcp6Option, type Dhcp6Message } from '@leasehold/protocol';
import { dhcp6Message } from '@leasehold/protocol/testing';
import { describe, expect } from 'vitest';
import { dhcp6CompletesExchange } from './queue-priority.js';

const T = Dhcp6MessageType;

/** A message of `type` with a transaction id and no options, as bytes. */
const bare = (type: number): Uint8Array => Uint8Array.from([type, 0xab, 0xcd, 0xef]);

/** `inner` in a RELAY-FORW: header, then an interface-id option and the relay message option. */
function relayed(inner: Uint8Array): Uint8Array {
  const option = (code: number, value: Uint8Array) => [code >> 8, code & 0xff, value.length >> 8, value.length & 0xff, ...value];
  return Uint8Array.from([T.RelayForw, 0, ...new Uint8Array(32), ...option(18, Uint8Array.from([1, 2, 3, 4])), ...option(9, inner)]);
}

/** What the classifier should say, from the decoded form: RELAY-FORW layers followed to the client's message. */
function expected(msg: Dhcp6Message): boolean {
  let current: Dhcp6Message | undefined = msg;
  while (current?.msgType === T.RelayForw) current = getDhcp6Option(current, 9) as Dhcp6Message | undefined;
  return current !== undefined && [T.Request, T.Renew, T.Rebind, T.Release, T.Decline].includes(current.msgType as 3);
}

describe('dhcp6CompletesExchange', () => {
  test('REQUEST, RENEW, REBIND, RELEASE and DECLINE go first; SOLICIT, INFORMATION-REQUEST and CONFIRM wait behind', () => {
    const types = [T.Solicit, T.Request, T.Confirm, T.Renew, T.Rebind, T.Release, T.Decline, T.InformationRequest];
    expect(types.map((type) => dhcp6CompletesExchange(bare(type)))).toStrictEqual([false, true, false, true, true, true, true, false]);
  });

  test('a relayed message is judged by the client message inside its RELAY-FORW layers', () => {
    expect(dhcp6CompletesExchange(relayed(relayed(bare(T.Request))))).toBe(true);
    expect(dhcp6CompletesExchange(relayed(bare(T.Solicit)))).toBe(false);
  });

  test('bytes that are not a whole message wait with the SOLICITs', () => {
    expect(dhcp6CompletesExchange(new Uint8Array(0))).toBe(false);
    const whole = relayed(bare(T.Request));
    expect(dhcp6CompletesExchange(whole.subarray(0, whole.length - 1))).toBe(false);
    expect(dhcp6CompletesExchange(whole.subarray(0, 34))).toBe(false);
  });

  test.prop([dhcp6Message()])('agrees with the decoder on every encodable message, relayed or not', (msg) => {
    expect(dhcp6CompletesExchange(encodeDhcp6(msg))).toBe(expected(msg));
  });

  test.prop([fc.uint8Array({ maxLength: 300 })])('never throws, whatever the bytes', (bytes) => {
    expect(typeof dhcp6CompletesExchange(bytes)).toBe('boolean');
  });
});
