import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decodeNdp } from './decode.js';
import { encodeNdp } from './encode.js';
import { NdpDecodeError } from './errors.js';
import type { NdpMessage } from './message.js';
import { ndpMessage } from './testing.js';

/**
 * The decoder's contract on arbitrary input (a router reads solicitations
 * from anyone on the link): a message or an NdpDecodeError with an offset
 * inside the input, and every input that decodes encodes back to exactly
 * its own bytes (reserved bits are kept, in raw options where typed ones
 * have none).
 */
function checkContract(bytes: Uint8Array): void {
  let msg: NdpMessage;
  try {
    msg = decodeNdp(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(NdpDecodeError);
    expect((error as NdpDecodeError).offset).toBeGreaterThanOrEqual(0);
    expect((error as NdpDecodeError).offset).toBeLessThanOrEqual(bytes.length);
    return;
  }
  expect(encodeNdp(msg)).toEqual(bytes);
}

const interesting = fc.constantFrom(0, 1, 2, 3, 4, 5, 25, 31, 0x40, 0x80, 0xc0, 0xff);

/** An RS or RA header followed by option-shaped bytes: types the codec knows, small lengths. */
const optionShaped = fc
  .tuple(fc.constantFrom(133, 134), fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), interesting, fc.integer({ min: 1, max: 5 })), { maxLength: 160 }))
  .map(([type, tail]) => Uint8Array.from([type, 0, 0, 0, 0, 0, 0, 0, ...(type === 134 ? [0, 0, 0, 0, 0, 0, 0, 0] : []), ...tail]));

type Mutation = readonly ['set' | 'insert' | 'delete' | 'truncate', number, number];
const mutation: fc.Arbitrary<Mutation> = fc.tuple(fc.constantFrom('set', 'set', 'insert', 'delete', 'truncate'), fc.nat(), fc.integer({ min: 0, max: 255 }));

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = Array.from(bytes);
  for (const [kind, at, value] of mutations) {
    const pos = b.length === 0 ? 0 : at % b.length;
    if (kind === 'set') b[pos] = value;
    else if (kind === 'insert') b.splice(pos, 0, value);
    else if (kind === 'delete') b.splice(pos, 1);
    else b = b.slice(0, pos);
  }
  return Uint8Array.from(b);
}

const valid = ndpMessage().map((m) => encodeNdp(m));

describe('decoding arbitrary bytes', () => {
  test.prop([fc.uint8Array({ maxLength: 300 })], { numRuns: 10_000 })('random datagrams decode to a message or an NdpDecodeError, nothing else', checkContract);

  test.prop([optionShaped], { numRuns: 15_000 })('random option bytes after a valid header decode to a message or an NdpDecodeError, nothing else', checkContract);

  test.prop([valid, fc.array(mutation, { minLength: 1, maxLength: 4 })], { numRuns: 15_000 })(
    'mutated valid messages decode to a message or an NdpDecodeError, nothing else',
    (bytes, mutations) => checkContract(mutate(bytes, mutations)),
  );
});
