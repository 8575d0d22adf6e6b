import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { parseIpv4 } from '../ipv4/address.js';
import { BootOp, DhcpMessageType } from './constants.js';
import { decodeDhcp } from './decode.js';
import { dhcpEncodingLength, encodeDhcp } from './encode.js';
import { DhcpEncodeError } from './errors.js';
import { findOption, messageType, type DhcpMessage, type DhcpOption } from './message.js';
import { dhcpOptionBytes } from './option-values.js';
import { rawOption, typedOption } from './testing.js';

const NEVER_DROPPED = [53, 54, 51, 58, 59, 1, 3, 52, 61, 82];

function offer(options: DhcpOption[]): DhcpMessage {
  return {
    op: BootOp.Reply,
    htype: 1,
    hops: 0,
    xid: 0x12345678,
    secs: 0,
    flags: 0,
    ciaddr: 0,
    yiaddr: parseIpv4('198.18.0.10'),
    siaddr: 0,
    giaddr: 0,
    chaddr: Uint8Array.of(2, 0, 0, 0, 0, 1),
    sname: '',
    file: '',
    options,
  };
}

/** The options of a wire message in wire order, one entry per instance: [code, length]. */
function instances(bytes: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  for (let pos = 240; bytes[pos] !== 255; pos += 2 + bytes[pos + 1]!) out.push([bytes[pos]!, bytes[pos + 1]!]);
  return out;
}

/** Reply options, and a parameter request list naming some of them (in any order) and some other codes. */
const replyOptions = fc
  .uniqueArray(fc.oneof(typedOption, rawOption).filter((o) => o.code !== 54), { selector: (o) => o.code, maxLength: 14 })
  .chain((options) =>
    fc.tuple(
      fc.constant(options),
      fc
        .tuple(fc.shuffledSubarray(options.map((o) => o.code)), fc.array(fc.integer({ min: 1, max: 254 }), { maxLength: 5 }))
        .map(([asked, other]) => [...new Set([...asked, ...other])]),
    ),
  );

