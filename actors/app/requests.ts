/**
 * Request/reply for a `Peer`: a request is a publish whose `replyTo` is a subject of this peer's
 * inbox (`_INBOX.<name>.<incarnation>.<n>`); the first reply to it settles the request. Replies
 * made by `msg.respond()` come on the inbox's one reply subject (`_INBOX.<name>.<incarnation>.r`)
 * with the request's inbox as their `replyTo` (origin.ts, `replyRoute`); a message published on
 * the request's inbox itself answers it too.
 *
 * No responders: a request whose subject matches no known peer's advertised patterns and no
 * subscription of this peer fails with `NoRespondersError` instead of waiting for its timeout.
 * Right after the start the peers are not all known yet (they answer our first, soliciting
 * advert within milliseconds, and a peer that starts with us advertises its subscriptions
 * as soon as it makes them): until `discoveryGraceMs` after the start, a request with no
 * responder known is published all the same and fails with `NoRespondersError` only if, at the
 * end of that grace, there is still none and no reply came.
 *
 * A request that a zone bridge relays to the other zones (bridge/request-relay.ts) may be
 * answered by the bridge with a reply marked `_LC_STATUS.noResponders`: no zone has a responder.
 * It fails the request with `NoRespondersError` unless a peer of this zone (not a bridge) may
 * still answer.
 *
 * Ownership: owned by the `Peer`, on the application thread. The inbox subscription opens with
 * the first request and lives as long as the peer.
 */
import { AbortError, NoRespondersError, PeerClosedError, TimeoutError } from '../../errors.js';
import type { Codec } from './codec.js';
import { inboxOf, NO_RESPONDERS_MARKER } from './origin.js';
import type { Message } from './message.js';
import type { Subscription } from './subscription.js';

/** What requests need of the peer. */
export interface RequestTransport {
  subscribe(pattern: string, handler: (msg: Message) => void): Subscription;
  publish(subject: string, data: unknown, options: { replyTo: string; codec?: Codec }): Promise<void>;
  /** Whether a known peer's patterns or a local subscription that takes own messages match `subject`. */
  hasResponders(subject: string): boolean;
  /** Whether a peer of this zone other than zone bridges and `except` (or a local subscription) matches `subject`. */
  hasLocalResponders(subject: string, except: string): boolean;
  /** Milliseconds left of the start-up discovery grace (0 once it is over). */
  discoveryLeftMs(): number;
}

/** One request's settings, validated by the peer. */
export interface RequestSpec {
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly codec: Codec;
}

/** The requests of one peer waiting for their first reply, by inbox subject. */
export class Requests {
  /** Requests that failed fast with `NoRespondersError`. */
  noResponders = 0;
  private readonly inboxPrefix: string;
  private inboxSubscription: Subscription | undefined;
  private nextInboxId = 1;
  /** Settled by the first reply, or with undefined by {@link close}. */
  private readonly pending = new Map<string, (msg: Message | undefined) => void>();

  constructor(
    private readonly transport: RequestTransport,
    peerName: string,
    incarnation: number,
  ) {
    this.inboxPrefix = `_INBOX.${peerName.replace(/[^A-Za-z0-9_\-:]/g, '_')}.${incarnation}`;
  }

  /** Whether `subject` is one of this peer's inboxes (a reply to one of its requests). */
  isReply(subject: string): boolean {
    return subject.length > this.inboxPrefix.length && subject.startsWith(this.inboxPrefix) && subject.charCodeAt(this.inboxPrefix.length) === 46; // '.'
  }

  /**
   * Publishes `data` on `subject` (already validated) with a fresh inbox as `replyTo`; resolves
   * with the first reply (decoded by `spec.codec`); rejects with NoRespondersError (see the
   * module comment), TimeoutError after `timeoutMs`, AbortError when `spec.signal` aborts, or
   * with what publishing failed with.
   */
  request<T>(subject: string, data: unknown, spec: RequestSpec): Promise<Message<T>> {
    const { timeoutMs, signal, codec } = spec;
    if (signal?.aborted === true) return Promise.reject(new AbortError(`request to ${subject} aborted`, { cause: signal.reason }));
    const graceMs = this.transport.discoveryLeftMs();
    if (graceMs === 0 && !this.transport.hasResponders(subject)) {
      this.noResponders++;
      return Promise.reject(new NoRespondersError(`no responders for ${subject}: no known peer's patterns and no subscription of ours match it`, { subject }));
    }
    this.inboxSubscription ??= this.transport.subscribe(`${this.inboxPrefix}.>`, (msg) => this.pending.get(inboxOf(msg))?.(msg));
    const inbox = `${this.inboxPrefix}.${this.nextInboxId++}`;
    return new Promise<Message<T>>((resolve, reject) => {
      let graceTimer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        clearTimeout(graceTimer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(inbox);
      };
      const fail = (err: unknown): void => {
        done();
        reject(err);
      };
      const onAbort = (): void => fail(new AbortError(`request to ${subject} aborted`, { cause: signal?.reason }));
      const timer = setTimeout(() => fail(new TimeoutError(`no reply to ${subject} within ${timeoutMs} ms`)), timeoutMs);
      if (graceMs > 0 && graceMs < timeoutMs && !this.transport.hasResponders(subject)) {
        graceTimer = setTimeout(() => {
          if (this.transport.hasResponders(subject)) return;
          this.noResponders++;
          fail(new NoRespondersError(`no responders for ${subject}: none known ${graceMs} ms after the start (discovery)`, { subject }));
        }, graceMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(inbox, (msg) => {
        if (msg?.replyTo === NO_RESPONDERS_MARKER) {
          // A zone bridge asked the other zones: none has a responder. A local responder's reply may still come.
          if (this.transport.hasLocalResponders(subject, msg.sender)) return;
          this.noResponders++;
          fail(new NoRespondersError(`no responders for ${subject} in this zone or any other (said by bridge ${msg.sender})`, { subject }));
          return;
        }
        done();
        if (msg) resolve(msg.withCodec<T>(codec));
        else reject(new PeerClosedError('the peer closed before a reply arrived'));
      });
      this.transport.publish(subject, data, { replyTo: inbox, codec }).catch(fail);
    });
  }

  /** The peer closed: every waiting request rejects with PeerClosedError. */
  close(): void {
    for (const settle of [...this.pending.values()]) settle(undefined);
    this.pending.clear();
  }
}
