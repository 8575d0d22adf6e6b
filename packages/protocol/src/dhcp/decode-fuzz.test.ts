import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decodeDhcp } from './decode.js';
import { encodeDhcp } from './encode.js';
import { DhcpDecodeError } from './errors.js';
import type { DhcpMessage } from './message.js';
import { dhcpMessage } from './testing.js';

/**
 * The decoder's contract on arbitrary input: a message or a DhcpDecodeError
 * (never the catch-all for unexpected failures). A message it returns can be
 * encoded again and means the same after another decode; and unless it is
 * flagged non-canonical, it encodes back to exactly the input bytes.
 */
function checkContract(bytes: Uint8Array): void {
  let msg: DhcpMessage;
  try {
    msg = decodeDhcp(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(DhcpDecodeError);
    expect((error as DhcpDecodeError).reason).not.toMatch(/^unexpected/);
    expect((error as DhcpDecodeError).offset).toBeGreaterThanOrEqual(0);
    expect((error as DhcpDecodeError).offset).toBeLessThanOrEqual(bytes.length);
    return;
  }
  const again = encodeDhcp(msg);
  if (msg.nonCanonical === undefined) expect(again).toEqual(bytes);
  const { length: _l, nonCanonical: _n, ...meaning } = msg;
  const { length: _l2, nonCanonical: _n2, ...meaningAgain } = decodeDhcp(again);
  expect(meaningAgain).toStrictEqual(typeFirstInReplies(meaning));
}

/** The encoder writes option 53 first in replies (some clients look only there): that move is no change of meaning. */
function typeFirstInReplies<M extends Pick<DhcpMessage, 'op' | 'options'>>(msg: M): M {
  if (msg.op !== 2) return msg;
  const type = msg.options.findIndex((o) => o.code === 53 && o.area === undefined);
  if (type <= 0) return msg;
  return { ...msg, options: [msg.options[type]!, ...msg.options.filter((_, i) => i !== type)] };
}

const HEADER = (() => {
  const b = new Uint8Array(240);
  b.set([1, 1, 6, 0]);
  b.set([99, 130, 83, 99], 236);
  return b;
})();

/** A valid header and cookie followed by option bytes drawn mostly from option codes the codec knows. */
const optionArea = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 1, 3, 4, 12, 52, 53, 55, 81, 82, 119, 121, 255, 0xc0)), { maxLength: 120 })
  .map((tail) => {
    const b = new Uint8Array(240 + tail.length);
    b.set(HEADER);
    b.set(tail, 240);
    return b;
  });

type Mutation = readonly ['set' | 'insert' | 'delete' | 'truncate', number, number];
const mutation: fc.Arbitrary<Mutation> = fc.tuple(fc.constantFrom('set', 'set', 'insert', 'delete', 'truncate'), fc.nat(), fc.integer({ min: 0, max: 255 }));

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = Array.from(bytes);
  for (const [kind, at, value] of mutations) {
    // Aim most mutations at the options, where the decoder has most to check.
    const pos = b.length === 0 ? 0 : at % 3 === 0 ? at % b.length : 236 + (at % Math.max(1, b.length - 236));
    if (kind === 'set') b[pos] = value;
    else if (kind === 'insert') b.splice(pos, 0, value);
    else if (kind === 'delete') b.splice(pos, 1);
    else b = b.slice(0, pos);
  }
  return Uint8Array.from(b);
}

const valid = dhcpMessage({ maxOptions: 5 }).map((m) => encodeDhcp(m));

describe('decoding arbitrary bytes', () => {
  test.prop([fc.uint8Array({ maxLength: 700 })], { numRuns: 15_000 })(
    'random datagrams decode to a message or a DhcpDecodeError, nothing else',
    checkContract,
  );

  test.prop([optionArea], { numRuns: 20_000 })(
    'random option bytes after a valid header decode to a message or a DhcpDecodeError, nothing else',
    checkContract,
  );

  test.prop([valid, fc.array(mutation, { minLength: 1, maxLength: 4 })], { numRuns: 25_000 })(
    'mutated valid packets decode to a message or a DhcpDecodeError, nothing else',
    (bytes, mutations) => checkContract(mutate(bytes, mutations)),
  );
});
