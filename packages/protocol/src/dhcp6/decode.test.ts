import { describe, expect, test } from 'vitest';
import { DHCP6_HOP_COUNT_LIMIT, DHCP6_MAX_OPTION_DEPTH } from './constants.js';
import { decodeDhcp6 } from './decode.js';
import { dhcp6DuidKey } from './duid.js';
import { encodeDhcp6 } from './encode.js';
import { Dhcp6EncodeError, Dhcp6NestingError, Dhcp6OptionOverrunError, Dhcp6OptionValueError, Dhcp6TruncatedError } from './errors.js';
import { getDhcp6Option, getDhcp6Options, isDhcp6Relay, type Dhcp6Message } from './message.js';

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const option = (code: number, data: string) => code.toString(16).padStart(4, '0') + (data.replace(/\s+/g, '').length / 2).toString(16).padStart(4, '0') + data.replace(/\s+/g, '');
const ADDR = '20010db8000100000000000000000166';
const LINK = '20010db8000200000000000000000001';
const PEER = 'fe80000000000000dbfffe0802020000'.slice(0, 32);

function thrown(bytes: Uint8Array): unknown {
  try {
    decodeDhcp6(bytes);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('decodeDhcp6 on messages built by hand from RFC 8415', () => {
  // A SOLICIT shaped like dhclient's: DUID-LL, ORO 23/24, elapsed time, rapid commit, IA_NA with a hinted address.
  const solicit = hex(
    '01 123456' +
      option(1, '0003 0001 0200db080102') +
      option(6, '0017 0018') +
      option(8, '0000') +
      option(14, '') +
      option(3, '00000001 00000e10 00001518' + option(5, ADDR + '00001c20 00001d4c')),
  );

  test('a SOLICIT gives its type, 24-bit transaction id and typed options in wire order', () => {
    const msg = decodeDhcp6(solicit);
    expect(msg).toStrictEqual({
      msgType: 1,
      transactionId: 0x123456,
      options: [
        { code: 1, value: { kind: 'll', hardwareType: 1, linkLayerAddress: hex('0200db080102') } },
        { code: 6, value: [23, 24] },
        { code: 8, value: 0 },
        { code: 14, value: true },
        {
          code: 3,
          value: { iaid: 1, t1: 3600, t2: 5400, options: [{ code: 5, value: { address: hex(ADDR), preferredLifetime: 7200, validLifetime: 7500, options: [] } }] },
        },
      ],
    });
    expect(encodeDhcp6(msg)).toEqual(solicit);
  });

  test('a RELAY-FORW holds the relayed message typed, with the relay\'s interface id and an unknown option kept raw', () => {
    const relayed = hex('0c 01' + LINK + PEER + option(18, '01000000') + option(9, Buffer.from(solicit).toString('hex')) + option(37, 'aabbcc'));
    const msg = decodeDhcp6(relayed);
    expect(isDhcp6Relay(msg)).toBe(true);
    expect(msg).toMatchObject({ msgType: 12, hopCount: 1, linkAddress: hex(LINK), peerAddress: hex(PEER) });
    expect(getDhcp6Option(msg, 18)).toEqual(hex('01000000'));
    expect(getDhcp6Option(msg, 9)).toStrictEqual(decodeDhcp6(solicit));
    expect(msg.options[2]).toStrictEqual({ code: 37, raw: hex('aabbcc') });
    expect(encodeDhcp6(msg)).toEqual(relayed);
  });

  test('a REPLY with a status code, DNS servers, a domain list, preference, refresh time and SOL_MAX_RT', () => {
    const reply = hex(
      '07 abcdef' +
        option(2, '0002 00007ed9 6c686678') +
        option(13, '0002' + Buffer.from('no addresses: ünïcode').toString('hex')) +
        option(23, ADDR + LINK) +
        option(24, '046c686678047465737400 03737562046c686678047465737400 00') +
        option(7, 'ff') +
        option(32, '00000e10') +
        option(82, '00000e10') +
        option(15, '0003616263 0000') +
        option(16, '00007ed9 000178') +
        option(20, ''),
    );
    const msg = decodeDhcp6(reply);
    expect(getDhcp6Option(msg, 2)).toStrictEqual({ kind: 'en', enterpriseNumber: 32473, identifier: hex('6c686678') });
    expect(getDhcp6Option(msg, 13)).toEqual({ status: 2, message: 'no addresses: ünïcode' });
    expect(getDhcp6Option(msg, 23)).toEqual([hex(ADDR), hex(LINK)]);
    expect(getDhcp6Option(msg, 24)).toEqual(['lhfx.test.', 'sub.lhfx.test.', '.']);
    expect(getDhcp6Option(msg, 7)).toBe(255);
    expect(getDhcp6Option(msg, 32)).toBe(3600);
    expect(getDhcp6Option(msg, 82)).toBe(3600);
    expect(getDhcp6Option(msg, 15)).toEqual([hex('616263'), new Uint8Array(0)]);
    expect(getDhcp6Option(msg, 16)).toEqual({ enterpriseNumber: 32473, data: [hex('78')] });
    expect(getDhcp6Option(msg, 20)).toBe(true);
    expect(encodeDhcp6(msg)).toEqual(reply);
  });

  test('every DUID kind decodes, and unknown DUID types keep their bytes', () => {
    const duid = (data: string) => getDhcp6Option(decodeDhcp6(hex('01000001' + option(1, data))), 1);
    expect(duid('0001 0001 32a9c172 0200db080102')).toStrictEqual({ kind: 'llt', hardwareType: 1, time: 0x32a9c172, linkLayerAddress: hex('0200db080102') });
    expect(duid('0004 6c686678360040008000000000db0801')).toStrictEqual({ kind: 'uuid', uuid: hex('6c686678360040008000000000db0801') });
    expect(duid('0009 abcd')).toStrictEqual({ kind: 'other', type: 9, data: hex('abcd') });
    expect(duid('0002 00007ed9')).toStrictEqual({ kind: 'en', enterpriseNumber: 32473, identifier: new Uint8Array(0) });
  });

  test('CLIENT_LINKLAYER_ADDR (RFC 6939) gives the hardware type and the address; shorter than its type is refused', () => {
    const relayed = hex('0c00' + LINK + PEER + option(79, '0001 0200db080202') + option(9, '0b000001'));
    expect(getDhcp6Option(decodeDhcp6(relayed), 79)).toStrictEqual({ linkLayerType: 1, address: hex('0200db080202') });
    expect(encodeDhcp6(decodeDhcp6(relayed))).toEqual(relayed);
    expect(thrown(hex('0c00' + LINK + PEER + option(79, '00')))).toBeInstanceOf(Dhcp6OptionValueError);
  });

  test('getDhcp6Options gives every IA_NA of a message with several IAs, in order', () => {
    const msg = decodeDhcp6(hex('03000001' + option(3, '00000001 00000000 00000000') + option(3, '00000002 00000000 00000000')));
    expect(getDhcp6Options(msg, 3).map((ia) => ia.iaid)).toEqual([1, 2]);
    expect(getDhcp6Options(msg, 4)).toEqual([]);
  });

  test('dhcp6DuidKey is the DUID\'s wire bytes in hex: equal DUIDs give equal keys, whatever object holds them', () => {
    const a = { kind: 'll', hardwareType: 1, linkLayerAddress: hex('0200db080102') } as const;
    expect(dhcp6DuidKey(a)).toBe('000300010200db080102');
    expect(dhcp6DuidKey({ ...a, linkLayerAddress: hex('0200db080102') })).toBe(dhcp6DuidKey(a));
    expect(dhcp6DuidKey({ ...a, hardwareType: 6 })).not.toBe(dhcp6DuidKey(a));
  });
});

describe('decodeDhcp6 refuses malformed input with a typed error and its offset', () => {
  const cases: [string, string, new (...args: never[]) => Error, number, RegExp][] = [
    ['an empty datagram', '', Dhcp6TruncatedError, 0, /no msg-type/],
    ['a header cut short', '010203', Dhcp6TruncatedError, 3, /3 of 4 bytes/],
    ['a relay header cut short', '0c00' + LINK, Dhcp6TruncatedError, 18, /18 of 34 bytes/],
    ['an option header cut short', '01000001 0001 00', Dhcp6OptionOverrunError, 4, /header cut short/],
    ['option data past the end', '01000001 0001 0005 000300', Dhcp6OptionOverrunError, 6, /5 data bytes run past/],
    ['an IAADDR running past its IA_NA', '01000001' + option(3, '00000001 00000000 00000000' + '0005 0018' + ADDR), Dhcp6OptionOverrunError, 22, /24 data bytes run past/],
    ['an ORO of odd length', '01000001' + option(6, '001700'), Dhcp6OptionValueError, 6, /2-byte option codes/],
    ['a 2-byte preference', '01000001' + option(7, 'ffff'), Dhcp6OptionValueError, 6, /length 2, expected 1/],
    ['rapid commit with data', '01000001' + option(14, '00'), Dhcp6OptionValueError, 6, /length 1, expected 0/],
    ['an IA_NA shorter than its fixed fields', '01000001' + option(3, '00000001'), Dhcp6OptionValueError, 6, /at least 12/],
    ['a 1-byte DUID', '01000001' + option(1, '00'), Dhcp6OptionValueError, 8, /no 2-byte type/],
    ['a DUID-UUID of 15 bytes', '01000001' + option(1, '0004' + '00'.repeat(15)), Dhcp6OptionValueError, 8, /expected 18/],
    ['a DUID-LLT without its time', '01000001' + option(1, '0001 0001'), Dhcp6OptionValueError, 8, /at least 8/],
    ['a status message that is not UTF-8', '01000001' + option(13, '0000 c328'), Dhcp6OptionValueError, 10, /not UTF-8/],
    ['DNS servers not a multiple of 16 bytes', '01000001' + option(23, ADDR.slice(2)), Dhcp6OptionValueError, 6, /16-byte addresses/],
    ['a compressed domain list', '01000001' + option(24, '046c68667800 c000'), Dhcp6OptionValueError, 14, /never compressed/],
    ['a partial name in the domain list', '01000001' + option(24, '046c686678'), Dhcp6OptionValueError, 13, /root label/],
    ['a 64-byte label', '01000001' + option(24, '40' + '61'.repeat(64) + '00'), Dhcp6OptionValueError, 8, /at most 63/],
    ['a user class item past the option', '01000001' + option(15, '0005 6162'), Dhcp6OptionValueError, 8, /runs past/],
    ['a relay message holding nothing', '0c00' + LINK + PEER + option(9, ''), Dhcp6TruncatedError, 38, /no msg-type/],
  ];
  test.each(cases)('%s', (_, bytes, type, offset, reason) => {
    const error = thrown(hex(bytes));
    expect(error).toBeInstanceOf(type);
    expect((error as Dhcp6TruncatedError).offset).toBe(offset);
    expect((error as Dhcp6TruncatedError).reason).toMatch(reason);
  });

  /** `layers` relay messages around a minimal INFORMATION-REQUEST. */
  function wrapped(layers: number): Uint8Array {
    let inner = '0b000001';
    for (let i = 0; i < layers; i++) inner = '0c' + (layers - 1 - i).toString(16).padStart(2, '0') + LINK + PEER + option(9, inner);
    return hex(inner);
  }

  test('HOP_COUNT_LIMIT relay layers decode; one more is a Dhcp6NestingError, not a stack overflow', () => {
    let msg = decodeDhcp6(wrapped(DHCP6_HOP_COUNT_LIMIT));
    for (let i = 0; i < DHCP6_HOP_COUNT_LIMIT; i++) msg = getDhcp6Option(msg, 9)!;
    expect(msg).toStrictEqual({ msgType: 11, transactionId: 1, options: [] });
    expect(thrown(wrapped(DHCP6_HOP_COUNT_LIMIT + 1))).toBeInstanceOf(Dhcp6NestingError);
  });

  test('a message inside a client/server message counts as a level too: a chain of RELAY_MSG options 8 bytes a level is a Dhcp6NestingError at 33, not a stack overflow at 8,000', () => {
    const chain = (levels: number) => {
      // Built from the inside out as bytes: 4-byte header + 4-byte option header per level.
      let inner = hex('0b000001');
      for (let i = 0; i < levels; i++) {
        const outer = new Uint8Array(8 + inner.length);
        outer.set([7, 0, 0, 1, 0, 9, inner.length >> 8, inner.length & 0xff]);
        outer.set(inner, 8);
        inner = outer;
      }
      return inner;
    };
    expect(decodeDhcp6(chain(DHCP6_HOP_COUNT_LIMIT))).toBeDefined();
    expect(thrown(chain(DHCP6_HOP_COUNT_LIMIT + 1))).toBeInstanceOf(Dhcp6NestingError);
    const deep = thrown(chain(8000));
    expect(deep).toBeInstanceOf(Dhcp6NestingError);
    expect((deep as Dhcp6NestingError).reason).not.toMatch(/unexpected/);
  });

  test('IA options nested past the depth limit are a Dhcp6NestingError', () => {
    let ia = '';
    // The message's own options are level 0; IA_NA → IAADDR → STATUS_CODE reaches level 2.
    for (let i = 0; i < DHCP6_MAX_OPTION_DEPTH; i++) ia = option(4, '00000001' + ia);
    expect(decodeDhcp6(hex('01000001' + ia))).toBeDefined();
    expect(thrown(hex('01000001' + option(4, '00000001' + ia)))).toBeInstanceOf(Dhcp6NestingError);
  });
});

describe('encodeDhcp6 refuses what it cannot write', () => {
  const base: Dhcp6Message = { msgType: 7, transactionId: 1, options: [] };
  test.each<[string, Dhcp6Message, RegExp]>([
    ['a 25-bit transaction id', { ...base, transactionId: 0x1000000 }, /transaction-id/],
    ['a 15-byte DNS server', { ...base, options: [{ code: 23, value: [new Uint8Array(15)] }] }, /DNS server is not 16 bytes/],
    ['a relay link-address of 4 bytes', { msgType: 12, hopCount: 0, linkAddress: new Uint8Array(4), peerAddress: new Uint8Array(16), options: [] }, /link-address/],
    ['an option over 65535 bytes', { ...base, options: [{ code: 999, raw: new Uint8Array(65536) }] }, /65535/],
    ['a negative preference', { ...base, options: [{ code: 7, value: -1 }] }, /preference/],
    ['a typed value for a code the codec keeps raw', { ...base, options: [{ code: 25, value: 1 } as never] }, /no typed form/],
    ['a domain name with an empty label', { ...base, options: [{ code: 24, value: ['a..b.'] }] }, /empty label/],
    ['an "other" DUID of a known type', { ...base, options: [{ code: 1, value: { kind: 'other', type: 3, data: new Uint8Array(8) } }] }, /own kind/],
  ])('%s', (_, msg, reason) => {
    expect(() => encodeDhcp6(msg)).toThrow(Dhcp6EncodeError);
    expect(() => encodeDhcp6(msg)).toThrow(reason);
  });
});