describe('encoding DHCPv4 replies', () => {
  test('a small reply is padded to the 300-byte BOOTP minimum, with option 53 first and an end option', () => {
    const bytes = encodeDhcp(offer([{ code: 54, value: parseIpv4('198.18.0.1') }, { code: 53, value: DhcpMessageType.Offer }, { code: 51, value: 3600 }]));
    expect(bytes.length).toBe(300);
    expect(Array.from(bytes.subarray(236, 243))).toEqual([99, 130, 83, 99, 53, 1, 2]);
    expect(instances(bytes).map(([c]) => c)).toEqual([53, 54, 51]);
    expect(bytes[240 + 3 + 6 + 6]).toBe(255);
    expect(bytes.subarray(256).every((b) => b === 0)).toBe(true);
  });

  test('an option over 255 bytes is written as consecutive 255-byte instances and a remainder (RFC 3396)', () => {
    const bytes = encodeDhcp(offer([{ code: 53, value: 2 }, { code: 200, raw: new Uint8Array(600).fill(7) }]));
    expect(instances(bytes)).toEqual([[53, 1], [200, 255], [200, 255], [200, 90]]);
  });

  test('a zero-length option is written as code and length 0', () => {
    expect(instances(encodeDhcp(offer([{ code: 80, raw: new Uint8Array(0) }])))).toEqual([[80, 0]]);
  });

  test.prop([replyOptions, fc.integer({ min: 0, max: 1500 })], { numRuns: 300 })(
    'with a maximum size the reply fits, keeps what is never dropped, and drops unrequested options before requested ones',
    ([options, requested], maxSize) => {
      const msg = offer([{ code: 53, value: 2 }, { code: 54, value: 1 }, ...options]);
      const limit = Math.max(576, maxSize);
      let bytes: Uint8Array;
      try {
        bytes = encodeDhcp(msg, { maxSize, requested });
      } catch (error) {
        expect(error).toBeInstanceOf(DhcpEncodeError);
        expect((error as Error).message).toMatch(/never dropped/);
        return;
      }
      expect(bytes.length).toBeLessThanOrEqual(limit);
      expect(bytes.length).toBe(dhcpEncodingLength(msg, { maxSize, requested }));
      const kept = new Set(decodeDhcp(bytes).options.map((o) => o.code));
      for (const o of msg.options) if (NEVER_DROPPED.includes(o.code)) expect(kept.has(o.code)).toBe(true);
      const dropped = msg.options.filter((o) => !kept.has(o.code)).map((o) => o.code);
      if (dropped.length === 0) {
        expect(bytes.length).toBe(Math.max(300, encodeDhcp(msg, { minSize: 0 }).length));
        return;
      }
      const droppable = msg.options.filter((o) => !NEVER_DROPPED.includes(o.code)).map((o) => o.code);
      const keptRequested = droppable.filter((c) => kept.has(c) && requested.includes(c));
      const droppedRequested = dropped.filter((c) => requested.includes(c));
      if (droppedRequested.length > 0) {
        expect(droppable.filter((c) => kept.has(c) && !requested.includes(c))).toEqual([]);
        const lastKept = Math.max(-1, ...keptRequested.map((c) => requested.indexOf(c)));
        for (const c of droppedRequested) expect(requested.indexOf(c)).toBeGreaterThan(lastKept);
      }
    },
  );

  test('a reply to a client allowing 576 bytes drops an unrequested option and keeps the requested ones', () => {
    const msg = offer([
      { code: 53, value: 2 },
      { code: 54, value: 1 },
      { code: 6, value: [1, 2] },
      { code: 15, value: 'example.org' },
      { code: 43, raw: new Uint8Array(300) },
      { code: 119, value: ['a.example.org.'] },
    ]);
    const bytes = encodeDhcp(msg, { maxSize: 500, requested: [1, 3, 6, 15, 119] });
    expect(bytes.length).toBeLessThanOrEqual(576);
    expect(decodeDhcp(bytes).options.map((o) => o.code)).toEqual([53, 54, 6, 15, 119]);
  });

  test('padding asked for by a recorded length never takes a reply past the maximum size', () => {
    const msg = { ...offer([{ code: 53, value: 2 }]), length: 1400 };
    expect(encodeDhcp(msg).length).toBe(1400);
    expect(encodeDhcp(msg, { maxSize: 600 }).length).toBe(300);
  });

  test('a reply whose never-dropped options exceed the maximum size is refused', () => {
    const msg = offer([{ code: 53, value: 2 }, { code: 82, value: [{ code: 1, data: new Uint8Array(255) }, { code: 2, data: new Uint8Array(255) }] }]);
    expect(() => encodeDhcp(msg, { maxSize: 576 })).toThrow(DhcpEncodeError);
  });

  test('a buffer too small for the message is refused before anything is written', () => {
    const buffer = new Uint8Array(310).fill(9);
    expect(() => encodeDhcp(offer([]), { buffer, offset: 20 })).toThrow(/needs 300 bytes at offset 20/);
    expect(buffer.every((b) => b === 9)).toBe(true);
  });

  test.each<[string, DhcpMessage]>([
    ['an address that is not a uint32', { ...offer([]), yiaddr: -1 }],
    ['an option value out of range', offer([{ code: 26, value: 70000 }])],
    ['a typed address out of range', offer([{ code: 3, value: [2 ** 32] }])],
    ['a character that is not one byte', offer([{ code: 12, value: 'h\u0101st' }])],
    ['a label over 63 bytes', offer([{ code: 119, value: ['a'.repeat(64) + '.'] }])],
    ['options in the file field without option 52', offer([{ code: 12, value: 'x', area: 'file' }])],
    ['a file name next to options that overload the file field', { ...offer([{ code: 52, value: 1 }]), file: 'pxelinux.0' }],
    ['too many options for the sname field', offer([{ code: 52, value: 2 }, { code: 12, value: 'x'.repeat(70), area: 'sname' }])],
    ['chaddr over 16 bytes', { ...offer([]), chaddr: new Uint8Array(17) }],
    ['the end option as an option', offer([{ code: 255, raw: new Uint8Array(0) }])],
  ])('%s is refused with DhcpEncodeError', (_, msg) => {
    expect(() => encodeDhcp(msg)).toThrow(DhcpEncodeError);
  });

  test('messageType reads option 53 of an encoded reply', () => {
    expect(messageType(decodeDhcp(encodeDhcp(offer([{ code: 53, value: DhcpMessageType.Ack }]))))).toBe(DhcpMessageType.Ack);
  });
});

describe('regression: an overloaded field filled to its edge', () => {
  test('options that fill sname exactly re-encode without an end option and decode to the same message', () => {
    const sname = new Uint8Array(64);
    // Option 82 with one 57-byte sub-option: 2 + 2 + 57 = 61 bytes, after option 83 (3 bytes): 64 in all.
    sname.set([83, 1, 0, 82, 59, 1, 57]);
    const bytes = new Uint8Array(300);
    bytes.set([1, 1, 6, 0]);
    bytes.set(sname, 44);
    bytes.set([99, 130, 83, 99, 53, 1, 1, 52, 1, 2, 255], 236);
    const msg = decodeDhcp(bytes);
    expect(findOption(msg, 82)).toMatchObject({ area: 'sname' });
    const again = encodeDhcp(msg);
    expect(decodeDhcp(again)).toStrictEqual(msg);
    expect([...again.subarray(44, 108)]).toStrictEqual([...sname]);
  });
});

