/**
 * Request/reply for a `Peer`: a request is a publish whose `replyTo` is a subject of this peer's
 * inbox (`_INBOX.<name>.<incarnation>.<n>`); the first message on it settles the request.
 *
 * Ownership: owned by the `Peer`, on the application thread. The inbox subscription opens with
 * the first request and lives as long as the peer.
 */
import { PeerClosedError, TimeoutError } from '../../errors.js';
import type { Message } from './message.js';
import type { Subscription } from './subscription.js';

/** What requests need of the peer: its `subscribe` and `publish`. */
export interface RequestTransport {
  subscribe(pattern: string, handler: (msg: Message) => void): Subscription;
  publish(subject: string, data: unknown, options: { replyTo: string }): Promise<void>;
}

/** The requests of one peer waiting for their first reply, by inbox subject. */
export class Requests {
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

  /**
   * Publishes `data` on `subject` (already validated) with a fresh inbox as `replyTo`; resolves
   * with the first reply, rejects with TimeoutError after `timeoutMs`, or with what publishing failed with.
   */
  request(subject: string, data: unknown, timeoutMs: number): Promise<Message> {
    this.inboxSubscription ??= this.transport.subscribe(`${this.inboxPrefix}.>`, (msg) => this.pending.get(msg.subject)?.(msg));
    const inbox = `${this.inboxPrefix}.${this.nextInboxId++}`;
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(inbox);
        reject(new TimeoutError(`no reply to ${subject} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(inbox, (msg) => {
        clearTimeout(timer);
        this.pending.delete(inbox);
        if (msg) resolve(msg);
        else reject(new PeerClosedError('the peer closed before a reply arrived'));
      });
      this.transport.publish(subject, data, { replyTo: inbox }).catch((err: unknown) => {
        clearTimeout(timer);
        this.pending.delete(inbox);
        reject(err);
      });
    });
  }

  /** The peer closed: every waiting request rejects with PeerClosedError. */
  close(): void {
    for (const settle of this.pending.values()) settle(undefined);
    this.pending.clear();
  }
}
