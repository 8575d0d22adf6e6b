import { decodeNdp, encodeNdp, type NdpRouterAdvertisement } from '@leasehold/protocol';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { Icmp6Socket, SolicitationHandler } from '../net/icmp6-socket.js';
import { RaLink } from './link.js';
import { RaStats } from './stats.js';

const ra: NdpRouterAdvertisement = { type: 134, curHopLimit: 64, managed: false, other: true, routerLifetime: 0, reachableTime: 0, retransTimer: 0, options: [] };
const LINK_LOCAL = Uint8Array.from([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
const rs = encodeNdp({ type: 133, options: [{ type: 1, value: Uint8Array.from([2, 0, 0, 0, 0, 2]) }] });

/** A link on a fake socket: what it sent, and the solicitation handler it registered. */
function fakeLink(advertisement = ra, failures = 0, maxIntervalS = 4) {
  const sent: NdpRouterAdvertisement[] = [];
  let hear: SolicitationHandler | undefined;
  let closed = false;
  let opens = 0;
  const stats = new RaStats();
  const open = (_ifname: string, onSolicitation: SolicitationHandler): Icmp6Socket => {
    if (opens++ < failures) throw Object.assign(new Error('open an ICMPv6 socket: Cannot assign requested address'), { code: 'E99' });
    hear = onSolicitation;
    return { send: (data) => (sent.push(decodeNdp(data) as NdpRouterAdvertisement), true), close: () => (closed = true) };
  };
  const link = new RaLink({ ifname: 'lhtest0', open, maxIntervalS, stats, log: () => {}, random: () => 0 }, advertisement);
  return { link, sent, stats, hear: (...args: Parameters<SolicitationHandler>) => hear!(...args), closed: () => closed };
}

describe('one interface advertising', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  test('the first advertisement goes out when the socket opens, then one every MinRtrAdvInterval to MaxRtrAdvInterval', () => {
    const { link, sent, stats } = fakeLink();
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(3000);
    expect(sent).toHaveLength(2);
    vi.advanceTimersByTime(3000);
    expect(stats.sent.unsolicited).toBe(3);
    link.close();
  });

  test('a socket that cannot open yet (no link-local address) is tried again every second', () => {
    const { link, sent } = fakeLink(ra, 2);
    expect(sent).toHaveLength(0);
    vi.advanceTimersByTime(2000);
    expect(sent).toHaveLength(1);
    link.close();
  });

  test('a valid solicitation is answered no sooner than 3 s after the last advertisement; a bad hop limit, garbage or a link-layer address from :: are counted, not answered', () => {
    const { link, sent, stats, hear } = fakeLink({ ...ra }, 0);
    vi.advanceTimersByTime(1000);
    hear(rs, LINK_LOCAL, 254);
    hear(Uint8Array.from([133, 0, 0]), LINK_LOCAL, 255);
    hear(rs, new Uint8Array(16), 255);
    expect(stats.solicitations).toEqual({ answered: 0, malformed: 1, invalid: 2 });
    // A fresh link's next unsolicited one is 3 s after the first: the solicitation heard before it is answered by it.
    hear(rs, LINK_LOCAL, 255);
    expect(stats.solicitations.answered).toBe(1);
    vi.advanceTimersByTime(2000);
    expect(sent).toHaveLength(2);
    expect(stats.sent.solicited).toBe(0);
    link.close();
  });

  test('with the next unsolicited advertisement far off, a solicitation gets one of its own, no sooner than 3 s after the last', () => {
    const { link, sent, stats, hear } = fakeLink(ra, 0, 600);
    vi.advanceTimersByTime(1000);
    hear(rs, LINK_LOCAL, 255);
    vi.advanceTimersByTime(1999);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(stats.sent).toEqual({ unsolicited: 1, solicited: 1, final: 0 });
    // A second one soon after waits its 3 s too, and one heard while an answer is pending shares it.
    hear(rs, LINK_LOCAL, 255);
    hear(rs, LINK_LOCAL, 255);
    vi.advanceTimersByTime(3000);
    expect(stats.sent.solicited).toBe(2);
    expect(stats.solicitations.answered).toBe(3);
    link.close();
  });

  test('a change of what is advertised goes out within 3 s of the last one; closing a link that advertised itself as a router sends router lifetime 0', () => {
    const { link, sent, stats, closed } = fakeLink({ ...ra, routerLifetime: 12 });
    link.update({ ...ra, routerLifetime: 12, managed: true });
    vi.advanceTimersByTime(3000);
    expect(sent.at(-1)).toMatchObject({ managed: true, routerLifetime: 12 });
    link.close();
    expect(sent.at(-1)).toMatchObject({ managed: true, routerLifetime: 0 });
    expect(stats.sent.final).toBe(1);
    expect(closed()).toBe(true);
  });
});
