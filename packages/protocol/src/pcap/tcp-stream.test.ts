import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { LengthPrefixedStream } from './tcp-stream.js';
import { concatBytes, lengthPrefixed } from './testing.js';

/** Cut `stream` at the given points into segments numbered from `isn + 1`. */
function segments(stream: Uint8Array, cuts: number[], isn: number) {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const bounds = [0, ...points.filter((p) => p > 0 && p < stream.length), stream.length];
  const out = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    out.push({ seq: (isn + 1 + bounds[i]!) % 2 ** 32, syn: false, payload: stream.subarray(bounds[i]!, bounds[i + 1]!) });
  }
  return out;
}

const messagesArb = fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 5 });
const isnArb = fc.integer({ min: 0, max: 0xffffffff });

describe('LengthPrefixedStream', () => {
  test.prop([messagesArb, fc.array(fc.nat(), { maxLength: 8 }), isnArb])(
    'it yields the same messages however the byte stream was cut into segments, across sequence wrap-around',
    (messages, cuts, isn) => {
      const stream = new LengthPrefixedStream();
      const out = stream.push({ seq: isn, syn: true, payload: new Uint8Array(0) });
      for (const s of segments(concatBytes(...messages.map(lengthPrefixed)), cuts, isn)) out.push(...stream.push(s));
      expect(out).toEqual(messages);
      expect(stream.buffered).toBe(0);
    },
  );

  test.prop([messagesArb, fc.array(fc.nat(), { maxLength: 6 }), isnArb, fc.array(fc.nat(), { minLength: 1, maxLength: 4 })])(
    'it ignores retransmitted and overlapping segments',
    (messages, cuts, isn, repeats) => {
      const all = segments(concatBytes(...messages.map(lengthPrefixed)), cuts, isn);
      const withRepeats = all.flatMap((s, i) => {
        // Resend the previous segment joined with this one: partly old bytes, partly new.
        const previous = all[i - 1];
        if (previous === undefined || !repeats.includes(i % 4)) return [s];
        return [previous, { seq: previous.seq, syn: false, payload: concatBytes(previous.payload, s.payload) }];
      });
      const stream = new LengthPrefixedStream();
      const out = stream.push({ seq: isn, syn: true, payload: new Uint8Array(0) });
      for (const s of withRepeats) out.push(...stream.push(s));
      expect(out).toEqual(messages);
    },
  );

  test('it drops a half-received message when the capture missed the bytes that follow it', () => {
    const stream = new LengthPrefixedStream();
    stream.push({ seq: 100, syn: true, payload: new Uint8Array(0) });
    expect(stream.push({ seq: 101, syn: false, payload: Uint8Array.of(0, 4, 1, 2) })).toEqual([]);
    // Bytes 105..106 never captured; the next segment starts a fresh message.
    expect(stream.push({ seq: 107, syn: false, payload: lengthPrefixed(Uint8Array.of(7)) })).toEqual([Uint8Array.of(7)]);
  });

  test('it starts from the first segment it sees when the capture began mid-connection', () => {
    const stream = new LengthPrefixedStream();
    expect(stream.push({ seq: 5000, syn: false, payload: lengthPrefixed(Uint8Array.of(1, 2, 3)) })).toEqual([Uint8Array.of(1, 2, 3)]);
  });
});
