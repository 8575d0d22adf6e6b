/**
 * JetStream publishes whose acknowledgements come back on one subscription
 * of this publisher's own (`<inbox>.<n>`), matched by a counter: what
 * `Journal.publish` sends every event with, in place of nats.js's
 * `js.publish`.
 *
 * Why not `js.publish`: for every publish nats.js 3.4 copies its options
 * twice, builds a request with a timer, a `Promise.race` and a mux entry,
 * and on every acknowledgement, a successful one too, constructs a
 * `RequestError("cancelled")` with its stack (`RequestOne.cancel` rejects
 * its settled promise) and a `TextDecoder`; `noAsyncTraces` avoids neither.
 * Under DHCP load (issue 19) that was a tenth of the agent's CPU. Here a
 * publish is one `PUB` with the same headers and a map entry; one timer
 * serves every publish in flight (they share one timeout, so the oldest
 * expires first).
 *
 * The wire and the answers are nats.js's: an acknowledgement resolves with
 * its `PubAck`; the server's JetStream error rejects with
 * `JetStreamApiError`; no stream on the subject (a 503 status) with
 * `JetStreamNotEnabled`, as nats.js says it; a refused publish (the
 * server's `-ERR Permissions Violation for Publish to <subject>`) with its
 * `PermissionViolationError`, the oldest publish in flight to that subject
 * taking it, as nats.js's mux does; no answer within the timeout with
 * `TimeoutError`; a closed connection with `RequestError`.
 */
import { JetStreamApiError, JetStreamError, PubHeaders, type PubAck } from '@nats-io/jetstream';
import {
  NoRespondersError,
  PermissionViolationError,
  RequestError,
  TimeoutError,
  createInbox,
  headers,
  type Msg,
  type NatsConnection,
  type Subscription,
} from '@nats-io/nats-core';
import { jserrors } from '@nats-io/jetstream/internal';

/** nats.js's default for a JetStream publish. */
const DEFAULT_PUBLISH_TIMEOUT_MS = 5_000;

interface InFlight {
  readonly subject: string;
  readonly deadline: number;
  readonly resolve: (ack: PubAck) => void;
  readonly reject: (error: unknown) => void;
}

/** What a publish carries besides its subject and payload. */
export interface PublishHeaders {
  /** `Nats-Msg-Id`: a retried publish of the same id is stored once. */
  readonly msgId: string;
  /** `Nats-Expected-Last-Subject-Sequence`: stored only if the subject's last sequence is this (0: it has none). */
  readonly lastSubjectSequence?: number;
}

const decoder = new TextDecoder();

export class PipelinedPublisher {
  /** In flight, oldest first (insertion order is deadline order: one timeout for all). */
  private readonly inFlight = new Map<number, InFlight>();
  private counter = 0;
  private subscription: { readonly sub: Subscription; readonly prefix: string } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private watching = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = DEFAULT_PUBLISH_TIMEOUT_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Publishes in flight now (for tests and metrics). */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Publishes `data` to `subject` and resolves with JetStream's acknowledgement (the durability point). */
  publish(subject: string, data: Uint8Array, options: PublishHeaders): Promise<PubAck> {
    let replyPrefix: string;
    try {
      replyPrefix = this.replies();
    } catch (error) {
      return Promise.reject(error);
    }
    const h = headers();
    h.set(PubHeaders.MsgIdHdr, options.msgId);
    if (options.lastSubjectSequence !== undefined) h.set(PubHeaders.ExpectedLastSubjectSequenceHdr, `${options.lastSubjectSequence}`);
    const id = ++this.counter;
    return new Promise<PubAck>((resolve, reject) => {
      this.inFlight.set(id, { subject, deadline: this.now() + this.timeoutMs, resolve, reject });
      // Unref'd: publishes in flight keep the process up through their connection, not through this timer.
      this.timer ??= setTimeout(this.expire, this.timeoutMs).unref();
      try {
        this.nc.publish(subject, data, { reply: `${replyPrefix}${id}`, headers: h });
      } catch (error) {
        this.inFlight.delete(id);
        reject(error);
      }
    });
  }

  /** The reply subject prefix (`<inbox>.`), subscribing on first use and after the subscription ended. */
  private replies(): string {
    if (this.subscription) return this.subscription.prefix;
    const inbox = createInbox((this.nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix);
    const prefix = `${inbox}.`;
    const sub = this.nc.subscribe(`${inbox}.*`, { callback: (error, msg) => (error ? this.ended(sub, error) : this.answer(prefix, msg)) });
    this.subscription = { sub, prefix };
    void sub.closed.then(() => this.ended(sub, new RequestError('connection closed')));
    this.watch();
    return prefix;
  }

  private answer(prefix: string, msg: Msg): void {
    const id = Number(msg.subject.slice(prefix.length));
    const waiting = this.inFlight.get(id);
    if (!waiting) return; // timed out already, or not ours
    this.inFlight.delete(id);
    if (msg.data.length === 0 && msg.headers?.code === 503) {
      waiting.reject(new jserrors.JetStreamNotEnabled('jetstream is not enabled', { cause: new NoRespondersError(waiting.subject) }));
      return;
    }
    let answer: { error?: ConstructorParameters<typeof JetStreamApiError>[0] } & Partial<PubAck>;
    try {
      answer = JSON.parse(decoder.decode(msg.data)) as typeof answer;
    } catch (error) {
      waiting.reject(new JetStreamError('invalid ack response', { cause: error }));
      return;
    }
    if (answer.error) waiting.reject(new JetStreamApiError(answer.error));
    else if (!answer.stream || typeof answer.seq !== 'number') waiting.reject(new JetStreamError('invalid ack response'));
    else waiting.resolve({ stream: answer.stream, seq: answer.seq, duplicate: answer.duplicate === true, ...(answer.domain ? { domain: answer.domain } : {}) });
  }

  /** The subscription ended (connection closed, subscription refused): every publish in flight fails with it. */
  private ended(sub: Subscription, error: unknown): void {
    if (this.subscription?.sub !== sub) return;
    this.subscription = undefined;
    const all = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const waiting of all) waiting.reject(error);
  }

  /** Publishes that outlived the timeout fail, oldest first; the timer is armed again for the next. */
  private readonly expire = (): void => {
    this.timer = undefined;
    const now = this.now();
    for (const [id, waiting] of this.inFlight) {
      if (waiting.deadline > now) {
        this.timer = setTimeout(this.expire, waiting.deadline - now).unref();
        return;
      }
      this.inFlight.delete(id);
      waiting.reject(new TimeoutError());
    }
  };

  /** The server refuses a publish asynchronously (-ERR): the connection's status says so, naming the subject. */
  private watch(): void {
    if (this.watching) return;
    this.watching = true;
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type !== 'error' || !(status.error instanceof PermissionViolationError) || status.error.operation !== 'publish') continue;
        for (const [id, waiting] of this.inFlight) {
          if (waiting.subject !== status.error.subject) continue;
          this.inFlight.delete(id);
          waiting.reject(status.error);
          break;
        }
      }
    })();
  }
}