describe('overloading sname and file when the options do not fit (RFC 2132 section 9.3)', () => {
  const withoutArea = (o: DhcpOption): DhcpOption => {
    const { area: _area, ...rest } = o;
    return rest as DhcpOption;
  };

  test('options that overflow 576 bytes go into the file field, with option 52, where dropping alone would lose them', () => {
    const msg = offer([
      { code: 53, value: 2 },
      { code: 54, value: 1 },
      { code: 43, raw: new Uint8Array(200).fill(1) },
      { code: 125, raw: new Uint8Array(60).fill(2) },
      { code: 15, value: 'x'.repeat(100) },
      { code: 12, value: 'host-198-18-0-10' },
    ]);
    const requested = [43, 15, 125, 12];
    expect(decodeDhcp(encodeDhcp(msg, { maxSize: 576, requested })).options.map((o) => o.code)).toEqual([53, 54, 43, 15]);
    const bytes = encodeDhcp(msg, { maxSize: 576, requested, overload: true });
    expect(bytes.length).toBeLessThanOrEqual(576);
    const decoded = decodeDhcp(bytes);
    expect(decoded.options.map((o) => [o.code, o.area ?? 'options'])).toEqual([
      [53, 'options'],
      [52, 'options'],
      [54, 'options'],
      [43, 'options'],
      [15, 'options'],
      [125, 'file'],
      [12, 'file'],
    ]);
    expect(findOption(decoded, 52)).toEqual({ code: 52, value: 1 });
    expect(decoded.file).toBe('');
  });

  test('an option too big for file and sname goes back into the options field when what moved out made room for it', () => {
    const raw = (n: number, fill: number) => new Uint8Array(n).fill(fill);
    const msg = offer([{ code: 53, value: 2 }, { code: 54, value: 1 }, { code: 200, raw: raw(216, 1) }, { code: 201, raw: raw(125, 2) }, { code: 202, raw: raw(60, 3) }, { code: 203, raw: raw(12, 4) }]);
    const requested = [200, 201, 202, 203];
    expect(decodeDhcp(encodeDhcp(msg, { maxSize: 576, requested })).options.map((o) => o.code)).toEqual([53, 54, 200]);
    const decoded = decodeDhcp(encodeDhcp(msg, { maxSize: 576, requested, overload: true }));
    expect(decoded.options.map((o) => [o.code, o.area ?? 'options'])).toEqual([
      [53, 'options'],
      [52, 'options'],
      [54, 'options'],
      [200, 'options'],
      [203, 'options'],
      [201, 'file'],
      [202, 'sname'],
    ]);
  });

  test('a field whose text is in use (a boot file name) is not overloaded; sname takes what fits', () => {
    const msg = { ...offer([{ code: 53, value: 2 }, { code: 43, raw: new Uint8Array(250) }, { code: 125, raw: new Uint8Array(60) }, { code: 15, value: 'x'.repeat(40) }]), file: 'undionly.kpxe' };
    const decoded = decodeDhcp(encodeDhcp(msg, { maxSize: 576, overload: true }));
    expect(decoded.file).toBe('undionly.kpxe');
    expect(findOption(decoded, 52)).toEqual({ code: 52, value: 2 });
    expect(findOption(decoded, 15)).toMatchObject({ area: 'sname' });
  });

  test.prop([replyOptions, fc.integer({ min: 0, max: 900 }), fc.constantFrom('', 'pxelinux.0'), fc.constantFrom('', 'boot.example')], { numRuns: 300 })(
    'an overloaded reply fits, round-trips byte for byte, keeps at least what dropping alone keeps, and changes no option',
    ([options, requested], maxSize, file, sname) => {
      const msg = { ...offer([{ code: 53, value: 2 }, { code: 54, value: 1 }, ...options.filter((o) => o.code !== 52)]), file, sname };
      const limit = Math.max(576, maxSize);
      let plain: Uint8Array;
      try {
        plain = encodeDhcp(msg, { maxSize, requested });
      } catch {
        return; // the never-dropped options alone do not fit: covered above
      }
      const bytes = encodeDhcp(msg, { maxSize, requested, overload: true });
      expect(bytes.length).toBeLessThanOrEqual(limit);
      expect(bytes.length).toBe(dhcpEncodingLength(msg, { maxSize, requested, overload: true }));
      const decoded = decodeDhcp(bytes);
      expect(encodeDhcp(decoded)).toEqual(bytes);
      if (file !== '') expect(decoded.file).toBe(file);
      if (sname !== '') expect(decoded.sname).toBe(sname);
      const byCode = new Map(msg.options.map((o) => [o.code, o]));
      for (const o of decoded.options) if (o.code !== 52) expect(withoutArea(o)).toStrictEqual(withoutArea(byCode.get(o.code)!));
      const keptPlain = new Set(decodeDhcp(plain).options.map((o) => o.code));
      const kept = new Set(decoded.options.map((o) => o.code));
      for (const code of keptPlain) expect(kept.has(code)).toBe(true);
      if (decoded.options.some((o) => o.area !== undefined)) expect(findOption(decoded, 52)).toBeDefined();
      else expect(bytes).toEqual(plain);
    },
  );
});

describe('the bytes of one option', () => {
  test.prop([fc.oneof(typedOption, rawOption)], { numRuns: 200 })('dhcpOptionBytes gives the data the encoder writes after code and length', (option) => {
    const bytes = dhcpOptionBytes(option);
    fc.pre(bytes.length <= 255 && option.code !== 53);
    const wire = encodeDhcp(offer([option]));
    expect(Array.from(wire.subarray(240, 242))).toEqual([option.code, bytes.length]);
    expect(wire.subarray(242, 242 + bytes.length)).toEqual(bytes);
  });
});
