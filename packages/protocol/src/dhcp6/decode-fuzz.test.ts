import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decodeDhcp6 } from './decode.js';
import { encodeDhcp6 } from './encode.js';
import { Dhcp6DecodeError } from './errors.js';
import type { Dhcp6Message } from './message.js';
import { dhcp6Message } from './testing.js';

/**
 * The decoder's contract on arbitrary input: a message or a Dhcp6DecodeError
 * (never the catch-all for unexpected failures), with an offset inside the
 * input. Unlike DHCPv4 (pad options, RFC 3396 splits: its decoder marks those
 * non-canonical), DHCPv6 has one layout per meaning, so every input that
 * decodes encodes back to exactly its own bytes.
 */
function checkContract(bytes: Uint8Array): void {
  let msg: Dhcp6Message;
  try {
    msg = decodeDhcp6(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(Dhcp6DecodeError);
    expect((error as Dhcp6DecodeError).reason).not.toMatch(/^unexpected/);
    expect((error as Dhcp6DecodeError).offset).toBeGreaterThanOrEqual(0);
    expect((error as Dhcp6DecodeError).offset).toBeLessThanOrEqual(bytes.length);
    return;
  }
  expect(encodeDhcp6(msg)).toEqual(bytes);
}

/** Option codes the decoder types, and bytes that make lengths and nesting interesting. */
const interesting = fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 16, 18, 20, 23, 24, 32, 79, 82, 0xc0, 0xff);

/** A client/server header followed by option-shaped bytes drawn mostly from the codes the codec knows. */
const optionShaped = fc
  .tuple(fc.constantFrom(1, 3, 7, 11, 12, 13), fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), interesting, fc.constant(0)), { maxLength: 160 }))
  .map(([type, tail]) => Uint8Array.from([type, ...(type === 12 || type === 13 ? new Array<number>(33).fill(0) : [0, 0, 1]), ...tail]));

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

const valid = dhcp6Message({ maxOptions: 5 }).map((m) => encodeDhcp6(m));

describe('decoding arbitrary bytes', () => {
  test.prop([fc.uint8Array({ maxLength: 400 })], { numRuns: 15_000 })('random datagrams decode to a message or a Dhcp6DecodeError, nothing else', checkContract);

  test.prop([optionShaped], { numRuns: 20_000 })(
    'random option bytes after a valid header decode to a message or a Dhcp6DecodeError, nothing else',
    checkContract,
  );

  test.prop([valid, fc.array(mutation, { minLength: 1, maxLength: 4 })], { numRuns: 25_000 })(
    'mutated valid messages decode to a message or a Dhcp6DecodeError, nothing else',
    (bytes, mutations) => checkContract(mutate(bytes, mutations)),
  );
});
