/**
 * dnsmasq's log-queries: `query[A] vm1.lan from 198.18.0.9`, `forwarded
 * example.org to 198.18.255.9`, then one line per answer record — `reply
 * example.org is 198.19.80.14` (from upstream), `cached ... is ...` (from
 * the cache), `config vm1.lan is 198.18.0.5` (local data) — or the rcode
 * (`reply x is NXDOMAIN`, `reply x is NODATA`). The same facts go out as
 * fields (`tx`) for JSON logs. The resolver holds one only while
 * log-queries is on: off, a query pays one check. The sink (the server's
 * rate-limited logger) may drop lines in a flood.
 */
import { decodeDns, type DnsRecord } from '@leasehold/protocol';
import type { UpstreamServer } from './config.js';

/** Where query lines go: the dnsmasq-style text and the same facts as fields. */
export type QueryLogSink = (message: string, fields: { readonly tx: Readonly<Record<string, unknown>> }) => void;

/** Where an answer came from, in dnsmasq's words. */
export type AnswerSource = 'reply' | 'cached' | 'config';

const TYPE_NAMES: Readonly<Record<number, string>> = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 65: 'HTTPS', 255: 'ANY' };
const RCODES: Readonly<Record<number, string>> = { 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED' };
/** Lines per answer at most: a reply of a hundred records is summed up, not written out. */
const MAX_RECORD_LINES = 8;

/** The question as the resolver read it. */
export interface LoggedQuestion {
  readonly nameLower: string;
  readonly type: number;
}

/** One query being answered: its `send`, wrapped to log the answer, and where that answer comes from. */
export interface QueryTransaction {
  source: AnswerSource;
  readonly send: (reply: Uint8Array) => void;
}

export class QueryLog {
  constructor(private readonly sink: QueryLogSink) {}

  /** Logs the question and returns the send that logs the answer. */
  begin(question: LoggedQuestion, from: string, listener: string | undefined, send: (reply: Uint8Array) => void): QueryTransaction {
    const name = question.nameLower || '.';
    const type = TYPE_NAMES[question.type] ?? `type=${question.type}`;
    const base = { name, ...(listener ? { listener } : {}) };
    this.sink(`query[${type}] ${name} from ${from}`, { tx: { ...base, event: 'query', type, client: from } });
    const tx: QueryTransaction = {
      source: 'reply',
      send: (reply) => {
        this.#answer(tx.source, name, reply, base);
        send(reply);
      },
    };
    return tx;
  }

  forwarded(question: LoggedQuestion, server: UpstreamServer | undefined, listener: string | undefined): void {
    // No upstream at all: nothing is sent (the answer line says SERVFAIL).
    if (server === undefined) return;
    const name = question.nameLower || '.';
    this.sink(`forwarded ${name} to ${server.address}`, { tx: { name, event: 'forwarded', server: server.address, ...(listener ? { listener } : {}) } });
  }

  #answer(source: AnswerSource, name: string, reply: Uint8Array, base: Record<string, unknown>): void {
    const line = (value: string) => this.sink(`${source} ${name} is ${value}`, { tx: { ...base, event: source, answer: value } });
    let answers: DnsRecord[];
    let rcode: number;
    try {
      const message = decodeDns(reply);
      answers = message.answers;
      rcode = message.rcode;
    } catch {
      return line('<unreadable answer>');
    }
    if (rcode !== 0) return line(RCODES[rcode] ?? `rcode ${rcode}`);
    if (answers.length === 0) return line((reply[2]! & 0x02) !== 0 ? '<truncated>' : 'NODATA');
    for (const record of answers.slice(0, MAX_RECORD_LINES)) line(recordText(record));
    if (answers.length > MAX_RECORD_LINES) line(`... ${answers.length - MAX_RECORD_LINES} more records`);
  }
}

/** A record's data as dnsmasq shows it: the address, the name, or `<TYPE>`. Pure. */
function recordText(record: DnsRecord): string {
  switch (record.type) {
    case 'A':
    case 'AAAA':
    case 'PTR':
      return record.data;
    case 'CNAME':
      return `<CNAME> ${record.data}`;
    case 'UNKNOWN':
      return `<${TYPE_NAMES[record.code] ?? `type=${record.code}`}>`;
    default:
      return `<${record.type}>`;
  }
}
