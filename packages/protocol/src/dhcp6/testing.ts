/**
 * fast-check arbitraries for DHCPv6 messages, for this package's tests and
 * other packages' (the `./testing` export; never the main index). Generated
 * messages are in the form `decodeDhcp6` returns, so
 * `decodeDhcp6(encodeDhcp6(m))` must equal `m`.
 */
import { fc } from '@fast-check/vitest';
import { domainName } from '../dhcp/testing.js';
import type { Dhcp6Duid, Dhcp6Message, Dhcp6Option } from './message.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const address = fc.uint8Array({ minLength: 16, maxLength: 16 });
const opaque = (maxLength: number) => fc.uint8Array({ maxLength });
const record = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(model, { noNullPrototype: true });

/** Codes the codec types; raw options get any other code. */
const TYPED = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15, 16, 18, 20, 23, 24, 32, 79, 82]);

const dhcp6Duid: fc.Arbitrary<Dhcp6Duid> = fc.oneof(
  record({ kind: fc.constant('llt' as const), hardwareType: u16, time: u32, linkLayerAddress: opaque(20) }),
  record({ kind: fc.constant('en' as const), enterpriseNumber: u32, identifier: opaque(20) }),
  record({ kind: fc.constant('ll' as const), hardwareType: u16, linkLayerAddress: opaque(20) }),
  record({ kind: fc.constant('uuid' as const), uuid: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
  record({ kind: fc.constant('other' as const), type: u16.filter((t) => t < 1 || t > 4), data: opaque(20) }),
);

const rawOption: fc.Arbitrary<Dhcp6Option> = record({
  code: u16.filter((c) => !TYPED.has(c)),
  raw: fc.oneof({ weight: 5, arbitrary: opaque(24) }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 256, maxLength: 700 }) }),
});

/** Well-formed text: the status message travels as UTF-8, which a lone surrogate cannot be. */
const statusMessage = fc.string({ unit: 'grapheme', maxLength: 40 });

const status = record({ code: fc.constant(13 as const), value: record({ status: fc.oneof(fc.integer({ min: 0, max: 6 }), u16), message: statusMessage }) });

/** IAADDR with, sometimes, its own status code and an unknown option. */
const iaAddress = record({
  code: fc.constant(5 as const),
  value: record({ address, preferredLifetime: u32, validLifetime: u32, options: fc.array(fc.oneof(status, rawOption), { maxLength: 2 }) }),
});
const iaOptions = fc.array(fc.oneof({ weight: 3, arbitrary: iaAddress }, status, rawOption), { maxLength: 4 });

/** Options without a nested message. */
const flatOption: fc.Arbitrary<Dhcp6Option> = fc.oneof(
  record({ code: fc.constantFrom(1 as const, 2 as const), value: dhcp6Duid }),
  record({ code: fc.constant(3 as const), value: record({ iaid: u32, t1: u32, t2: u32, options: iaOptions }) }),
  record({ code: fc.constant(4 as const), value: record({ iaid: u32, options: iaOptions }) }),
  iaAddress,
  record({ code: fc.constant(6 as const), value: fc.array(u16, { maxLength: 12 }) }),
  record({ code: fc.constant(7 as const), value: u8 }),
  record({ code: fc.constant(8 as const), value: u16 }),
  status,
  record({ code: fc.constantFrom(14 as const, 20 as const), value: fc.constant(true as const) }),
  record({ code: fc.constant(15 as const), value: fc.array(opaque(12), { maxLength: 4 }) }),
  record({ code: fc.constant(16 as const), value: record({ enterpriseNumber: u32, data: fc.array(opaque(12), { maxLength: 4 }) }) }),
  record({ code: fc.constant(18 as const), value: opaque(16) }),
  record({ code: fc.constant(23 as const), value: fc.array(address, { maxLength: 4 }) }),
  record({ code: fc.constant(24 as const), value: fc.array(domainName(true), { maxLength: 4 }) }),
  record({ code: fc.constantFrom(32 as const, 82 as const), value: u32 }),
  record({ code: fc.constant(79 as const), value: record({ linkLayerType: u16, address: opaque(16) }) }),
) as fc.Arbitrary<Dhcp6Option>;

export interface Dhcp6MessageConstraints {
  /** Most options per message. Default 8. */
  readonly maxOptions?: number;
  /** Most relay layers around the innermost message. Default 3. */
  readonly maxRelays?: number;
}

/** A client/server message: any msg-type but 12 and 13, typed and raw options. */
function dhcp6ClientServerMessage(constraints: Dhcp6MessageConstraints = {}): fc.Arbitrary<Dhcp6Message> {
  return record({
    msgType: fc.oneof(fc.integer({ min: 1, max: 11 }), u8).filter((t) => t !== 12 && t !== 13),
    transactionId: fc.integer({ min: 0, max: 0xffffff }),
    options: fc.array(fc.oneof({ weight: 3, arbitrary: flatOption }, rawOption), { maxLength: constraints.maxOptions ?? 8 }),
  });
}

/** Messages, some wrapped in relay layers (RELAY-FORW/RELAY-REPL with INTERFACE_ID and RELAY_MSG). */
export function dhcp6Message(constraints: Dhcp6MessageConstraints = {}): fc.Arbitrary<Dhcp6Message> {
  const layer = record({
    msgType: fc.constantFrom(12 as const, 13 as const),
    hopCount: u8,
    linkAddress: address,
    peerAddress: address,
    before: fc.array(fc.oneof(flatOption, rawOption), { maxLength: 2 }),
    after: fc.array(fc.oneof(flatOption, rawOption), { maxLength: 2 }),
  });
  return fc
    .tuple(dhcp6ClientServerMessage(constraints), fc.array(layer, { maxLength: constraints.maxRelays ?? 3 }))
    .map(([inner, layers]) =>
      layers.reduce<Dhcp6Message>(
        (msg, { before, after, ...header }) => ({ ...header, options: [...before, { code: 9, value: msg }, ...after] }),
        inner,
      ),
    );
}
