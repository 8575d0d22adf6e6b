/**
 * DNSSEC between the resolver and its upstreams (the `dnssec` option): the
 * question goes out with DO and CD, the answer is validated (validator.ts)
 * and shaped for the clients waiting on it (shape.ts). A bogus answer
 * becomes no answer, which the resolver turns into SERVFAIL, as dnsmasq
 * does; a client that set CD checks for itself and gets it without AD
 * (RFC 4035 3.2.2).
 */
import { readQuestion } from '@leasehold/protocol';
import type { DnsCacheConfig } from '../config.js';
import type { ErrorGuard } from '../guard.js';
import { readQueryEdns } from '../reply.js';
import type { DnsCacheStats } from '../stats.js';
import { askInOrder, type Asked } from '../asking.js';
import type { AskedQuestion } from '../upstream.js';
import { readName, WireError } from './records.js';
import { clientAnswer, upstreamQuery, validatorQuery, type ClientWants } from './shape.js';
import { DnssecValidator, type DnssecStatus } from './validator.js';

/** Asks the upstreams that serve `question`'s name. */
type AskUpstream = (query: Uint8Array, question: AskedQuestion) => Promise<Asked>;

/** The validator's DS and DNSKEY questions go where the name's questions go (server=/domain/ included), in order. */
export function askRouted(r: Parameters<typeof askInOrder>[0]): AskUpstream {
  return (query, question) => {
    const route = r.routing.route(question.nameLower);
    return route.kind === 'forward' ? askInOrder(r, route.servers, query, question) : Promise.resolve({});
  };
}

export class DnssecForwarding {
  readonly validator: DnssecValidator;
  readonly #udpSize: number;

  constructor(
    config: DnsCacheConfig,
    readonly stats: DnsCacheStats,
    readonly errors: ErrorGuard,
    ask: AskUpstream,
    clock?: () => number,
  ) {
    this.#udpSize = config.ednsPacketMax;
    this.validator = new DnssecValidator({
      anchors: config.trustAnchors,
      checkUnsigned: config.dnssecCheckUnsigned,
      noTimecheck: config.dnssecNoTimecheck,
      clock,
      ask: (name, type) => {
        stats.dnssecQueries++;
        const query = validatorQuery(name, type, this.#udpSize);
        return ask(query, readQuestion(query)).then((asked) => asked.answer);
      },
    });
  }

  /** The client's query as it goes upstream (unchanged if it cannot be read: the upstream will say FORMERR). */
  query(query: Uint8Array): Uint8Array {
    try {
      return upstreamQuery(query, this.#udpSize);
    } catch (error) {
      if (error instanceof WireError) return query;
      throw error;
    }
  }

  /**
   * What asking gave, validated and shaped for `query`'s client: a bogus
   * answer becomes no answer; an upstream error passed through loses the
   * OPT and DO the client did not send.
   */
  async answer(asked: Asked, query: Uint8Array, question: AskedQuestion): Promise<{ asked: Asked; status: DnssecStatus | undefined }> {
    if (asked.answer !== undefined) {
      const { answer, status } = await this.#check(asked.answer, query, question);
      return { asked: answer === undefined ? {} : { answer }, status };
    }
    if (asked.error === undefined) return { asked, status: undefined };
    try {
      const { end } = readName(query, 12);
      return { asked: { error: clientAnswer(asked.error, 'insecure', this.#wants(query, end), question.type) }, status: undefined };
    } catch {
      return { asked, status: undefined };
    }
  }

  #wants(query: Uint8Array, questionEnd: number): ClientWants {
    const edns = readQueryEdns(query, questionEnd);
    return { edns: edns !== undefined, dnssecOk: edns?.dnssecOk === true, ad: (query[3]! & 0x20) !== 0, cd: (query[3]! & 0x10) !== 0 };
  }

  async #check(upstream: Uint8Array, query: Uint8Array, question: AskedQuestion): Promise<{ answer: Uint8Array | undefined; status: DnssecStatus }> {
    let status: DnssecStatus;
    let shaped: Uint8Array;
    try {
      const { name, end } = readName(query, 12);
      status = await this.validator.validate(upstream, name, question.type);
      const cd = (query[3]! & 0x10) !== 0;
      if (status === 'bogus' && !cd) {
        this.stats.dnssecBogus++;
        return { answer: undefined, status };
      }
      if (cd && status === 'bogus') status = 'insecure';
      shaped = clientAnswer(upstream, status, this.#wants(query, end + 4), question.type);
    } catch (error) {
      // Unreadable is bogus; anything else is a bug, reported, and still no answer rather than an unchecked one.
      if (!(error instanceof WireError)) this.errors.report('validating an upstream answer', error);
      this.stats.dnssecBogus++;
      return { answer: undefined, status: 'bogus' };
    }
    if (status === 'secure') this.stats.dnssecSecure++;
    else this.stats.dnssecInsecure++;
    return { answer: shaped, status };
  }
}
