/**
 * fast-check arbitraries for Router Solicitations and Advertisements, for
 * this package's tests. Generated messages are in the form `decodeNdp`
 * returns (fields that are zero left out, typed options only where their
 * reserved bits are clear), so `decodeNdp(encodeNdp(m))` must equal `m`.
 */
import { fc } from '@fast-check/vitest';
import { domainName } from '../dhcp/testing.js';
import type { NdpMessage, NdpOption } from './message.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const address = fc.uint8Array({ minLength: 16, maxLength: 16 });
const record = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(model, { noNullPrototype: true });
/** A field the decoder leaves out when it is zero. */
const nonZero = <K extends string>(key: K, arb: fc.Arbitrary<number>) => fc.option(arb.filter((n) => n !== 0), { nil: undefined }).map((n) => (n === undefined ? {} : ({ [key]: n } as Record<K, number>)));

const TYPED = new Set([1, 3, 5, 25, 31]);
/** Data of 8n - 2 bytes, as every option's after its type and length. */
const optionData = fc.integer({ min: 1, max: 12 }).chain((units) => fc.uint8Array({ minLength: units * 8 - 2, maxLength: units * 8 - 2 }));

const rawOption: fc.Arbitrary<NdpOption> = record({ type: u8.filter((t) => !TYPED.has(t)), raw: optionData });

/** A name that is not the root alone (a DNSSL cannot carry it: a lone zero byte reads as padding). */
const searchDomain = domainName(true).filter((name) => name !== '.');

const typedOption: fc.Arbitrary<NdpOption> = fc.oneof(
  record({ type: fc.constant(1 as const), value: optionData }),
  record({
    type: fc.constant(3 as const),
    value: record({ prefixLength: fc.integer({ min: 0, max: 128 }), onLink: fc.boolean(), autonomous: fc.boolean(), validLifetime: u32, preferredLifetime: u32, prefix: address }),
  }),
  record({ type: fc.constant(5 as const), value: u32 }),
  record({ type: fc.constant(25 as const), value: record({ lifetime: u32, servers: fc.array(address, { minLength: 1, maxLength: 4 }) }) }),
  record({ type: fc.constant(31 as const), value: record({ lifetime: u32, domains: fc.array(searchDomain, { minLength: 1, maxLength: 4 }) }) }),
) as fc.Arbitrary<NdpOption>;

const options = fc.array(fc.oneof({ weight: 3, arbitrary: typedOption }, rawOption), { maxLength: 8 });

/** An RS or an RA with typed and raw options. */
export function ndpMessage(): fc.Arbitrary<NdpMessage> {
  const solicitation = fc
    .tuple(nonZero('checksum', u16), nonZero('reserved', u32), options)
    .map(([checksum, reserved, opts]): NdpMessage => ({ type: 133, ...checksum, ...reserved, options: opts }));
  const advertisement = fc
    .tuple(
      nonZero('checksum', u16),
      record({ curHopLimit: u8, managed: fc.boolean(), other: fc.boolean() }),
      nonZero('otherFlags', fc.integer({ min: 0, max: 0x3f })),
      record({ routerLifetime: u16, reachableTime: u32, retransTimer: u32 }),
      options,
    )
    .map(([checksum, flags, otherFlags, times, opts]): NdpMessage => ({ type: 134, ...checksum, ...flags, ...otherFlags, ...times, options: opts }));
  return fc.oneof(solicitation, advertisement);
}
